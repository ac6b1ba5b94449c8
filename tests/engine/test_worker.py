"""The worker loop: a reset or a failure in one cluster never stops it or another cluster.

Clusters run in step mode with many "next step" presses waiting, so one ``tick`` runs
them to convergence without waiting for the live clock.
"""
from __future__ import annotations

import pytest
from django.db import IntegrityError

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.apiserver.tokens import cluster_token
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.services import cluster_create, cluster_reset
from kubeviz.engine import leases
from kubeviz.engine.worker import Worker
from kubeviz.flow.models import Step

DEPLOY = {
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "replicas": 3, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}},
    },
}


def _press(cluster: Cluster, presses: int = 400) -> None:
    """Step mode with ``presses`` actions waiting for the worker."""
    Cluster.objects.filter(pk=cluster.pk).update(clock_mode=Cluster.CLOCK_STEP, step_requests=presses, steps_done=0)


def _running(cluster: Cluster) -> list[dict]:
    return [p for p in registry.objects(cluster, "pods", "default")
            if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")]


@pytest.mark.parametrize("error", [
    IntegrityError("FOREIGN KEY constraint failed"),  # the lease of a cluster replaced under it
    RuntimeError("a bug in one cluster's engine"),
])
def test_a_failing_cluster_leaves_the_worker_and_the_others_running(cluster, monkeypatch, error):
    other = cluster_create(name="other", fixture="demo")
    registry.create(other, by_plural("deployments"), "default", DEPLOY)
    _press(other)

    real_acquire = leases.lease_acquire

    def acquire(*, cluster: Cluster, holder: str) -> int | None:
        if cluster.name == "demo":
            raise error
        return real_acquire(cluster=cluster, holder=holder)

    monkeypatch.setattr(leases, "lease_acquire", acquire)
    worker = Worker(holder="test-worker")
    worker.tick()
    assert len(_running(other)) == 3
    assert list(worker.engines) == [other.pk]


def test_a_reset_in_place_rebuilds_the_engine_of_the_cluster(cluster):
    registry.create(cluster, by_plural("deployments"), "default", DEPLOY)
    _press(cluster)
    worker = Worker(holder="test-worker")
    worker.tick()
    assert len(_running(cluster)) == 3
    token, pk, revision = cluster_token(cluster), cluster.pk, registry.watch_start_revision(cluster)

    for _ in range(5):
        fresh = cluster_reset(cluster=cluster)
        worker.tick()
    assert (fresh.pk, cluster_token(fresh)) == (pk, token)
    assert registry.watch_start_revision(fresh) > revision  # etcd's revision never goes back
    assert Step.objects.filter(cluster=fresh).order_by("seq").values_list("seq", flat=True)[0] == 1
    assert registry.objects(fresh, "pods", "default") == []
    assert sorted(n["metadata"]["name"] for n in registry.objects(fresh, "nodes")) == ["node-1", "node-2", "node-3"]

    # The engine forgot the old incarnation: the new one converges on its own objects.
    registry.create(fresh, by_plural("deployments"), "default", DEPLOY)
    _press(fresh)
    worker.tick()
    assert len(_running(fresh)) == 3


def test_a_worker_restarted_under_its_predecessors_name_takes_over_at_once(cluster):
    Worker(holder="serve-1-worker").tick()
    other = Worker(holder="someone-else")
    other.tick()
    assert other.engines == {}  # the lease is still live: another holder waits for it to expire
    again = Worker(holder="serve-1-worker")
    again.tick()
    assert list(again.engines) == [cluster.pk]
