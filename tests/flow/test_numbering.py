"""The numbering rule, through the components' sync: only the pod-creation flow is 1–9."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.flow.models import Step
from kubeviz.kubelet.agent import Kubelet
from kubeviz.scheduler.component import Scheduler

PODS = by_plural("pods")


def _engine(cluster):
    pause_clock(cluster)
    return Engine(cluster, components=[Scheduler(cluster), Kubelet(cluster)])


def _pod(name, image="nginx:1.27", annotations=None):
    return {"metadata": {"name": name, "annotations": annotations or {}},
            "spec": {"containers": [{"name": "app", "image": image}]}}


def _steps(cluster, name):
    return list(Step.objects.filter(cluster=cluster, name=name).order_by("seq"))


def test_a_pod_that_starts_goes_through_2_to_9_in_order(cluster):
    registry.create(cluster, PODS, "default", _pod("web"))
    _engine(cluster).settle(horizon=30)
    numbers = [s.step for s in _steps(cluster, "web") if s.step]
    assert sorted(set(numbers)) == [2, 3, 4, 5, 6, 7, 8, 9]
    firsts = [numbers.index(n) for n in range(2, 10)]
    assert firsts == sorted(firsts)
    # Step 9 stores a status with every container running; earlier reports are unnumbered.
    nine = next(s for s in _steps(cluster, "web") if s.step == 9)
    report = [s for s in _steps(cluster, "web") if s.step == 8 and s.seq < nine.seq][-1]
    assert "phase Running; app running" in report.message
    pending = [s for s in _steps(cluster, "web") if s.source.startswith("kubelet/") and s.action == "update status" and not s.step]
    assert all("phase Pending" in s.message for s in pending)


def test_crashes_restarts_and_failed_pulls_are_unnumbered_with_their_own_actions(cluster):
    registry.create(cluster, PODS, "default", _pod("crash", annotations={"kubeviz.io/crash-after-seconds": "5"}))
    registry.create(cluster, PODS, "default", _pod("missing", image="nginx:0.0.404"))
    _engine(cluster).settle(horizon=60)
    by_action = {}
    for s in _steps(cluster, "crash") + _steps(cluster, "missing"):
        if "runtime/" in s.source or "runtime/" in s.target:
            by_action.setdefault(s.action, set()).add((s.step, s.source.split("/")[0], s.category))
    assert by_action["exit"] == {(None, "runtime", "kubelet")}
    assert by_action["restart"] == {(None, "kubelet", "kubelet")}
    assert by_action["pull failed"] == {(None, "runtime", "kubelet")}
    assert (7, "kubelet", "flow") in by_action["start"]
    crash_reports = [s for s in _steps(cluster, "crash") if s.step == 9]
    assert crash_reports and not [s for s in _steps(cluster, "crash") if s.step == 9 and "CrashLoopBackOff" in s.message]
    for s in _steps(cluster, "crash") + _steps(cluster, "missing"):
        assert s.message[0].isupper() or s.message.startswith(("etcd", "kubelet/", "scheduler")), s.message
        assert s.message.endswith("."), s.message


def test_deleting_a_pod_is_unnumbered_from_request_to_removal(cluster):
    registry.create(cluster, PODS, "default", _pod("gone"))
    engine = _engine(cluster)
    engine.settle(horizon=30)
    seq = Step.objects.filter(cluster=cluster).order_by("-seq").first().seq
    registry.delete(cluster, PODS, "default", "gone", options={})
    engine.settle(horizon=60)
    after = [s for s in _steps(cluster, "gone") if s.seq > seq]
    assert {s.action for s in after} >= {"terminate", "stop", "delete"}
    assert [s.step for s in after] == [None] * len(after)
