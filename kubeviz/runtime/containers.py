"""What a simulated container's process does, from its image and command.

Pure functions of the pod spec, so the kubelet can work out a container's fate at any
moment from the store alone (nothing is lost when a worker restarts).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .images import resolve
from .process import over_memory_limit

CRASH_ANNOTATION = "kubeviz.io/crash-after-seconds"
#: How long a container over its memory limit runs before the OOM killer ends it (its
#: working set grows as it starts up).
OOM_AFTER_SECONDS = 3.0


@dataclass(frozen=True)
class Fate:
    """``runs_for`` None means until stopped; otherwise it exits with ``exit_code`` (or is
    OOMKilled) that many seconds after starting."""

    runs_for: float | None
    exit_code: int = 0
    reason: str = "Completed"


def fate(container: dict[str, Any], annotations: dict[str, str] | None = None) -> Fate:
    """What the container's process does; over its memory limit, it is OOMKilled first
    unless it would have exited sooner."""
    annotations = annotations or {}
    own = _fate(container, annotations)
    if over_memory_limit(container, annotations) and (own.runs_for is None or own.runs_for > OOM_AFTER_SECONDS):
        return Fate(OOM_AFTER_SECONDS, 137, "OOMKilled")
    return own


def _fate(container: dict[str, Any], annotations: dict[str, str]) -> Fate:
    crash = annotations.get(CRASH_ANNOTATION)
    if crash is not None:
        try:
            return Fate(max(float(crash), 0.0), 1, "Error")
        except ValueError:
            pass
    resolved = resolve(container.get("image", ""))
    behaviour = resolved.image.behaviour if resolved.image else "serve"
    words = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
    script = " ".join(words)
    if behaviour == "crash":
        return Fate(5.0, 1, "Error")
    if behaviour == "oom":
        return Fate(OOM_AFTER_SECONDS, 137, "OOMKilled")
    if words:
        return _from_command(script, behaviour)
    if behaviour == "exit":
        return Fate(0.5, 0, "Completed")
    return Fate(None)


def _from_command(script: str, behaviour: str) -> Fate:
    if re.search(r"\b(sleep\s+(infinity|inf))\b|while\s+true|tail\s+-f", script):
        return Fate(None)
    exit_match = re.search(r"\bexit\s+(\d+)", script)
    code = int(exit_match.group(1)) if exit_match else (1 if re.search(r"(^|\s|;)false(\s|;|$)", script) else 0)
    seconds = sum(float(s) for s in re.findall(r"\bsleep\s+(\d+(?:\.\d+)?)", script))
    if behaviour == "serve" and not re.search(r"\b(sleep|echo|exit|true|false|date)\b", script):
        return Fate(None)
    return Fate(max(seconds, 0.5), code, "Completed" if code == 0 else "Error")


def backoff_seconds(restarts: int) -> float:
    """The back-off in force after ``restarts`` restarts (or pull failures): 10 s doubling
    to 5 minutes (kubelet's MaxContainerBackOff). The first restart needs none: the
    kubelet's ``_back_off`` restarts at once then."""
    return float(min(10 * 2 ** max(restarts - 1, 0), 300))
