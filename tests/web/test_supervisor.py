"""The supervisor behind ``manage.py serve``: dead children come back, after a back-off
that grows while they keep dying at once, and every death is reported with its cause."""
from __future__ import annotations

import signal
import sys

import pytest

from kubeviz.web.supervisor import Supervisor, exit_reason


@pytest.mark.parametrize("code, reason", [
    (0, "exited with code 0"),
    (3, "exited with code 3"),
    (-signal.SIGKILL, "killed by SIGKILL"),
    (-signal.SIGTERM, "killed by SIGTERM"),
])
def test_exit_reason(code, reason):
    assert exit_reason(code) == reason


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _wait(supervisor: Supervisor, name: str) -> None:
    supervisor.children[name].proc.wait(timeout=30)


def test_a_child_that_keeps_dying_is_restarted_with_a_growing_back_off():
    clock, lines = FakeClock(), []
    supervisor = Supervisor({"crasher": [sys.executable, "-c", "raise SystemExit(3)"]},
                            report=lines.append, clock=clock, min_backoff=1, max_backoff=4, stable_after=10)
    supervisor.start()
    waits = []
    for _ in range(4):
        _wait(supervisor, "crasher")
        supervisor.poll()
        child = supervisor.children["crasher"]
        waits.append(child.restart_at - clock.now)
        clock.now = child.restart_at
        supervisor.poll()
    assert waits == [1, 2, 4, 4]
    assert supervisor.children["crasher"].restarts == 4
    assert "crasher (pid" in lines[0] and "exited with code 3" in lines[0] and "restarting it in 1.0 s" in lines[0]
    supervisor.stop()


def test_a_child_that_ran_a_while_is_restarted_after_the_shortest_back_off_and_stop_ends_all():
    clock, lines = FakeClock(), []
    supervisor = Supervisor({"worker": [sys.executable, "-c", "import time; time.sleep(60)"],
                             "web": [sys.executable, "-c", "import time; time.sleep(60)"]},
                            report=lines.append, clock=clock, min_backoff=1, max_backoff=8, stable_after=10)
    supervisor.start()
    supervisor.children["worker"].backoff = 8  # as after earlier quick deaths
    clock.now = 30
    worker = supervisor.children["worker"].proc
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    supervisor.poll()
    assert supervisor.children["worker"].restart_at == 31
    assert "killed by SIGKILL after 30.0 s" in lines[0]
    assert supervisor.children["web"].proc.poll() is None  # the others never stop with it
    clock.now = 31
    supervisor.poll()
    assert supervisor.children["worker"].proc is not worker
    supervisor.stop()
    assert all(c.proc.poll() is not None for c in supervisor.children.values())
