"""OOMKilled: a container whose simulated memory use exceeds its limit is killed (137),
shows OOMKilled, then waits in CrashLoopBackOff before the kubelet restarts it."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.kubeapi.tables import pod_status_reason
from kubeviz.kubelet.agent import Kubelet
from kubeviz.runtime.process import memory_usage

MEMORY_USAGE = "kubeviz.io/memory-usage"


def _pod(cluster, name="app", *, image="nginx:1.27", limit="64Mi", usage=None, containers=None, **spec):
    annotations = {MEMORY_USAGE: usage} if usage else {}
    body = {
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"nodeName": "node-1", "containers": containers or [
            {"name": "main", "image": image, "resources": {"limits": {"memory": limit}}},
        ], **spec},
    }
    return registry.create(cluster, by_plural("pods"), "default", body)


def _get(cluster, name="app"):
    return registry.get(cluster, by_plural("pods"), "default", name)


def _engine(cluster):
    pause_clock(cluster)
    return Engine(cluster, components=[Kubelet(cluster)])


def _statuses_seen(cluster, engine, name="app", seconds=60) -> list[str]:
    """STATUS as kubectl get pods shows it after each kubelet action, without repeats."""
    seen: list[str] = []

    def note() -> bool:
        reason = pod_status_reason(_get(cluster, name))
        if not seen or seen[-1] != reason:
            seen.append(reason)
        return False

    engine.settle(until=note, horizon=seconds)
    return seen


@pytest.mark.parametrize("image,limit,usage,oom", [
    ("nginx:1.27", "64Mi", None, False),  # nginx uses a few Mi
    ("redis:7", "16Mi", None, True),  # redis uses tens of Mi
    ("postgres:16", "128Mi", None, False),
    ("nginx:1.27", "64Mi", "300Mi", True),  # a teacher raises its use
    ("nginx:1.27", "1Gi", "300Mi", False),
    ("kubeviz/memory-hog", "1Gi", None, True),  # grows until killed
])
def test_oom_follows_memory_use_and_limit(cluster, image, limit, usage, oom):
    _pod(cluster, image=image, limit=limit, usage=usage)
    _engine(cluster).settle(horizon=20)
    cs = _get(cluster)["status"]["containerStatuses"][0]
    if oom:
        assert cs["restartCount"] >= 1
        assert cs["lastState"]["terminated"]["reason"] == "OOMKilled"
        assert cs["lastState"]["terminated"]["exitCode"] == 137
    else:
        assert cs["restartCount"] == 0 and "running" in cs["state"]


def test_kubectl_shows_oomkilled_then_crash_loop_back_off(cluster):
    _pod(cluster, usage="300Mi")
    seen = _statuses_seen(cluster, _engine(cluster))
    # The first exit is restarted at once (the kubelet's back-off starts then); the second
    # waits in CrashLoopBackOff.
    assert seen[:7] == ["Pending", "ContainerCreating", "Running", "OOMKilled", "Running", "OOMKilled", "CrashLoopBackOff"]
    assert seen.count("OOMKilled") >= 3  # restarted after the back-off, and killed again
    p = _get(cluster)
    assert p["status"]["phase"] == "Running"
    events = [(e["type"], e["reason"]) for e in registry.objects(cluster, "events", "default")
              if e["involvedObject"]["name"] == "app"]
    assert ("Warning", "BackOff") in events


def test_per_container_use_kills_only_that_container(cluster):
    limits = {"limits": {"memory": "64Mi"}}
    _pod(cluster, usage="sidecar=200Mi", containers=[
        {"name": "main", "image": "nginx:1.27", "resources": limits},
        {"name": "sidecar", "image": "busybox:1.36", "command": ["sleep", "infinity"], "resources": limits},
    ])
    _engine(cluster).settle(horizon=20)
    by_name = {cs["name"]: cs for cs in _get(cluster)["status"]["containerStatuses"]}
    assert by_name["main"]["restartCount"] == 0 and "running" in by_name["main"]["state"]
    assert by_name["sidecar"]["lastState"]["terminated"]["reason"] == "OOMKilled"


def test_raising_use_of_a_running_container_kills_it_then(cluster):
    _pod(cluster)
    engine = _engine(cluster)
    engine.settle(horizon=30)
    assert "running" in _get(cluster)["status"]["containerStatuses"][0]["state"]
    registry.patch(cluster, by_plural("pods"), "default", "app", "application/merge-patch+json",
                   {"metadata": {"annotations": {MEMORY_USAGE: "300Mi"}}})
    engine.settle(until=lambda: "terminated" in _get(cluster)["status"]["containerStatuses"][0]["state"], horizon=5)
    p = _get(cluster)
    terminated = p["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (terminated["reason"], terminated["exitCode"]) == ("OOMKilled", 137)
    assert terminated["finishedAt"] > terminated["startedAt"]
    assert pod_status_reason(p) == "OOMKilled"


def test_a_job_pod_that_never_restarts_fails_with_oomkilled(cluster):
    _pod(cluster, usage="300Mi", restartPolicy="Never")
    _engine(cluster).settle(horizon=20)
    p = _get(cluster)
    assert p["status"]["phase"] == "Failed"
    assert p["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == "OOMKilled"
    assert pod_status_reason(p) == "OOMKilled"


@pytest.mark.parametrize("annotation,container,expected", [
    ("300Mi", "main", 300 * 2**20),
    ("main=1Gi, sidecar=20Mi", "sidecar", 20 * 2**20),
    ("main=1Gi", "other", 6 * 2**20),  # not named: its image's footprint (nginx)
    ("lots", "main", 6 * 2**20),  # not a quantity: ignored
])
def test_memory_usage_annotation(annotation, container, expected):
    assert memory_usage({"name": container, "image": "nginx"}, {MEMORY_USAGE: annotation}) == expected
