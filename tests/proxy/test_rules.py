"""kube-proxy's rules as a pure function of Services and Endpoints (table-driven)."""
from __future__ import annotations

import pytest

from kubeviz.proxy.rules import Backend, dns_records, node_rules, service_rules, usable


def svc(name="web", *, type="ClusterIP", cluster_ip="10.96.12.34", ports=None, **spec):
    return {
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"type": type, "clusterIP": cluster_ip, "ports": ports or [{"port": 80, "protocol": "TCP", "targetPort": 8080}],
                 **spec},
    }


def addr(ip, pod, node):
    return {"ip": ip, "nodeName": node, "targetRef": {"kind": "Pod", "namespace": "default", "name": pod}}


def eps(name="web", *, ready=(), not_ready=(), ports=None):
    subset = {"ports": ports or [{"port": 8080, "protocol": "TCP"}]}
    if ready:
        subset["addresses"] = [addr(*a) for a in ready]
    if not_ready:
        subset["notReadyAddresses"] = [addr(*a) for a in not_ready]
    return {"metadata": {"name": name, "namespace": "default"}, "subsets": [subset]}


THREE = eps(ready=[("10.244.2.2", "web-b", "node-2"), ("10.244.1.2", "web-a", "node-1")],
            not_ready=[("10.244.3.2", "web-c", "node-3")])


def backends(rule):
    return [b.address for b in rule.backends]


@pytest.mark.parametrize("service,endpoints,node,expected", [
    # ClusterIP: every ready endpoint, in address order; not-ready ones are left out
    (svc(), THREE, "node-3", [("ClusterIP", "10.96.12.34:80/TCP", ["10.244.1.2:8080", "10.244.2.2:8080"], "forward")]),
    # internalTrafficPolicy Local: only this node's endpoints…
    (svc(internalTrafficPolicy="Local"), THREE, "node-1", [("ClusterIP", "10.96.12.34:80/TCP", ["10.244.1.2:8080"], "forward")]),
    # …and none here (node-3's pod is not ready): dropped, not sent elsewhere
    (svc(internalTrafficPolicy="Local"), THREE, "node-3", [("ClusterIP", "10.96.12.34:80/TCP", [], "drop")]),
    # no ready endpoints at all: rejected
    (svc(), eps(not_ready=[("10.244.3.2", "web-c", "node-3")]), "node-1", [("ClusterIP", "10.96.12.34:80/TCP", [], "reject")]),
    (svc(), None, "node-1", [("ClusterIP", "10.96.12.34:80/TCP", [], "reject")]),
    # NodePort: a rule on the node's address as well
    (svc(type="NodePort", ports=[{"port": 80, "protocol": "TCP", "nodePort": 30080}]), THREE, "node-3", [
        ("ClusterIP", "10.96.12.34:80/TCP", ["10.244.1.2:8080", "10.244.2.2:8080"], "forward"),
        ("NodePort", "192.168.49.13:30080/TCP", ["10.244.1.2:8080", "10.244.2.2:8080"], "forward"),
    ]),
    # externalTrafficPolicy Local limits the NodePort rule only
    (svc(type="LoadBalancer", externalTrafficPolicy="Local", ports=[{"port": 80, "protocol": "TCP", "nodePort": 30080}]),
     THREE, "node-2", [
        ("ClusterIP", "10.96.12.34:80/TCP", ["10.244.1.2:8080", "10.244.2.2:8080"], "forward"),
        ("NodePort", "192.168.49.13:30080/TCP", ["10.244.2.2:8080"], "forward"),
    ]),
    (svc(type="NodePort", externalTrafficPolicy="Local", ports=[{"port": 80, "protocol": "TCP", "nodePort": 30080}]),
     THREE, "node-3", [
        ("ClusterIP", "10.96.12.34:80/TCP", ["10.244.1.2:8080", "10.244.2.2:8080"], "forward"),
        ("NodePort", "192.168.49.13:30080/TCP", [], "drop"),
    ]),
    # ports are matched by name; UDP stays UDP
    (svc(ports=[{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "dns", "port": 53, "protocol": "UDP"}]),
     eps(ready=[("10.244.1.2", "web-a", "node-1")],
         ports=[{"name": "dns", "port": 5353, "protocol": "UDP"}, {"name": "http", "port": 8080, "protocol": "TCP"}]),
     "node-1", [
        ("ClusterIP", "10.96.12.34:80/TCP", ["10.244.1.2:8080"], "forward"),
        ("ClusterIP", "10.96.12.34:53/UDP", ["10.244.1.2:5353"], "forward"),
    ]),
])
def test_service_rules(service, endpoints, node, expected):
    rules = service_rules(service, endpoints, node, "192.168.49.13")
    got = [(r.kind, r.frontend, backends(r), r.as_dict()["action"]) for r in rules.rules]
    assert got == expected


