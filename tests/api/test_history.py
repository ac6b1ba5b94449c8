"""``GET /api/clusters/<c>/history/?at=<seq>``: the cluster as it was at a past step."""
from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.models import Cluster
from kubeviz.engine import control
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.etcd import store
from kubeviz.flow.services import steps_trim
from kubeviz.live.snapshot import SUMMARIES

DEPLOY = {
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "replicas": 3, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}},
    },
}
DEPLOYMENTS = by_plural("deployments")


def head(cluster) -> int:
    return Cluster.objects.get(pk=cluster.pk).step_seq


def history(cluster, at: Any = None):
    return APIClient().get(f"/api/clusters/{cluster.name}/history/", {} if at is None else {"at": at})


def live_pods(snapshot: dict) -> list[dict]:
    return [p for p in snapshot["pods"] if not p["deleting"]]


@pytest.fixture
def story(cluster) -> dict[str, int]:
    """A Deployment of 3 created, scaled to 1, then deleted; the seq after each chapter."""
    pause_clock(cluster)
    engine = Engine(cluster)
    seqs = {"creation": head(cluster)}
    registry.create(cluster, DEPLOYMENTS, "default", DEPLOY)
    engine.settle(horizon=60)
    seqs["created"] = head(cluster)
    registry.patch(cluster, DEPLOYMENTS, "default", "web", "application/merge-patch+json", {"spec": {"replicas": 1}})
    engine.settle(horizon=120)
    seqs["scaled"] = head(cluster)
    registry.delete(cluster, DEPLOYMENTS, "default", "web")
    engine.settle(horizon=120)
    seqs["deleted"] = head(cluster)
    return seqs


@pytest.mark.parametrize(("chapter", "pods", "deployments"), [
    ("creation", 0, 0),
    ("created", 3, 1),
    ("scaled", 1, 1),
    ("deleted", 0, 0),
])
def test_history_shows_the_cluster_of_then(cluster, story, chapter, pods, deployments):
    r = history(cluster, story[chapter])
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["seq"] == story[chapter]
    assert body["earliest"] == 1 and body["head"] == story["deleted"]
    assert len(live_pods(body)) == pods
    assert all(p["status"] == "Running" for p in live_pods(body))
    assert len(body["deployments"]) == deployments
    assert [n["name"] for n in body["nodes"]] == ["node-1", "node-2", "node-3"]
    if deployments:
        assert body["deployments"][0]["replicas"] == pods


def test_history_without_at_is_the_present(cluster, story):
    body = history(cluster).json()
    assert body["seq"] == story["deleted"] and body["revision"] == Cluster.objects.get(pk=cluster.pk).revision
    assert body["pods"] == [] and body["step"]["seq"] == body["seq"]


def test_compaction_boundary_is_the_earliest_reachable_point(cluster, story):
    scaled = history(cluster, story["scaled"]).json()
    store.compact(cluster.pk, scaled["revision"])

    at_boundary = history(cluster, story["scaled"])
    assert at_boundary.status_code == 200 and len(live_pods(at_boundary.json())) == 1
    earliest = at_boundary.json()["earliest"]
    assert story["created"] < earliest <= story["scaled"]
    assert history(cluster, earliest).json()["revision"] == scaled["revision"]

    gone = history(cluster, earliest - 1)
    assert gone.status_code == 410
    assert gone.json()["kind"] == "Status" and gone.json()["reason"] == "Expired"
    assert f"starts at step {earliest}" in gone.json()["message"]


def test_trimmed_steps_move_where_history_starts(cluster, story):
    keep = story["deleted"] - story["scaled"]
    while steps_trim(cluster=cluster, keep=keep, max_age_seconds=0, batch=500) == 500:
        pass
    body = history(cluster, story["deleted"]).json()
    assert body["earliest"] == story["scaled"] + 1
    r = history(cluster, story["scaled"])
    assert r.status_code == 410 and r.json()["reason"] == "Expired"


@pytest.mark.parametrize(("at", "code", "reason"), [
    (10**9, 404, "NotFound"),
    (-1, 400, "BadRequest"),
    ("one", 400, "BadRequest"),
])
def test_history_refuses_what_it_cannot_show(cluster, at, code, reason):
    r = history(cluster, at)
    assert r.status_code == code and r.json()["reason"] == reason and r.json()["kind"] == "Status"


def test_failed_nodes_and_stopped_components_of_then(cluster, story):
    control.node_fail(cluster=cluster, name="node-2")
    control.component_set(cluster=Cluster.objects.get(pk=cluster.pk), component="scheduler", running=False)
    now = history(cluster).json()
    assert now["failed_nodes"] == ["node-2"] and now["stopped"] == ["scheduler"]
    then = history(cluster, story["deleted"]).json()
    assert then["failed_nodes"] == [] and then["stopped"] == []


def test_unknown_cluster_is_404(db):
    r = APIClient().get("/api/clusters/nowhere/history/")
    assert r.status_code == 404 and r.json()["reason"] == "NotFound"


# ---- replay: the snapshot at N plus the changes streamed after it is the snapshot at M ------


def _keyed(objects: list[dict]) -> dict[tuple[str, str], dict]:
    return {(o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in objects}


@pytest.mark.parametrize("start", ["creation", "created", "scaled"])
def test_snapshot_at_n_plus_the_watch_after_it_is_the_snapshot_at_m(cluster, story, start):
    n = history(cluster, story[start]).json()["revision"]
    m = Cluster.objects.get(pk=cluster.pk).revision
    for plural in SUMMARIES:
        strategy = by_plural(plural)
        objects = _keyed(registry.objects_at(cluster, plural, n))
        after = n
        while after < m:
            events, after = registry.watch_poll(cluster, strategy, None, after)
            for event in events:
                key = next(iter(_keyed([event["object"]])))
                if event["type"] == "DELETED":
                    del objects[key]
                else:
                    objects[key] = event["object"]
        assert objects == _keyed(registry.objects_at(cluster, plural, m)) == _keyed(registry.objects(cluster, plural))
