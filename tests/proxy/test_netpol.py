"""NetworkPolicy on the simulated traffic: who may reach a pod, and what says so."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import settle_cluster
from kubeviz.flow.models import Step
from kubeviz.proxy.netpol import Source, ingress_verdict
from kubeviz.proxy.traffic import traffic_send

DB = {"metadata": {"name": "db-0", "namespace": "shop", "labels": {"app": "db"}},
      "spec": {"containers": [{"name": "pg", "ports": [{"name": "pg", "containerPort": 5432}]}]}}
NAMESPACES = {
    "shop": {"metadata": {"name": "shop", "labels": {"kubernetes.io/metadata.name": "shop"}}},
    "ops": {"metadata": {"name": "ops", "labels": {"kubernetes.io/metadata.name": "ops", "team": "ops"}}},
}
API = Source(ip="10.244.1.5", namespace="shop", labels=(("app", "api"),))
WEB = Source(ip="10.244.1.6", namespace="shop", labels=(("app", "web"),))
OPS = Source(ip="10.244.2.7", namespace="ops", labels=(("app", "api"),))
OUTSIDE = Source(ip="192.0.2.10")


def policy(name: str, ingress: list | None = None, selector: dict | None = None, types: list | None = None) -> dict:
    spec: dict = {"podSelector": {"matchLabels": {"app": "db"}} if selector is None else selector,
                  "policyTypes": types or ["Ingress"]}
    if ingress is not None:
        spec["ingress"] = ingress
    return {"metadata": {"name": name, "namespace": "shop"}, "spec": spec}


DENY_ALL = policy("deny-all", selector={})
FROM_API = policy("db-from-api", [{"from": [{"podSelector": {"matchLabels": {"app": "api"}}}], "ports": [{"port": 5432, "protocol": "TCP"}]}])
FROM_OPS_NS = policy("db-from-ops", [{"from": [{"namespaceSelector": {"matchLabels": {"team": "ops"}}}]}])
NAMED_PORT = policy("db-named", [{"from": [{"podSelector": {}}], "ports": [{"port": "pg", "protocol": "TCP"}]}])
FROM_CIDR = policy("db-cidr", [{"from": [{"ipBlock": {"cidr": "192.0.2.0/24", "except": ["192.0.2.128/25"]}}]}])
ALLOW_ALL = policy("db-all", [{}])
EGRESS_ONLY = policy("egress", types=["Egress"])

CASES = [
    ("no policy", [], API, 5432, True, ()),
    ("deny-all", [DENY_ALL], API, 5432, False, ("shop/deny-all",)),
    ("egress only isolates nothing inbound", [EGRESS_ONLY], API, 5432, True, ()),
    ("podSelector allows api", [DENY_ALL, FROM_API], API, 5432, True, ("shop/db-from-api", "shop/deny-all")),
    ("podSelector refuses web", [DENY_ALL, FROM_API], WEB, 5432, False, ("shop/db-from-api", "shop/deny-all")),
    ("port not allowed", [FROM_API], API, 8080, False, ("shop/db-from-api",)),
    ("podSelector is this namespace only", [FROM_API], OPS, 5432, False, ("shop/db-from-api",)),
    ("namespaceSelector", [FROM_OPS_NS], OPS, 5432, True, ("shop/db-from-ops",)),
    ("namespaceSelector refuses own namespace", [FROM_OPS_NS], API, 5432, False, ("shop/db-from-ops",)),
    ("named port", [NAMED_PORT], WEB, 5432, True, ("shop/db-named",)),
    ("ipBlock", [FROM_CIDR], OUTSIDE, 5432, True, ("shop/db-cidr",)),
    ("ipBlock except", [FROM_CIDR], Source(ip="192.0.2.200"), 5432, False, ("shop/db-cidr",)),
    ("selectors never match an outside address", [FROM_API], OUTSIDE, 5432, False, ("shop/db-from-api",)),
    ("empty rule allows all", [ALLOW_ALL], OUTSIDE, 9, True, ("shop/db-all",)),
]


@pytest.mark.parametrize("policies,source,port,allowed,isolating", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_ingress_verdict(policies, source, port, allowed, isolating):
    verdict = ingress_verdict(policies, NAMESPACES, DB, port, "TCP", source)
    assert (verdict.allowed, verdict.isolating) == (allowed, isolating)


def _create(cluster, plural, body, ns="default"):
    return registry.create(cluster, by_plural(plural), ns, body)


def test_a_deny_all_policy_drops_traffic_and_an_allow_rule_lets_the_right_pod_through(cluster):
    labels = {"app": "db"}
    _create(cluster, "deployments", {"metadata": {"name": "db"}, "spec": {
        "replicas": 2, "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "pg", "image": "postgres:16"}]}}}})
    for name, app in (("api", "api"), ("web", "web")):
        _create(cluster, "pods", {"metadata": {"name": name, "labels": {"app": app}},
                                  "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}})
    _create(cluster, "services", {"metadata": {"name": "db"}, "spec": {"selector": labels, "ports": [{"port": 5432}]}})
    settle_cluster(cluster, horizon=30)
    assert sum(traffic_send(cluster=cluster, namespace="default", name="db", requests=10, from_pod="web")["distribution"].values()) == 10

    _create(cluster, "networkpolicies", {"metadata": {"name": "deny-all"}, "spec": {"podSelector": {}}})
    denied = traffic_send(cluster=cluster, namespace="default", name="db", requests=10, from_pod="web")
    assert sum(denied["distribution"].values()) == 0 and sum(denied["dropped"].values()) == 10
    assert set(map(tuple, denied["droppedBy"].values())) == {("default/deny-all",)}

    _create(cluster, "networkpolicies", {"metadata": {"name": "db-from-api"}, "spec": {
        "podSelector": {"matchLabels": labels},
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "api"}}}], "ports": [{"port": 5432}]}]}})
    allowed = traffic_send(cluster=cluster, namespace="default", name="db", requests=10, from_pod="api")
    assert (sum(allowed["distribution"].values()), "dropped" in allowed) == (10, False)
    still = traffic_send(cluster=cluster, namespace="default", name="db", requests=10, from_pod="web")
    assert sum(still["dropped"].values()) == 10
    step = Step.objects.filter(cluster=cluster, action="traffic").order_by("-seq").first().message
    assert "dropped by the network policy" in step and "default/db-from-api, default/deny-all" in step and "pod default/web" in step

