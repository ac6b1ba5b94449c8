"""Pod predicates the controllers share (pkg/api/v1/pod and controller_utils.go)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .objects import is_deleting, timestamp

Obj = dict[str, Any]


def is_pod_active(pod: Obj) -> bool:
    """Not Succeeded, not Failed and not being deleted (controller.IsPodActive)."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not is_deleting(pod)


def ready_condition(pod: Obj) -> Obj | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond
    return None


def is_pod_ready(pod: Obj) -> bool:
    cond = ready_condition(pod)
    return cond is not None and cond.get("status") == "True"


def ready_since(pod: Obj) -> datetime | None:
    """When a ready pod became ready (its Ready condition's lastTransitionTime)."""
    if not is_pod_ready(pod):
        return None
    return timestamp((ready_condition(pod) or {}).get("lastTransitionTime"))


def is_pod_available(pod: Obj, min_ready_seconds: int, now: datetime) -> bool:
    """Ready for at least minReadySeconds (podutil.IsPodAvailable; strictly "before now")."""
    if not is_pod_ready(pod):
        return False
    if not min_ready_seconds:
        return True
    since = ready_since(pod)
    return since is not None and since + timedelta(seconds=min_ready_seconds) < now


def seconds_until_available(pod: Obj, min_ready_seconds: int, now: datetime) -> float | None:
    """For a ready pod still inside minReadySeconds: how long until it counts as available.

    The real controller re-queues its owner after minReadySeconds (+1s against clock
    skew); computing the exact moment keeps the simulated clock honest.
    """
    if not min_ready_seconds or not is_pod_ready(pod) or is_pod_available(pod, min_ready_seconds, now):
        return None
    since = ready_since(pod)
    if since is None:
        return None
    return max((since + timedelta(seconds=min_ready_seconds) - now).total_seconds(), 0.0) + 1.0


def max_container_restarts(pod: Obj) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return max([int(s.get("restartCount") or 0) for s in statuses], default=0)
