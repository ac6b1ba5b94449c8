"""Simulated traffic: how kube-proxy (iptables mode) spreads requests over endpoints."""
from __future__ import annotations

import random

import pytest

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.flow.models import Step
from kubeviz.proxy.rules import Backend, Rule
from kubeviz.proxy.traffic import spread, traffic_send

BACKENDS = tuple(Backend(f"10.244.{i}.2", 8080, f"web-{c}", f"node-{i}") for i, c in zip((1, 2, 3), "abc", strict=True))


def rule(affinity="None", backends=BACKENDS):
    return Rule(service="default/web", port_name="", kind="ClusterIP", ip="10.96.12.34", port=80, protocol="TCP",
                policy="Cluster", affinity=affinity, affinity_timeout=None, backends=backends, has_endpoints=True)


def test_requests_are_spread_evenly_over_three_endpoints():
    got = spread(rule(), 3000, random.Random(1))
    assert sum(got.values()) == 3000
    assert set(got) == {"web-a", "web-b", "web-c"}
    assert all(900 <= n <= 1100 for n in got.values()), got


def test_same_seed_same_result():
    assert spread(rule(), 500, random.Random("x")) == spread(rule(), 500, random.Random("x"))
    assert spread(rule(), 500, random.Random("x")) != spread(rule(), 500, random.Random("y"))


def test_client_ip_affinity_sends_everything_to_one_pod():
    got = spread(rule("ClientIP"), 1000, random.Random(3))
    assert sorted(got.values()) == [0, 0, 1000]


def test_a_single_endpoint_gets_everything():
    assert spread(rule(backends=BACKENDS[:1]), 10, random.Random(0)) == {"web-a": 10}


# ---- through the store ---------------------------------------------------------------------


def make_service(cluster, name="web", addresses=(), **spec):
    registry.create(cluster, by_plural("services"), "default", {
        "metadata": {"name": name}, "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}], **spec},
    })
    if addresses:
        registry.create(cluster, by_plural("endpoints"), "default", {
            "metadata": {"name": name},
            "subsets": [{
                "addresses": [{"ip": ip, "nodeName": node, "targetRef": {"kind": "Pod", "namespace": "default", "name": pod}}
                              for ip, pod, node in addresses],
                "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            }],
        })


THREE = [("10.244.1.2", "web-a", "node-1"), ("10.244.2.2", "web-b", "node-2"), ("10.244.3.2", "web-c", "node-3")]


def test_traffic_send_repeats_and_records_a_proxy_step(cluster):
    make_service(cluster, addresses=THREE)
    first = traffic_send(cluster=cluster, namespace="default", name="web", requests=3000)
    assert first["service"] == "default/web" and first["requests"] == 3000 and first["node"] == "node-1"
    assert sum(first["distribution"].values()) == 3000 and set(first["distribution"]) == {"web-a", "web-b", "web-c"}
    assert all(850 <= n <= 1150 for n in first["distribution"].values())
    again = traffic_send(cluster=cluster, namespace="default", name="web", requests=3000)
    assert again == first
    step = Step.objects.filter(cluster=cluster, category="proxy").order_by("-seq").first()
    assert step.source == "client" and step.target == "kube-proxy/node-1" and step.name == "web"
    assert step.message.startswith("3000 requests from a pod on node-1 to default/web (")
    assert "web-a" in step.message


def test_traffic_with_client_ip_affinity_reaches_one_pod(cluster):
    make_service(cluster, addresses=THREE, sessionAffinity="ClientIP")
    got = traffic_send(cluster=cluster, namespace="default", name="web", requests=100)
    assert sorted(got["distribution"].values()) == [0, 0, 100]


def test_internal_traffic_policy_local_uses_the_senders_node(cluster):
    make_service(cluster, addresses=THREE, internalTrafficPolicy="Local")
    got = traffic_send(cluster=cluster, namespace="default", name="web", requests=50, node="node-2")
    assert got["distribution"] == {"web-b": 50}


def test_no_ready_endpoints_is_a_503_and_a_missing_service_a_404(cluster):
    make_service(cluster)
    with pytest.raises(errors.StatusError) as err:
        traffic_send(cluster=cluster, namespace="default", name="web", requests=10)
    assert err.value.code == 503 and err.value.message == "no ready endpoints for service default/web"
    with pytest.raises(errors.StatusError) as err:
        traffic_send(cluster=cluster, namespace="default", name="nope", requests=10)
    assert err.value.code == 404
    make_service(cluster, "api", addresses=THREE)
    with pytest.raises(errors.StatusError) as err:
        traffic_send(cluster=cluster, namespace="default", name="api", requests=10, node="node-9")
    assert err.value.code == 404 and "node-9" in err.value.message
    with pytest.raises(errors.StatusError) as err:
        traffic_send(cluster=cluster, namespace="default", name="api", requests=10, port="grpc")
    assert err.value.code == 400