@pytest.mark.parametrize("service", [
    svc(cluster_ip="None"),
    svc(type="ExternalName", cluster_ip="", externalName="db.example.com"),
])
def test_headless_and_external_name_services_get_no_rules(service):
    assert service_rules(service, THREE, "node-1") is None


def test_describe_and_dns_name():
    rules = service_rules(svc(), THREE, "node-2")
    assert rules.dns == "web.default.svc.cluster.local"
    assert rules.describe() == "10.96.12.34:80 → 10.244.1.2:8080, 10.244.2.2:8080"
    assert service_rules(svc(), None, "node-2").describe() == "10.96.12.34:80 → no endpoints (rejected)"
    node_port = service_rules(svc(type="NodePort", ports=[{"port": 80, "protocol": "TCP", "nodePort": 30080}]), THREE,
                              "node-2", "192.168.49.12")
    assert node_port.describe().endswith("; NodePort 192.168.49.12:30080 → 10.244.1.2:8080, 10.244.2.2:8080")


def test_session_affinity_client_ip():
    rules = service_rules(svc(sessionAffinity="ClientIP"), THREE, "node-1")
    assert rules.session_affinity == "ClientIP"
    assert rules.rules[0].affinity == "ClientIP" and rules.rules[0].affinity_timeout == 10800
    assert rules.describe().endswith("(session affinity: ClientIP)")
    custom = svc(sessionAffinity="ClientIP", sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}})
    assert service_rules(custom, THREE, "node-1").rules[0].affinity_timeout == 60
    assert service_rules(svc(), THREE, "node-1").rules[0].affinity_timeout is None


def test_terminating_endpoints_serve_only_when_nothing_is_ready():
    ready = Backend("10.244.1.2", 80, "a", "node-1")
    leaving = Backend("10.244.1.3", 80, "b", "node-1", ready=False, serving=True, terminating=True)
    gone = Backend("10.244.1.4", 80, "c", "node-1", ready=False, serving=False, terminating=True)
    assert usable([ready, leaving, gone]) == (ready,)
    assert usable([leaving, gone]) == (leaving,)
    assert usable([leaving, gone], local_to="node-2") == ()


def test_node_rules_and_dns_records():
    services = [svc("web"), svc("db", cluster_ip="None"), svc("api", cluster_ip="10.96.0.20"),
                svc("ext", type="ExternalName", cluster_ip="", externalName="db.example.com")]
    endpoints = [THREE, eps("db", ready=[("10.244.1.9", "db-0", "node-1")])]
    rules = node_rules(services, endpoints, "node-1")
    assert [r.service for r in rules] == ["default/api", "default/web"]
    assert dns_records(services, endpoints) == {
        "api.default.svc.cluster.local": ["10.96.0.20"],
        "db.default.svc.cluster.local": ["10.244.1.9"],
        "ext.default.svc.cluster.local": ["db.example.com"],
        "web.default.svc.cluster.local": ["10.96.12.34"],
    }
