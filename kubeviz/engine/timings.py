"""Node-failure timings: Kubernetes' defaults, overridable per cluster (the demo uses short
ones so a classroom sees a failed node's pods move within a minute)."""
from __future__ import annotations

from typing import Any

DEFAULTS = {
    # kube-controller-manager --node-monitor-grace-period (50 s since v1.32, 40 s before)
    "nodeMonitorGracePeriod": 50,
    # kubelet: how long a node lease is valid, and how often it is renewed (1/4 of it)
    "nodeLeaseDurationSeconds": 40,
}


def timing(settings: dict[str, Any] | None, name: str) -> float:
    return float((settings or {}).get(name, DEFAULTS[name]))
