"""CrashLoopBackOff as the kubelet's back-off makes it: the first restart at once, then
10 s, 20 s, 40 s … between a quick exit and the next start."""
from __future__ import annotations

from datetime import datetime

from kubeviz.apiserver import registry
from tests.kubelet.test_oom import _engine, _get, _pod


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_first_restart_is_immediate_then_the_delay_doubles(cluster):
    _pod(cluster, image="kubeviz/crasher", limit="1Gi")
    runs: dict[int, tuple[str, str]] = {}  # restartCount -> (last exit, this run's start)

    def note() -> bool:
        cs = (_get(cluster)["status"].get("containerStatuses") or [{}])[0]
        running = (cs.get("state") or {}).get("running")
        last = ((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
        if running and last:
            runs.setdefault(cs["restartCount"], (last, running["startedAt"]))
        return len(runs) >= 4

    _engine(cluster).settle(until=note, horizon=200)
    gaps = [(_ts(start) - _ts(exit_)).total_seconds() for _, (exit_, start) in sorted(runs.items())]
    # The first gap is the kubelet's next look after the exit (about a second), no back-off.
    assert gaps[0] <= 2
    assert [round(g) for g in gaps[1:4]] == [10, 20, 40]
    assert "BackOff" in [e["reason"] for e in registry.objects(cluster, "events", "default")]
