"""The kube-proxy REST API: rules per node, and simulated traffic to a Service."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.apiserver.tokens import cluster_token


@pytest.fixture
def api(cluster):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {cluster_token(cluster)}")
    return client


@pytest.fixture
def web(cluster):
    svc = registry.create(cluster, by_plural("services"), "default", {
        "metadata": {"name": "web"}, "spec": {"type": "NodePort", "ports": [{"port": 80, "targetPort": 8080}]},
    })
    registry.create(cluster, by_plural("endpoints"), "default", {
        "metadata": {"name": "web"},
        "subsets": [{
            "addresses": [
                {"ip": f"10.244.{i}.2", "nodeName": f"node-{i}", "targetRef": {"kind": "Pod", "namespace": "default", "name": f"web-{i}"}}
                for i in (1, 2, 3)
            ],
            "ports": [{"port": 8080, "protocol": "TCP"}],
        }],
    })
    return svc


def traffic_url(cluster, name="web", namespace="default"):
    return f"/api/clusters/{cluster.name}/services/{namespace}/{name}/traffic/"


def test_rules_per_node_with_dns_names(api, cluster, web):
    r = api.get(f"/api/clusters/{cluster.name}/proxy/rules/")
    assert r.status_code == 200
    body = r.json()
    assert set(body["nodes"]) == {"node-1", "node-2", "node-3"}
    [service] = [s for s in body["nodes"]["node-2"] if s["service"] == "default/web"]
    assert service["dns"] == "web.default.svc.cluster.local"
    cluster_ip, node_port = service["rules"]
    assert cluster_ip["frontend"] == f"{web['spec']['clusterIP']}:80/TCP"
    assert [e["address"] for e in cluster_ip["endpoints"]] == ["10.244.1.2:8080", "10.244.2.2:8080", "10.244.3.2:8080"]
    assert node_port["kind"] == "NodePort"
    assert node_port["frontend"] == f"192.168.49.12:{web['spec']['ports'][0]['nodePort']}/TCP"
    assert body["dns"]["web.default.svc.cluster.local"] == [web["spec"]["clusterIP"]]
    assert body["dns"]["kubernetes.default.svc.cluster.local"] == ["10.96.0.1"]


def test_traffic_distribution(api, cluster, web):
    r = api.post(traffic_url(cluster), {"requests": 3000}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["service"] == "default/web" and body["requests"] == 3000
    assert set(body["distribution"]) == {"web-1", "web-2", "web-3"}
    assert sum(body["distribution"].values()) == 3000
    assert all(850 <= n <= 1150 for n in body["distribution"].values())
    assert api.post(traffic_url(cluster), {"requests": 3000}, format="json").json() == body


@pytest.mark.parametrize("payload", [{}, {"requests": 0}, {"requests": 10001}, {"requests": "many"}])
def test_invalid_requests_are_400(api, cluster, web, payload):
    r = api.post(traffic_url(cluster), payload, format="json")
    assert r.status_code == 400
    assert [c["field"] for c in r.json()["details"]["causes"]] == ["requests"]


def test_missing_service_is_404_and_no_endpoints_503(api, cluster):
    r = api.post(traffic_url(cluster, "nope"), {"requests": 5}, format="json")
    assert r.status_code == 404 and r.json()["reason"] == "NotFound"
    registry.create(cluster, by_plural("services"), "default", {
        "metadata": {"name": "lonely"}, "spec": {"selector": {"app": "lonely"}, "ports": [{"port": 80}]},
    })
    r = api.post(traffic_url(cluster, "lonely"), {"requests": 5}, format="json")
    assert r.status_code == 503
    assert r.json()["message"] == "no ready endpoints for service default/lonely"
    assert api.post("/api/clusters/nope/services/default/web/traffic/", {"requests": 5}, format="json").status_code in (403, 404)


def test_traffic_needs_the_cluster_token_or_csrf(cluster, web):
    anonymous = APIClient(enforce_csrf_checks=True)
    assert anonymous.post(traffic_url(cluster), {"requests": 5}, format="json").status_code == 401
    assert anonymous.get(f"/api/clusters/{cluster.name}/proxy/rules/").status_code == 200


def test_in_the_openapi_schema(api):
    r = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/clusters/{cluster}/proxy/rules/" in paths
    assert "/api/clusters/{cluster}/services/{namespace}/{name}/traffic/" in paths


def test_ingress_traffic_is_routed_by_host_and_path(api, cluster, web):
    registry.create(cluster, by_plural("ingresses"), "default", {"metadata": {"name": "shop"}, "spec": {"rules": [
        {"host": "shop.example", "http": {"paths": [
            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}})
    url = f"/api/clusters/{cluster.name}/ingress/traffic/"
    r = api.post(url, {"host": "shop.example", "path": "/cart", "requests": 30}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["ingress"], body["service"], body["rule"], sum(body["distribution"].values())) == (
        "default/shop", "default/web", "shop.example Prefix /", 30)
    missing = api.post(url, {"host": "other.example", "requests": 1}, format="json")
    assert (missing.status_code, missing.json()["kind"]) == (404, "Status")


def test_traffic_from_a_pod_names_the_policies_that_dropped_it(api, cluster, web):
    for i in (1, 2, 3):
        registry.create(cluster, by_plural("pods"), "default", {"metadata": {"name": f"web-{i}", "labels": {"app": "web"}},
                                                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    registry.create(cluster, by_plural("pods"), "default", {"metadata": {"name": "client"},
                                                             "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
    registry.create(cluster, by_plural("networkpolicies"), "default", {"metadata": {"name": "deny-all"}, "spec": {"podSelector": {}}})
    r = api.post(traffic_url(cluster), {"requests": 9, "fromPod": "client"}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (sum(body["dropped"].values()), set(map(tuple, body["droppedBy"].values()))) == (9, {("default/deny-all",)})
