"""How a simulated container's process uses memory and answers SIGTERM.

Pure functions of the container spec and the pod's annotations, like ``containers.fate``,
so the kubelet can decide at any moment, from the store alone, whether a container is
over its memory limit and how long it takes to stop.
"""
from __future__ import annotations

from typing import Any

from kubeviz.apiserver.quantity import QuantityError, to_int

from .images import resolve

#: A teacher sets a container's simulated memory use: ``"300Mi"`` for every container of
#: the pod, or ``"main=300Mi,sidecar=20Mi"`` per container.
MEMORY_USAGE = "kubeviz.io/memory-usage"
#: A teacher makes containers ignore SIGTERM: ``"true"`` or container names.
IGNORE_SIGTERM = "kubeviz.io/ignore-sigterm"

Mi = 2**20

# What each catalogue image's process uses once started (its working set), in bytes.
FOOTPRINTS: dict[str, int] = {
    "docker.io/library/nginx": 6 * Mi,
    "docker.io/library/httpd": 12 * Mi,
    "docker.io/library/redis": 24 * Mi,
    "docker.io/library/memcached": 4 * Mi,
    "docker.io/library/postgres": 72 * Mi,
    "docker.io/library/mysql": 380 * Mi,
    "docker.io/library/busybox": 1 * Mi,
    "docker.io/library/alpine": 1 * Mi,
    "docker.io/library/python": 14 * Mi,
    "docker.io/library/node": 48 * Mi,
    "registry.k8s.io/pause": Mi // 2,
    "registry.k8s.io/e2e-test-images/agnhost": 10 * Mi,
    "registry.k8s.io/hpa-example": 9 * Mi,
    "docker.io/kubeviz/crasher": 1 * Mi,
    "docker.io/kubeviz/memory-hog": 1 * Mi,  # then it grows until it is killed ("oom")
}

# How long each image's process takes to exit after SIGTERM (servers shut down cleanly).
STOP_SECONDS: dict[str, float] = {
    "docker.io/library/postgres": 3.0,
    "docker.io/library/mysql": 4.0,
}
DEFAULT_STOP_SECONDS = 1.0
SHELLS = ("sh", "/bin/sh", "bash", "/bin/bash", "ash", "/bin/ash")


def _named(value: str, container: str) -> bool:
    return value == "true" or container in [v.strip() for v in value.split(",")]


def annotated_amount(annotations: dict[str, str] | None, key: str, container: dict[str, Any]) -> str | None:
    """A teacher's per-container amount: ``"300Mi"`` for every container, or
    ``"main=300Mi,sidecar=20Mi"``; None when the annotation names none for it."""
    value = (annotations or {}).get(key, "").strip()
    chosen = None
    for entry in (e.strip() for e in value.split(",") if e.strip()):
        name, sep, amount = entry.partition("=")
        if not sep:
            chosen = chosen or name
        elif name.strip() == container.get("name"):
            chosen = amount.strip()
    return chosen


def memory_usage(container: dict[str, Any], annotations: dict[str, str] | None = None) -> int:
    """The container's simulated working set: the teacher's annotation, else its image's."""
    chosen = annotated_amount(annotations, MEMORY_USAGE, container)
    if chosen:
        try:
            return to_int(chosen)
        except QuantityError:
            pass
    resolved = resolve(container.get("image", ""))
    return FOOTPRINTS.get(resolved.image.repository, 0) if resolved.image else 0


def memory_limit(container: dict[str, Any]) -> int | None:
    limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
    if limit in (None, ""):
        return None
    try:
        return to_int(limit)
    except QuantityError:
        return None


def over_memory_limit(container: dict[str, Any], annotations: dict[str, str] | None = None) -> bool:
    """The cgroup's OOM killer fires when the working set exceeds limits.memory."""
    limit = memory_limit(container)
    return limit is not None and memory_usage(container, annotations) > limit


def ignores_sigterm(container: dict[str, Any], annotations: dict[str, str] | None = None) -> bool:
    """A shell as PID 1 has no SIGTERM handler, so it ignores the signal (unless it traps it)."""
    if _named((annotations or {}).get(IGNORE_SIGTERM, ""), container.get("name", "")):
        return True
    words = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
    return bool(words) and words[0] in SHELLS and not any("trap" in w or w.startswith("exec ") for w in words)


def stop_seconds(container: dict[str, Any], grace: float, annotations: dict[str, str] | None = None) -> float:
    """How long after SIGTERM the container is gone: its clean shutdown, or the whole grace
    period when it ignores the signal (then SIGKILL ends it)."""
    if ignores_sigterm(container, annotations):
        return grace
    resolved = resolve(container.get("image", ""))
    own = STOP_SECONDS.get(resolved.image.repository, DEFAULT_STOP_SECONDS) if resolved.image else DEFAULT_STOP_SECONDS
    return min(own, grace)
