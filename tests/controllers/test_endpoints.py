"""The endpoints and EndpointSlice controllers, driven with the kubelet in settle mode."""
from __future__ import annotations

import re

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.controllers.endpoints import (
    LAST_CHANGE_TRIGGER_TIME,
    EndpointsController,
    EndpointSliceController,
    desired_slices,
    endpoint_subsets,
    find_port,
)
from kubeviz.engine.runner import settle_cluster
from kubeviz.kubelet.agent import Kubelet


def make_service(cluster, name="web", *, selector=None, ports=None, labels=None, **spec):
    body = {
        "metadata": {"name": name, "labels": labels or {"app": name}},
        "spec": {"ports": ports or [{"port": 80, "targetPort": 8080}], **spec},
    }
    if selector is not False:
        body["spec"]["selector"] = selector or {"app": name}
    return registry.create(cluster, by_plural("services"), "default", body)


def make_pod(cluster, name, node, *, image="nginx:1.27", labels=None, ports=None):
    container = {"name": "main", "image": image}
    if ports:
        container["ports"] = ports
    body = {
        "metadata": {"name": name, "labels": labels or {"app": "web"}},
        "spec": {"nodeName": node, "containers": [container]},
    }
    return registry.create(cluster, by_plural("pods"), "default", body)


def settle(cluster, horizon=60):
    return settle_cluster(
        cluster, components=[EndpointsController(cluster), EndpointSliceController(cluster), Kubelet(cluster)], horizon=horizon,
    )


def endpoints(cluster, name="web"):
    return registry.get(cluster, by_plural("endpoints"), "default", name)


def slices(cluster, service="web"):
    return [
        s for s in registry.objects(cluster, "endpointslices", "default")
        if s["metadata"]["labels"].get("kubernetes.io/service-name") == service
    ]


def pod(cluster, name):
    return registry.get(cluster, by_plural("pods"), "default", name)


def names(addresses):
    return sorted(a["targetRef"]["name"] for a in addresses or [])


