"""What a simulated container's process does, from its image and command.

Pure functions of the pod spec, so the kubelet can work out a container's fate at any
moment from the store alone (nothing is lost when a worker restarts).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .context import container_context
from .images import default_argv, resolve
from .process import over_memory_limit
from .shell import Run

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


def fate(container: dict[str, Any], annotations: dict[str, str] | None = None,
         process: Callable[[], Run | None] | None = None, offset: float | None = None) -> Fate:
    """What the container's process does; over its memory limit, it is OOMKilled first
    unless it would have exited sooner. ``process`` gives the container's own process, for
    a command that uses the network (its answer depends on the cluster), which has run for
    ``offset`` seconds."""
    annotations = annotations or {}
    own = _fate(container, annotations, process, offset)
    if over_memory_limit(container, annotations) and (own.runs_for is None or own.runs_for > OOM_AFTER_SECONDS):
        return Fate(OOM_AFTER_SECONDS, 137, "OOMKilled")
    return own


def _fate(container: dict[str, Any], annotations: dict[str, str], process: Callable[[], Run | None] | None,
          offset: float | None) -> Fate:
    crash = annotations.get(CRASH_ANNOTATION)
    if crash is not None:
        try:
            return Fate(max(float(crash), 0.0), 1, "Error")
        except ValueError:
            pass
    resolved = resolve(container.get("image", ""))
    behaviour = resolved.image.behaviour if resolved.image else "serve"
    if behaviour == "crash":
        return Fate(5.0, 1, "Error")
    if behaviour == "oom":
        return Fate(OOM_AFTER_SECONDS, 137, "OOMKilled")
    if container.get("command") or container.get("args"):
        argv = default_argv(container)
        run = process() if process is not None and _NETWORK.search(" ".join(argv)) else None
        if run is not None:
            return _ended(run.ending(offset))
        env = tuple(sorted((str(e.get("name")), str(e.get("value", ""))) for e in container.get("env") or []
                           if isinstance(e, dict) and e.get("name") != "HOSTNAME"))
        return _command_fate(tuple(argv), str(container.get("image", "")), env, bool(container.get("stdin")))
    if behaviour == "exit":
        return Fate(0.5, 0, "Completed")
    return Fate(None)


_NETWORK = re.compile(r"\b(wget|curl|nslookup|nc|netcat)\b")


def _ended(ending: tuple[float, int] | None) -> Fate:
    if ending is None or ending[0] == float("inf"):
        return Fate(None)
    seconds, code = ending
    return Fate(max(seconds, 0.5), code, "Completed" if code == 0 else "Error")


@lru_cache(maxsize=1024)
def _command_fate(argv: tuple[str, ...], image: str, env: tuple[tuple[str, str], ...], stdin: bool = False) -> Fate:
    """A command's end, worked out once per distinct command (every replica shares it);
    with ``stdin`` a bare shell waits for what an attach types."""
    container = {"image": image, "env": [{"name": k, "value": v} for k, v in env], "stdin": stdin}
    ctx = container_context({"metadata": {"name": "pod"}, "spec": {}}, container)
    return _ended(Run(ctx, list(argv), keep_lines=False).ending())


def backoff_seconds(restarts: int) -> float:
    """The back-off in force after ``restarts`` restarts (or pull failures): 10 s doubling
    to 5 minutes (kubelet's MaxContainerBackOff). The first restart needs none: the
    kubelet's ``_back_off`` restarts at once then."""
    return float(min(10 * 2 ** max(restarts - 1, 0), 300))
