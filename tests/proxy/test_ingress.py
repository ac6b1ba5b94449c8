"""The simulated ingress controller: the routing table (host, path, pathType, default
backend), the address it publishes, and traffic reaching the right Service's pods."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import settle_cluster
from kubeviz.proxy.ingress import ingress_send, route


def backend(service: str, port: int = 80) -> dict:
    return {"service": {"name": service, "port": {"number": port}}}


def path(p: str, service: str, path_type: str = "Prefix") -> dict:
    return {"path": p, "pathType": path_type, "backend": backend(service)}


SHOP = {"metadata": {"name": "shop", "namespace": "default", "creationTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"rules": [
    {"host": "shop.example", "http": {"paths": [path("/", "front"), path("/api", "api"), path("/api/v2", "api-v2"),
                                                path("/login", "auth", "Exact")]}},
    {"host": "*.example", "http": {"paths": [path("/", "wild")]}},
]}}
FALLBACK = {"metadata": {"name": "fallback", "namespace": "default", "creationTimestamp": "2026-01-02T00:00:00Z"},
            "spec": {"defaultBackend": backend("default-page")}}

ROUTES = [
    ("root", "shop.example", "/", "front"),
    ("prefix by path element", "shop.example", "/api/orders", "api"),
    ("not a path element", "shop.example", "/apis", "front"),
    ("longest prefix wins", "shop.example", "/api/v2/orders", "api-v2"),
    ("exact", "shop.example", "/login", "auth"),
    ("exact only exactly", "shop.example", "/login/again", "front"),
    ("wildcard host, one label", "blog.example", "/x", "wild"),
    ("wildcard does not cover two labels", "a.b.example", "/", "default-page"),
    ("unknown host takes the default backend", "other.test", "/", "default-page"),
]


@pytest.mark.parametrize("host,request_path,service", [r[1:] for r in ROUTES], ids=[r[0] for r in ROUTES])
def test_routing(host, request_path, service):
    found = route([SHOP, FALLBACK], host, request_path)
    assert found is not None and found.service == service


def test_no_match_and_no_default_backend_is_the_controllers_404():
    assert route([SHOP], "other.test", "/") is None


def _create(cluster, plural, body, ns="default"):
    return registry.create(cluster, by_plural(plural), ns, body)


def test_traffic_to_a_host_and_path_reaches_the_right_services_pods(cluster):
    for name in ("front", "api"):
        labels = {"app": name}
        _create(cluster, "deployments", {"metadata": {"name": name}, "spec": {
            "replicas": 2, "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}})
        _create(cluster, "services", {"metadata": {"name": name}, "spec": {"selector": labels, "ports": [{"port": 80}]}})
    _create(cluster, "ingresses", {"metadata": {"name": "shop"}, "spec": {"rules": [
        {"host": "shop.example", "http": {"paths": [path("/", "front"), path("/api", "api")]}}]}})
    settle_cluster(cluster, horizon=30)
    ing = registry.get(cluster, by_plural("ingresses"), "default", "shop")
    first = min(registry.objects(cluster, "nodes"), key=lambda n: n["metadata"]["name"])
    ip = next(a["address"] for a in first["status"]["addresses"] if a["type"] == "InternalIP")
    assert (ing["spec"]["ingressClassName"], ing["status"]["loadBalancer"]["ingress"]) == ("nginx", [{"ip": ip}])

    result = ingress_send(cluster=cluster, host="shop.example", path="/api/items", requests=20)
    assert (result["ingress"], result["service"], sum(result["distribution"].values())) == ("default/shop", "default/api", 20)
    assert all(pod.startswith("api-") for pod in result["distribution"])
    with pytest.raises(errors.StatusError) as missing:
        ingress_send(cluster=cluster, host="nowhere.test", path="/", requests=1)
    assert missing.value.code == 404
