"""The zones template teaches node pools: its high-memory pool is tainted, so only pods that
tolerate the taint land there, and a nodeSelector sends them there."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.services import cluster_create
from kubeviz.engine.runner import settle_cluster

HIGHMEM = {"pool": "highmem"}
TOLERATE = [{"key": "dedicated", "operator": "Equal", "value": "highmem", "effect": "NoSchedule"}]


@pytest.fixture
def zones(db):
    return cluster_create(name="zones", fixture="zones")


def _pod(name: str, **spec) -> dict:
    return {"metadata": {"name": name}, "spec": {"containers": [{"name": "app", "image": "redis:7"}], **spec}}


def _get(cluster, name: str) -> dict:
    return registry.get(cluster, by_plural("pods"), "default", name)


def test_zones_template_has_two_pools_over_three_zones(zones):
    nodes = {n["metadata"]["name"]: n for n in registry.objects(zones, "nodes")}
    assert sorted(nodes) == ["general-1", "general-2", "general-3", "general-4", "highmem-1", "highmem-2"]
    zone_of = {name: n["metadata"]["labels"]["topology.kubernetes.io/zone"] for name, n in nodes.items()}
    assert sorted(zone_of.values()) == ["zone-a", "zone-a", "zone-b", "zone-b", "zone-c", "zone-c"]
    for name in ("highmem-1", "highmem-2"):
        assert nodes[name]["metadata"]["labels"]["pool"] == "highmem"
        assert nodes[name]["spec"]["taints"] == [{"key": "dedicated", "value": "highmem", "effect": "NoSchedule"}]
    assert all("taints" not in nodes[f"general-{i}"]["spec"] for i in range(1, 5))


def test_tainted_pool_keeps_off_pods_without_the_toleration(zones):
    pods = by_plural("pods")
    registry.create(zones, pods, "default", _pod("no-toleration", nodeSelector=HIGHMEM))
    registry.create(zones, pods, "default", _pod("tolerant", nodeSelector=HIGHMEM, tolerations=TOLERATE))
    for i in range(6):
        registry.create(zones, pods, "default", _pod(f"plain-{i}"))
    settle_cluster(zones, horizon=30)

    refused = _get(zones, "no-toleration")
    assert refused["status"]["phase"] == "Pending" and "nodeName" not in refused["spec"]
    scheduled = next(c for c in refused["status"]["conditions"] if c["type"] == "PodScheduled")
    assert (scheduled["status"], scheduled["reason"]) == ("False", "Unschedulable")
    assert scheduled["message"] == (
        "0/6 nodes are available: 2 node(s) had untolerated taint {dedicated: highmem}, "
        "4 node(s) didn't match Pod's node affinity/selector. preemption: 0/6 nodes are available: "
        "6 Preemption is not helpful for scheduling.")

    tolerant = _get(zones, "tolerant")
    assert tolerant["spec"]["nodeName"].startswith("highmem-") and tolerant["status"]["phase"] == "Running"
    placed = {_get(zones, f"plain-{i}")["spec"]["nodeName"] for i in range(6)}
    assert placed <= {"general-1", "general-2", "general-3", "general-4"}
