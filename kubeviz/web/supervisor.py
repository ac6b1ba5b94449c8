"""Keeps ``manage.py serve``'s children running: a child that dies (a bug, an OOM kill,
``kill -9``) is started again after a back-off, and nothing else stops with it.

The web server never depends on the engine worker being alive: pages and the Kubernetes
API keep answering while a worker restarts, and the new worker rebuilds everything from
the store (every reconciler is level-triggered).
"""
from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

#: First wait before a restart; doubled after each quick death, up to MAX_BACKOFF.
MIN_BACKOFF = 0.5
MAX_BACKOFF = 30.0
#: A child that ran this long before dying had got through its start-up (Django's set-up
#: takes about a second): it is restarted after MIN_BACKOFF again. Dying sooner is a
#: crash loop (a bad setting, a broken import), which the doubling back-off slows down.
STABLE_AFTER = 5.0


def exit_reason(returncode: int) -> str:
    """How a child ended, as a person reads it: "exited with code 1", "killed by SIGKILL"."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with code {returncode}"


@dataclass
class Child:
    """One supervised command. ``restarts`` counts the starts after the first."""

    name: str
    command: list[str]
    proc: subprocess.Popen | None = None
    restarts: int = 0
    backoff: float = MIN_BACKOFF
    started_at: float = 0.0
    restart_at: float | None = None
    history: list[str] = field(default_factory=list)


class Supervisor:
    def __init__(
        self,
        children: dict[str, list[str]],
        *,
        cwd: Path | str | None = None,
        env: dict[str, str] | None = None,
        report: Callable[[str], None] = print,
        min_backoff: float = MIN_BACKOFF,
        max_backoff: float = MAX_BACKOFF,
        stable_after: float = STABLE_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.children = {name: Child(name, command, backoff=min_backoff) for name, command in children.items()}
        self.cwd, self.env, self.report, self.clock = cwd, env, report, clock
        self.min_backoff, self.max_backoff, self.stable_after = min_backoff, max_backoff, stable_after
        self.stopping = False

    def _spawn(self, child: Child) -> None:
        child.proc = subprocess.Popen(child.command, cwd=self.cwd, env=self.env)
        child.started_at = self.clock()
        child.restart_at = None

    def start(self) -> None:
        for child in self.children.values():
            self._spawn(child)

    def poll(self) -> None:
        """Notice deaths (schedule a restart after the back-off) and carry out restarts due."""
        if self.stopping:
            return
        now = self.clock()
        for child in self.children.values():
            if child.restart_at is None and child.proc is not None and child.proc.poll() is not None:
                ran = now - child.started_at
                if ran >= self.stable_after:
                    child.backoff = self.min_backoff
                reason = exit_reason(child.proc.returncode)
                child.history.append(reason)
                child.restart_at = now + child.backoff
                self.report(f"{child.name} (pid {child.proc.pid}) {reason} after {ran:.1f} s; "
                            f"restarting it in {child.backoff:.1f} s")
                child.backoff = min(child.backoff * 2, self.max_backoff)
            if child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self._spawn(child)
                self.report(f"{child.name} restarted (pid {child.proc.pid}, restart {child.restarts})")

    def run(self, *, interval: float = 0.2) -> None:
        """Supervise until ``stop()`` (from a signal handler)."""
        while not self.stopping:
            self.poll()
            time.sleep(interval)

    def stop(self, *, timeout: float = 10.0) -> None:
        """Terminate every child, then kill what is still running after ``timeout``."""
        self.stopping = True
        running = [c.proc for c in self.children.values() if c.proc is not None and c.proc.poll() is None]
        for proc in running:
            proc.terminate()
        deadline = time.monotonic() + timeout
        for proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
