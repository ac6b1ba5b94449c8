"""NetworkPolicy on the simulated traffic: who may reach a pod, and what says so."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import settle_cluster
from kubeviz.flow.models import Step
from kubeviz.proxy.netpol import DNS_PEER, Source, egress_verdict, ingress_verdict
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



# ---- egress -------------------------------------------------------------------------------

CLIENT = {"metadata": {"name": "client", "namespace": "shop", "labels": {"app": "client"}}, "spec": {}}
DB_PEER = Source(ip="10.244.1.9", namespace="shop", labels=(("app", "db"),))
NAMESPACES_WITH_SYSTEM = {**NAMESPACES, "kube-system": {"metadata": {"name": "kube-system", "labels": {
    "kubernetes.io/metadata.name": "kube-system"}}}}


def egress(name: str, rules: list | None = None, selector: dict | None = None, types: list | None = None) -> dict:
    spec: dict = {"podSelector": {} if selector is None else selector}
    if types is not None:
        spec["policyTypes"] = types
    if rules is not None:
        spec["egress"] = rules
    return {"metadata": {"name": name, "namespace": "shop"}, "spec": spec}


DENY_EGRESS = egress("deny-egress", types=["Egress"])
ALLOW_DNS = egress("allow-dns", [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                                          "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                                  "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}], types=["Egress"])
TO_DB = egress("client-to-db", [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}], "ports": [{"port": "pg"}]}],
               selector={"matchLabels": {"app": "client"}})  # policyTypes defaulted: Ingress and Egress
TO_CIDR = egress("to-cidr", [{"to": [{"ipBlock": {"cidr": "203.0.113.0/24"}}]}], types=["Egress"])
INGRESS_ONLY = egress("ingress-only", types=["Ingress"])

EGRESS_CASES = [
    ("no policy", [], DB_PEER, 5432, "TCP", True),
    ("ingress-only policies leave egress open", [INGRESS_ONLY], DB_PEER, 5432, "TCP", True),
    ("deny all egress", [DENY_EGRESS], DB_PEER, 5432, "TCP", False),
    ("deny all egress stops DNS", [DENY_EGRESS], DNS_PEER, 53, "UDP", False),
    ("the classic DNS exception", [DENY_EGRESS, ALLOW_DNS], DNS_PEER, 53, "UDP", True),
    ("the DNS exception is DNS only", [DENY_EGRESS, ALLOW_DNS], DB_PEER, 5432, "TCP", False),
    ("named port of the destination", [TO_DB], DB_PEER, 5432, "TCP", True),
    ("egress rules default the policy type", [TO_DB], WEB, 5432, "TCP", False),
    ("ipBlock", [TO_CIDR], Source(ip="203.0.113.5"), 443, "TCP", True),
    ("ipBlock refuses others", [TO_CIDR], Source(ip="198.51.100.1"), 443, "TCP", False),
]


@pytest.mark.parametrize("policies,destination,port,protocol,allowed", [c[1:] for c in EGRESS_CASES],
                         ids=[c[0] for c in EGRESS_CASES])
def test_egress_verdict(policies, destination, port, protocol, allowed):
    verdict = egress_verdict(policies, NAMESPACES_WITH_SYSTEM, CLIENT, destination, port, protocol, DB)
    assert (verdict.allowed, verdict.direction) == (allowed, "Egress")


def _in_default(policy: dict) -> dict:
    return {**policy, "metadata": {**policy["metadata"], "namespace": "default"}}


ALLOW_WEB = _in_default(egress("client-to-web", [{"to": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 80}]}],
                               selector={"matchLabels": {"app": "client"}}, types=["Egress"]))
WEB_FROM_NOBODY = _in_default(egress("web-deny-ingress", selector={"matchLabels": {"app": "web"}}, types=["Ingress"]))
WELCOME = "<title>Welcome to nginx!</title>"

SHELL_CASES = [
    ("no policy", [], "wget -qO- web", WELCOME),
    ("deny all egress blocks DNS", [DENY_EGRESS], "wget -qO- web", "wget: bad address 'web'"),
    ("nslookup times out", [DENY_EGRESS], "nslookup web", ";; connection timed out; no servers could be reached"),
    ("DNS allowed, the connection is not", [DENY_EGRESS, ALLOW_DNS], "wget -T 2 -qO- web", "wget: download timed out"),
    ("DNS and web allowed", [DENY_EGRESS, ALLOW_DNS, ALLOW_WEB], "wget -qO- web", WELCOME),
    ("the server's ingress policy drops it", [WEB_FROM_NOBODY], "wget -T 2 -qO- web", "wget: download timed out"),
    ("by IP, no DNS needed", [DENY_EGRESS, ALLOW_WEB], "wget -qO- $WEB_SERVICE_HOST", WELCOME),
]


@pytest.mark.parametrize("policies,command,expected", [c[1:] for c in SHELL_CASES], ids=[c[0] for c in SHELL_CASES])
def test_a_pods_shell_traffic_honours_egress_and_ingress(cluster, policies, command, expected):
    from kubeviz.engine.runner import Engine, pause_clock
    from kubeviz.kubelet.logs import log_lines, log_source

    labels = {"app": "web"}
    _create(cluster, "deployments", {"metadata": {"name": "web"}, "spec": {
        "replicas": 1, "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": {"containers": [
            {"name": "nginx", "image": "nginx:1.14.2", "ports": [{"containerPort": 80}]}]}}}})
    _create(cluster, "services", {"metadata": {"name": "web"}, "spec": {"selector": labels, "ports": [{"port": 80}]}})
    pause_clock(cluster)
    engine = Engine(cluster)
    engine.settle(horizon=10)
    for p in policies:
        _create(cluster, "networkpolicies", _in_default(p))
    _create(cluster, "pods", {"metadata": {"name": "client", "labels": {"app": "client"}}, "spec": {
        "restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1.36", "command": ["sh", "-c", f"{command} 2>&1"]}]}})
    engine.settle(horizon=30)
    pod = registry.get(cluster, by_plural("pods"), "default", "client")
    out = "\n".join(line.text for line in log_lines(cluster, log_source(pod, "c", False)))
    assert expected in out
    if expected != WELCOME and policies:
        assert Step.objects.filter(cluster=cluster, action="traffic", message__contains="was dropped by the network policy").exists()


def test_traffic_from_a_pod_isolated_for_egress_is_dropped(cluster):
    labels = {"app": "db"}
    _create(cluster, "deployments", {"metadata": {"name": "db"}, "spec": {
        "replicas": 1, "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "pg", "image": "postgres:16"}]}}}})
    _create(cluster, "pods", {"metadata": {"name": "api", "labels": {"app": "api"}},
                              "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}})
    _create(cluster, "services", {"metadata": {"name": "db"}, "spec": {"selector": labels, "ports": [{"port": 5432}]}})
    settle_cluster(cluster, horizon=30)
    _create(cluster, "networkpolicies", _in_default(egress("api-egress", [{"to": [{"podSelector": {"matchLabels": {"app": "web"}}}]}],
                                                              selector={"matchLabels": {"app": "api"}}, types=["Egress"])))
    denied = traffic_send(cluster=cluster, namespace="default", name="db", requests=5, from_pod="api")
    assert sum(denied["dropped"].values()) == 5 and list(denied["droppedBy"].values()) == [["default/api-egress"]]
    step = Step.objects.filter(cluster=cluster, action="traffic").order_by("-seq").first().message
    assert "pod default/api is isolated for egress by default/api-egress" in step
