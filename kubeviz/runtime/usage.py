"""How much CPU a simulated container uses: what the kubelet's summary (cAdvisor) would
report, and metrics-server serves as metrics.k8s.io.

CPU follows what the container does: a small idle baseline per image; requests that
kube-proxy sent to it (proxy/traffic.py: the dashboard's traffic, and other containers'
``wget``/``curl`` through runtime/processes.py; counted in ``ServedRequests``) cost CPU-seconds
each, averaged over the last ``WINDOW_SECONDS`` — ``registry.k8s.io/hpa-example``
(the php-apache of the HPA walkthrough) computes for every request, nginx barely notices
one; and the teacher's lever, the pod annotation ``kubeviz.io/cpu-usage`` (``"800m"``, or
``"main=800m,sidecar=5m"``), which sets a container busy at that rate. Use never exceeds
the container's CPU limit (CFS throttling). Memory is ``process.memory_usage``.

Simplified: a real rate comes from cumulative CPU time between two scrapes; here it is
requests × cost per request over a fixed window, plus the baseline.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Sum

from kubeviz.apiserver.quantity import QuantityError, milli
from kubeviz.clusters.models import Cluster

from .images import resolve
from .models import ServedRequests
from .process import annotated_amount

CPU_USAGE = "kubeviz.io/cpu-usage"
#: the window metrics-server reports usage over (its ``window`` field)
WINDOW_SECONDS = 30
#: idle CPU of each image's process, in millicores (1 when unlisted)
IDLE_MILLICORES: dict[str, int] = {
    "docker.io/library/postgres": 4,
    "docker.io/library/mysql": 6,
    "docker.io/library/redis": 2,
    "registry.k8s.io/pause": 0,
}
#: CPU-seconds one served request costs (0.5 ms when unlisted)
CPU_SECONDS_PER_REQUEST: dict[str, float] = {
    "registry.k8s.io/hpa-example": 0.02,  # a loop of a million square roots per request
    "docker.io/library/nginx": 0.0002,
    "docker.io/library/httpd": 0.0005,
    "registry.k8s.io/e2e-test-images/agnhost": 0.0002,
}
DEFAULT_SECONDS_PER_REQUEST = 0.0005


def served_in_window(cluster: Cluster, now: datetime) -> dict[tuple[str, str], int]:
    """Requests each (pod uid, container) served in the last window."""
    rows = (ServedRequests.objects
            .filter(cluster=cluster, time__gt=now - timedelta(seconds=WINDOW_SECONDS), time__lte=now)
            .values("pod_uid", "container").annotate(total=Sum("count")))
    return {(r["pod_uid"], r["container"]): int(r["total"] or 0) for r in rows}


def _limit_millicores(container: dict[str, Any]) -> int | None:
    limit = ((container.get("resources") or {}).get("limits") or {}).get("cpu")
    try:
        return milli(limit) if limit is not None else None
    except QuantityError:
        return None


def cpu_nanocores(container: dict[str, Any], annotations: dict[str, str] | None, served: int) -> int:
    """The container's CPU use, in nanocores (metrics-server's unit)."""
    chosen = annotated_amount(annotations, CPU_USAGE, container)
    resolved = resolve(container.get("image", ""))
    repository = resolved.image.repository if resolved.image else ""
    if chosen:
        try:
            cores = milli(chosen) / 1000
        except QuantityError:
            chosen = None
    if not chosen:
        cost = CPU_SECONDS_PER_REQUEST.get(repository, DEFAULT_SECONDS_PER_REQUEST)
        cores = IDLE_MILLICORES.get(repository, 1) / 1000 + served * cost / WINDOW_SECONDS
    limit = _limit_millicores(container)
    if limit is not None:
        cores = min(cores, limit / 1000)
    return int(cores * 1e9)
