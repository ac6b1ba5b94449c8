"""Served versions converted from the stored one: events.k8s.io/v1 Events are the core
Events under their newer field names."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.apiserver.tokens import cluster_token


@pytest.fixture
def client(cluster) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {cluster_token(cluster)}")
    return c


def test_core_event_read_through_events_k8s_io(cluster, client):
    registry.create(cluster, by_plural("events"), "default", {
        "metadata": {"name": "web.1"}, "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web"},
        "reason": "Scheduled", "message": "Successfully assigned default/web to node-1", "type": "Normal",
        "source": {"component": "default-scheduler"}, "reportingComponent": "default-scheduler", "count": 1,
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z",
    })
    got = client.get(f"/k8s/{cluster.name}/apis/events.k8s.io/v1/namespaces/default/events/web.1").json()
    assert got["apiVersion"] == "events.k8s.io/v1"
    assert got["regarding"]["name"] == "web" and got["note"] == "Successfully assigned default/web to node-1"
    assert (got["reportingController"], got["deprecatedSource"], got["deprecatedCount"]) == (
        "default-scheduler", {"component": "default-scheduler"}, 1)
    assert "involvedObject" not in got and "message" not in got
    listed = client.get(f"/k8s/{cluster.name}/apis/events.k8s.io/v1/namespaces/default/events").json()
    assert listed["kind"] == "EventList" and listed["apiVersion"] == "events.k8s.io/v1"
    assert [e["note"] for e in listed["items"]] == ["Successfully assigned default/web to node-1"]


def test_event_created_through_events_k8s_io_is_a_core_event(cluster, client):
    body = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "x.1"},
            "eventTime": "2026-01-01T00:00:00.000000Z", "reportingController": "example.com/teacher",
            "reportingInstance": "laptop", "action": "Explain", "reason": "Lesson", "type": "Normal",
            "note": "look at the scheduler", "regarding": {"kind": "Pod", "namespace": "default", "name": "web"}}
    created = client.post(f"/k8s/{cluster.name}/apis/events.k8s.io/v1/namespaces/default/events", body, format="json")
    assert created.status_code == 201, created.content
    core = client.get(f"/k8s/{cluster.name}/api/v1/namespaces/default/events/x.1").json()
    assert (core["message"], core["involvedObject"]["name"], core["reportingComponent"]) == (
        "look at the scheduler", "web", "example.com/teacher")


def test_discovery_lists_the_converted_versions(cluster, client):
    groups = {g["name"]: g for g in client.get(f"/k8s/{cluster.name}/apis").json()["groups"]}
    assert [v["version"] for v in groups["autoscaling"]["versions"]] == ["v2", "v1"]
    assert groups["autoscaling"]["preferredVersion"]["version"] == "v2"
    assert "events.k8s.io" in groups and "metrics.k8s.io" in groups
    resources = client.get(f"/k8s/{cluster.name}/apis/metrics.k8s.io/v1beta1").json()["resources"]
    assert {(r["name"], r["kind"]) for r in resources} == {("nodes", "NodeMetrics"), ("pods", "PodMetrics")}