def test_addresses_follow_readiness(cluster):
    svc = make_service(cluster)
    make_pod(cluster, "web-1", "node-1")
    make_pod(cluster, "web-2", "node-2")
    make_pod(cluster, "web-3", "node-3", image="nginx:9.99")  # no such tag: never ready
    settle(cluster)

    ep = endpoints(cluster)
    assert len(ep["subsets"]) == 1
    subset = ep["subsets"][0]
    assert names(subset["addresses"]) == ["web-1", "web-2"]
    assert names(subset["notReadyAddresses"]) == ["web-3"]
    assert subset["ports"] == [{"port": 8080, "protocol": "TCP"}]
    first = subset["addresses"][0]
    web1 = pod(cluster, "web-1")
    assert first == {
        "ip": web1["status"]["podIP"], "nodeName": "node-1",
        "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-1", "uid": web1["metadata"]["uid"]},
    }
    assert ep["metadata"]["labels"] == {"app": "web"}
    assert LAST_CHANGE_TRIGGER_TIME in ep["metadata"]["annotations"]
    assert "endpointslice.kubernetes.io/skip-mirror" not in ep["metadata"]["labels"]

    [slice_] = slices(cluster)
    assert re.fullmatch(r"web-[a-z0-9]{5}", slice_["metadata"]["name"])
    assert slice_["addressType"] == "IPv4"
    assert slice_["metadata"]["labels"] == {
        "app": "web", "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    }
    [owner] = slice_["metadata"]["ownerReferences"]
    assert owner["kind"] == "Service" and owner["uid"] == svc["metadata"]["uid"] and owner["controller"] is True
    assert slice_["ports"] == [{"name": "", "port": 8080, "protocol": "TCP"}]
    by_pod = {e["targetRef"]["name"]: e for e in slice_["endpoints"]}
    assert by_pod["web-1"]["conditions"] == {"ready": True, "serving": True, "terminating": False}
    assert by_pod["web-3"]["conditions"] == {"ready": False, "serving": False, "terminating": False}
    assert by_pod["web-1"]["nodeName"] == "node-1" and by_pod["web-1"]["zone"] == "zone-a"
    assert by_pod["web-2"]["zone"] == "zone-b"
    assert by_pod["web-1"]["addresses"] == [web1["status"]["podIP"]]


def test_a_pod_still_pulling_is_not_ready_then_becomes_ready(cluster):
    make_service(cluster)
    make_pod(cluster, "db-like", "node-1", image="postgres:16")  # a big image: a few seconds to pull
    settle(cluster, horizon=1)
    status = pod(cluster, "db-like")["status"]
    assert status["containerStatuses"][0]["state"]["waiting"]["reason"] == "ContainerCreating"
    ep = endpoints(cluster)
    assert "addresses" not in ep["subsets"][0]
    assert names(ep["subsets"][0]["notReadyAddresses"]) == ["db-like"]
    [slice_] = slices(cluster)
    assert slice_["endpoints"][0]["conditions"]["ready"] is False

    settle(cluster)
    ep = endpoints(cluster)
    assert names(ep["subsets"][0]["addresses"]) == ["db-like"]
    assert "notReadyAddresses" not in ep["subsets"][0]
    [slice_] = slices(cluster)
    assert slice_["endpoints"][0]["conditions"]["ready"] is True


def test_deleting_a_pod_removes_its_address(cluster):
    make_service(cluster)
    make_pod(cluster, "web-1", "node-1")
    make_pod(cluster, "web-2", "node-2")
    settle(cluster)
    [slice_] = slices(cluster)
    slice_name = slice_["metadata"]["name"]
    registry.delete(cluster, by_plural("pods"), "default", "web-1")
    settle(cluster)
    ep = endpoints(cluster)
    assert names(ep["subsets"][0]["addresses"]) == ["web-2"]
    [slice_] = slices(cluster)
    assert slice_["metadata"]["name"] == slice_name  # the same slice, updated
    assert [e["targetRef"]["name"] for e in slice_["endpoints"]] == ["web-2"]

    registry.delete(cluster, by_plural("pods"), "default", "web-2")
    settle(cluster)
    ep = endpoints(cluster)
    assert "subsets" not in ep
    [slice_] = slices(cluster)
    assert slice_["metadata"]["name"] == slice_name and slice_["endpoints"] == []


def test_named_target_port_is_resolved_per_pod(cluster):
    make_service(cluster, ports=[{"name": "http", "port": 80, "targetPort": "http"}])
    make_pod(cluster, "web-1", "node-1", ports=[{"name": "http", "containerPort": 8080}])
    make_pod(cluster, "web-2", "node-2", ports=[{"name": "http", "containerPort": 9090}])
    make_pod(cluster, "web-3", "node-3", ports=[{"name": "metrics", "containerPort": 9100}])
    settle(cluster)
    ep = endpoints(cluster)
    by_port = {s["ports"][0]["port"]: names(s.get("addresses")) for s in ep["subsets"]}
    assert by_port == {8080: ["web-1"], 9090: ["web-2"]}  # web-3 has no port named http
    assert all(s["ports"][0]["name"] == "http" for s in ep["subsets"])
    by_ports = {tuple(p["port"] for p in s["ports"]): [e["targetRef"]["name"] for e in s["endpoints"]] for s in slices(cluster)}
    # EndpointSlices keep such a pod, in a slice without ports, as the real controller does.
    assert by_ports == {(8080,): ["web-1"], (9090,): ["web-2"], (): ["web-3"]}


def test_service_without_selector_is_left_alone(cluster):
    make_service(cluster, "external", selector=False)
    manual = {"metadata": {"name": "external"}, "subsets": [{"addresses": [{"ip": "192.168.1.10"}], "ports": [{"port": 8080}]}]}
    registry.create(cluster, by_plural("endpoints"), "default", manual)
    make_pod(cluster, "web-1", "node-1")
    settle(cluster)
    assert endpoints(cluster, "external")["subsets"] == manual["subsets"]
    assert slices(cluster, "external") == []


def test_writes_only_when_something_changed(cluster):
    make_service(cluster)
    make_pod(cluster, "web-1", "node-1")
    settle(cluster)
    before_ep = endpoints(cluster)["metadata"]["resourceVersion"]
    before_slices = {s["metadata"]["name"]: s["metadata"]["resourceVersion"] for s in slices(cluster)}
    settle(cluster)  # new controllers, empty memory: they look at everything again
    assert endpoints(cluster)["metadata"]["resourceVersion"] == before_ep
    assert {s["metadata"]["name"]: s["metadata"]["resourceVersion"] for s in slices(cluster)} == before_slices


def test_deleted_service_loses_its_endpoints_and_recreated_endpoints_come_back(cluster):
    make_service(cluster)
    make_pod(cluster, "web-1", "node-1")
    settle(cluster)
    registry.delete(cluster, by_plural("endpoints"), "default", "web")
    settle(cluster)
    assert names(endpoints(cluster)["subsets"][0]["addresses"]) == ["web-1"]
    registry.delete(cluster, by_plural("services"), "default", "web")
    settle(cluster)
    assert not registry.objects(cluster, "endpoints", "default", name="web")


# ---- pure helpers ------------------------------------------------------------------------------


def _pod(name, ip, *, ready=True, deleting=False, node="node-1", phase="Running"):
    meta = {"name": name, "namespace": "default", "uid": f"uid-{name}", "labels": {"app": "web"}}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:30Z"
    return {
        "metadata": meta,
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx", "ports": [{"name": "http", "containerPort": 8080}]}]},
        "status": {"phase": phase, "podIP": ip, "podIPs": [{"ip": ip}] if ip else [],
                   "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]},
    }


SVC = {
    "metadata": {"name": "web", "namespace": "default", "uid": "svc-uid"},
    "spec": {"selector": {"app": "web"}, "clusterIP": "10.96.0.10", "ipFamilies": ["IPv4"],
             "ports": [{"port": 80, "targetPort": "http", "protocol": "TCP"}]},
}


def test_terminating_pods_leave_endpoints_but_stay_in_slices_as_terminating():
    pods = [_pod("a", "10.244.1.2"), _pod("b", "10.244.1.3", deleting=True), _pod("c", "", ready=False),
            _pod("d", "10.244.1.5", phase="Succeeded")]
    subsets = endpoint_subsets(SVC, pods)
    assert [a["ip"] for a in subsets[0]["addresses"]] == ["10.244.1.2"]
    assert "notReadyAddresses" not in subsets[0]
    [(address_type, ports, eps)] = desired_slices(SVC, pods, {"node-1": {"metadata": {"labels": {"topology.kubernetes.io/zone": "z"}}}})
    assert address_type == "IPv4" and ports == [{"name": "", "port": 8080, "protocol": "TCP"}]
    assert {e["targetRef"]["name"]: e["conditions"] for e in eps} == {
        "a": {"ready": True, "serving": True, "terminating": False},
        "b": {"ready": False, "serving": True, "terminating": True},
    }


def test_find_port():
    pod_ = _pod("a", "10.244.1.2")
    assert find_port(pod_, {"port": 80, "targetPort": 8000}) == 8000
    assert find_port(pod_, {"port": 80, "targetPort": "http", "protocol": "TCP"}) == 8080
    assert find_port(pod_, {"port": 80, "targetPort": "http", "protocol": "UDP"}) is None
    assert find_port(pod_, {"port": 80, "targetPort": "grpc"}) is None
