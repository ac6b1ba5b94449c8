"""The node status the kubelet posts: images, nodeInfo, capacity, and only when needed."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.flow.models import Step
from kubeviz.kubelet.agent import Kubelet
from kubeviz.kubelet.nodestatus import MAX_IMAGES, NODE_STATUS_REPORT_SECONDS, node_images


def _node(cluster, name="node-1"):
    return registry.get(cluster, by_plural("nodes"), None, name)


def _engine(cluster):
    pause_clock(cluster)
    return Engine(cluster, components=[Kubelet(cluster)])


def _status_writes(cluster, node="node-1") -> int:
    return Step.objects.filter(cluster=cluster, kind="Node", name=node, source=f"kubelet/{node}", action="update status").count()


def test_a_registered_node_reports_what_a_kubelet_reports(cluster):
    status = _node(cluster)["status"]
    assert set(status["capacity"]) == {"cpu", "ephemeral-storage", "hugepages-1Gi", "hugepages-2Mi", "memory", "pods"}
    assert status["allocatable"]["hugepages-2Mi"] == "0"
    assert [a["type"] for a in status["addresses"]] == ["InternalIP", "Hostname"]
    assert status["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 10250}}
    info = status["nodeInfo"]
    assert info["kubeletVersion"].startswith("v1.") and info["containerRuntimeVersion"].startswith("containerd://")
    assert (info["operatingSystem"], info["architecture"]) == ("linux", "amd64")
    assert len({info["machineID"], info["systemUUID"], info["bootID"]}) == 3
    # The sandbox image is there before any pod.
    assert status["images"][0]["names"][1] == "registry.k8s.io/pause:3.10"
    other = _node(cluster, "node-2")["status"]["nodeInfo"]
    assert other["machineID"] != info["machineID"]


def test_pulled_images_are_reported_largest_first(cluster):
    for name, image in (("web", "nginx:1.27"), ("cache", "redis:7")):
        registry.create(cluster, by_plural("pods"), "default", {
            "metadata": {"name": name}, "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": image}]},
        })
    _engine(cluster).settle(horizon=30)
    images = _node(cluster)["status"]["images"]
    assert [i["names"][1] for i in images] == [
        "docker.io/library/nginx:1.27", "docker.io/library/redis:7", "registry.k8s.io/pause:3.10",
    ]
    assert images[0]["names"][0].startswith("docker.io/library/nginx@sha256:")
    assert images[0]["sizeBytes"] == 72_000_000
    assert _node(cluster, "node-2")["status"]["images"] == _node(cluster, "node-3")["status"]["images"]


def test_an_unchanged_status_is_posted_only_every_report_period(cluster):
    engine = _engine(cluster)
    engine.settle(horizon=60)
    assert _status_writes(cluster) == 0  # the Lease carries the heartbeat
    leases = Step.objects.filter(cluster=cluster, kind="Lease", name="node-1", action="update").count()
    assert leases >= 10
    engine.settle(horizon=NODE_STATUS_REPORT_SECONDS)
    assert _status_writes(cluster) == 1
    ready = next(c for c in _node(cluster)["status"]["conditions"] if c["type"] == "Ready")
    assert ready["lastHeartbeatTime"] > ready["lastTransitionTime"]


def test_a_node_marked_not_ready_is_posted_ready_again(cluster):
    node = _node(cluster)
    for c in node["status"]["conditions"]:
        if c["type"] == "Ready":
            c.update(status="Unknown", reason="NodeStatusUnknown", message="Kubelet stopped posting node status.")
    registry.update(cluster, by_plural("nodes"), None, "node-1", node, subresource="status")
    _engine(cluster).settle(horizon=10)
    ready = next(c for c in _node(cluster)["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("True", "KubeletReady")
    events = [(e["reason"], e["message"]) for e in registry.objects(cluster, "events", "default")
              if e["involvedObject"]["name"] == "node-1"]
    assert ("NodeReady", "Node node-1 status is now: NodeReady") in events


def test_at_most_fifty_images_are_reported():
    reported = [{"names": [f"example.com/img{i}:1"], "sizeBytes": i} for i in range(60)]
    images = node_images(reported, {"docker.io/library/nginx:1.27"})
    assert len(images) == MAX_IMAGES
    assert images[0]["names"][1] == "docker.io/library/nginx:1.27"
    assert [i["sizeBytes"] for i in images] == sorted((i["sizeBytes"] for i in images), reverse=True)
