"""The kubelet and container runtime, driven through the engine in settle mode."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import settle_cluster
from kubeviz.flow.models import Step
from kubeviz.kubelet.agent import Kubelet


def make_pod(cluster, name: str, image: str = "nginx:1.27", node: str = "node-1", **spec):
    body = {
        "metadata": {"name": name},
        "spec": {"nodeName": node, "containers": [{"name": "main", "image": image}], **spec},
    }
    return registry.create(cluster, by_plural("pods"), "default", body)


def settle(cluster, seconds: float = 120):
    return settle_cluster(cluster, components=[Kubelet(cluster)], horizon=seconds)


def pod(cluster, name):
    return registry.get(cluster, by_plural("pods"), "default", name)


def events(cluster, name):
    found = [e for e in registry.objects(cluster, "events", "default") if e["involvedObject"]["name"] == name]
    found.sort(key=lambda e: int(e["metadata"]["resourceVersion"]))
    return [(e["type"], e["reason"]) for e in found]


def test_pod_runs_with_steps_6_to_9_and_events(cluster):
    make_pod(cluster, "web")
    settle(cluster)
    p = pod(cluster, "web")
    assert p["status"]["phase"] == "Running"
    cs = p["status"]["containerStatuses"][0]
    assert cs["ready"] is True and cs["restartCount"] == 0 and "running" in cs["state"]
    assert cs["imageID"].startswith("docker.io/library/nginx@sha256:")
    assert p["status"]["podIP"] == "10.244.1.2" and p["status"]["hostIP"] == "192.168.49.11"
    assert {c["type"]: c["status"] for c in p["status"]["conditions"]}["Ready"] == "True"
    numbers = [s.step for s in Step.objects.filter(cluster=cluster, name="web").order_by("seq") if s.step]
    assert numbers[:2] == [1, 2] or numbers[0] == 2
    flow = [n for n in numbers if n >= 6]
    assert flow[0] == 6 and flow[-2:] == [8, 9] and 7 in flow
    assert [r for _, r in events(cluster, "web")] == ["Pulling", "Pulled", "Created", "Started"]


@pytest.mark.parametrize("image,reason", [("ngnix:1.27", "ImagePullBackOff"), ("nginx:9.99", "ImagePullBackOff")])
def test_unknown_image_backs_off(cluster, image, reason):
    make_pod(cluster, "typo", image=image)
    settle(cluster, 30)
    p = pod(cluster, "typo")
    assert p["status"]["phase"] == "Pending"
    waiting = p["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["reason"] in ("ErrImagePull", "ImagePullBackOff")
    assert ("Warning", "Failed") in events(cluster, "typo")
    assert ("Normal", "BackOff") in events(cluster, "typo")


def test_crashing_container_goes_to_crash_loop_back_off(cluster):
    make_pod(cluster, "crash", image="busybox:1.36", containers=[{"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 2; exit 3"]}])
    settle(cluster, 60)
    cs = pod(cluster, "crash")["status"]["containerStatuses"][0]
    assert cs["restartCount"] >= 2
    assert cs["lastState"]["terminated"]["exitCode"] == 3
    assert cs["lastState"]["terminated"]["reason"] == "Error"
    assert ("Warning", "BackOff") in events(cluster, "crash")


def test_run_to_completion(cluster):
    make_pod(cluster, "job", image="busybox", restartPolicy="Never",
             containers=[{"name": "main", "image": "busybox", "command": ["sh", "-c", "echo done; sleep 3"]}])
    settle(cluster, 60)
    p = pod(cluster, "job")
    assert p["status"]["phase"] == "Succeeded"
    assert p["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"


def test_deleting_a_running_pod_stops_it_then_removes_it(cluster):
    make_pod(cluster, "web")
    settle(cluster)
    registry.delete(cluster, by_plural("pods"), "default", "web")
    assert pod(cluster, "web")["metadata"]["deletionTimestamp"]
    settle(cluster)
    assert [p["metadata"]["name"] for p in registry.objects(cluster, "pods", "default")] == []
    assert ("Normal", "Killing") in events(cluster, "web")


PROBE = {"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 5, "periodSeconds": 10, "failureThreshold": 3}


def test_readiness_probe_gates_ready_and_can_be_made_to_fail(cluster):
    make_pod(cluster, "web", containers=[{"name": "main", "image": "nginx:1.27", "readinessProbe": PROBE}])
    settle(cluster, 3)
    cs = pod(cluster, "web")["status"]["containerStatuses"][0]
    assert "running" in cs["state"] and cs["ready"] is False  # initial delay not over
    settle(cluster, 30)
    assert pod(cluster, "web")["status"]["containerStatuses"][0]["ready"] is True
    registry.patch(cluster, by_plural("pods"), "default", "web", "application/merge-patch+json",
                   {"metadata": {"annotations": {"kubeviz.io/fail-readiness": "true"}}})
    settle(cluster, 30)
    p = pod(cluster, "web")
    assert p["status"]["containerStatuses"][0]["ready"] is False
    assert {c["type"]: c["status"] for c in p["status"]["conditions"]}["Ready"] == "False"
    assert ("Warning", "Unhealthy") in events(cluster, "web")


def test_failing_liveness_probe_restarts_the_container(cluster):
    make_pod(cluster, "web", containers=[{"name": "main", "image": "nginx:1.27", "livenessProbe": PROBE}])
    registry.patch(cluster, by_plural("pods"), "default", "web", "application/merge-patch+json",
                   {"metadata": {"annotations": {"kubeviz.io/fail-liveness": "main"}}})
    settle(cluster, 45)
    cs = pod(cluster, "web")["status"]["containerStatuses"][0]
    assert cs["restartCount"] >= 1
    assert cs["lastState"]["terminated"]["exitCode"] == 137
    reasons = [r for _, r in events(cluster, "web")]
    assert "Unhealthy" in reasons and "Killing" in reasons
