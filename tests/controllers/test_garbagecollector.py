"""The garbage collector: background, foreground and orphan propagation."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.controllers.garbagecollector import GarbageCollector
from kubeviz.engine.runner import settle_cluster

RS = {
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "replicas": 2, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
    },
}


def _owned_pods(cluster, rs, n=2, block=True):
    for i in range(n):
        registry.create(cluster, by_plural("pods"), "default", {
            "metadata": {"name": f"web-{i}", "labels": {"app": "web"}, "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": rs["metadata"]["uid"],
                "controller": True, "blockOwnerDeletion": block,
            }]},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        })


def _names(cluster, plural):
    return sorted(o["metadata"]["name"] for o in registry.objects(cluster, plural, "default"))


def _settle(cluster):
    settle_cluster(cluster, components=[GarbageCollector(cluster)], horizon=30)


def test_background_deletes_dependents_after_the_owner(cluster):
    rs = registry.create(cluster, by_plural("replicasets"), "default", RS)
    _owned_pods(cluster, rs)
    _settle(cluster)
    assert _names(cluster, "pods") == ["web-0", "web-1"]  # owner alive: nothing collected
    registry.delete(cluster, by_plural("replicasets"), "default", "web", options={"propagationPolicy": "Background"})
    assert _names(cluster, "replicasets") == []
    _settle(cluster)
    assert _names(cluster, "pods") == []


def test_foreground_waits_for_dependents(cluster):
    rs = registry.create(cluster, by_plural("replicasets"), "default", RS)
    _owned_pods(cluster, rs)
    registry.delete(cluster, by_plural("replicasets"), "default", "web", options={"propagationPolicy": "Foreground"})
    owner = registry.get(cluster, by_plural("replicasets"), "default", "web")
    assert owner["metadata"]["finalizers"] == ["foregroundDeletion"] and owner["metadata"]["deletionTimestamp"]
    _settle(cluster)
    assert _names(cluster, "pods") == []
    assert _names(cluster, "replicasets") == []


def test_orphan_releases_dependents(cluster):
    rs = registry.create(cluster, by_plural("replicasets"), "default", RS)
    _owned_pods(cluster, rs)
    registry.delete(cluster, by_plural("replicasets"), "default", "web", options={"propagationPolicy": "Orphan"})
    _settle(cluster)
    assert _names(cluster, "replicasets") == []
    pods = registry.objects(cluster, "pods", "default")
    assert [p["metadata"]["name"] for p in pods] == ["web-0", "web-1"]
    assert all(not p["metadata"].get("ownerReferences") for p in pods)


@pytest.mark.parametrize("other_alive", [True, False])
def test_dependent_with_two_owners(cluster, other_alive):
    rs = registry.create(cluster, by_plural("replicasets"), "default", RS)
    other = registry.create(cluster, by_plural("replicasets"), "default", {**RS, "metadata": {"name": "other", "labels": {"app": "web"}}})
    registry.create(cluster, by_plural("pods"), "default", {
        "metadata": {"name": "shared", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": rs["metadata"]["uid"]},
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "other", "uid": other["metadata"]["uid"]},
        ]},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    })
    registry.delete(cluster, by_plural("replicasets"), "default", "web")
    if not other_alive:
        registry.delete(cluster, by_plural("replicasets"), "default", "other")
    _settle(cluster)
    if other_alive:
        pod = registry.get(cluster, by_plural("pods"), "default", "shared")
        assert [r["name"] for r in pod["metadata"]["ownerReferences"]] == ["other"]
    else:
        assert _names(cluster, "pods") == []


def test_deleting_a_cronjob_collects_its_jobs(cluster):
    """The CronJob tutorial: "Deleting the cron job removes all the jobs and pods it created"."""
    cj = registry.create(cluster, by_plural("cronjobs"), "default", {"metadata": {"name": "hello"}, "spec": {
        "schedule": "@hourly", "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "busybox"}]}}}}}})
    registry.create(cluster, by_plural("jobs"), "default", {"metadata": {"name": "hello-1", "ownerReferences": [{
        "apiVersion": "batch/v1", "kind": "CronJob", "name": "hello", "uid": cj["metadata"]["uid"], "controller": True}]},
        "spec": {"template": {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "busybox"}]}}}})
    registry.delete(cluster, by_plural("cronjobs"), "default", "hello", options={"propagationPolicy": "Background"})
    _settle(cluster)
    assert _names(cluster, "jobs") == []
