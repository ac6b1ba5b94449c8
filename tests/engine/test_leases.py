"""Worker leases: clusters spread evenly over the live workers, spread again when one joins
or leaves, and a worker whose lease was taken over cannot write (fencing)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.services import cluster_create
from kubeviz.engine import leases
from kubeviz.etcd.fencing import LeaseLost, fenced


class Clock:
    def __init__(self) -> None:
        self.now = clock.real_now()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def fake_clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(leases, "real_now", c)
    return c


@pytest.fixture
def clusters(db) -> list[Cluster]:
    return [cluster_create(name=f"c{i}", fixture=None) for i in range(4)]


def _round(clusters: list[Cluster], *holders: str) -> dict[str, set[int]]:
    return {h: set(leases.lease_balance(holder=h, awake=clusters)) for h in holders}


@pytest.mark.parametrize("workers, expected", [(1, [4]), (2, [2, 2]), (3, [2, 1, 1]), (5, [1, 1, 1, 1, 0])])
def test_clusters_spread_evenly_over_the_live_workers(clusters, fake_clock, workers, expected):
    holders = [f"w{i}" for i in range(workers)]
    for _ in range(3):  # each joins, sees the others, gives back beyond its share, takes up to it
        held = _round(clusters, *holders)
        fake_clock.advance(leases.RENEW_EVERY)
    assert sorted((len(v) for v in held.values()), reverse=True) == expected
    assert set().union(*held.values()) == {c.pk for c in clusters}  # every cluster has one holder


def test_a_joining_worker_gets_its_share_and_a_dead_ones_clusters_are_taken_over(clusters, fake_clock):
    alone = _round(clusters, "a")
    assert len(alone["a"]) == 4
    for _ in range(2):
        held = _round(clusters, "b", "a")
        fake_clock.advance(leases.RENEW_EVERY)
    assert (len(held["a"]), len(held["b"])) == (2, 2)

    # a is killed: it renews nothing. Within LEASE_SECONDS + RENEW_EVERY b holds everything.
    fake_clock.advance(leases.LEASE_SECONDS)
    assert len(_round(clusters, "b")["b"]) == 4
    assert leases.LEASE_SECONDS + leases.RENEW_EVERY <= 5


def test_a_worker_that_lost_its_lease_cannot_write(transactional_db, fake_clock):
    # Each write its own transaction, as in the worker: the check is once per transaction.
    cluster = cluster_create(name="fenced", fixture=None)
    epoch_a = leases.lease_balance(holder="a", awake=[cluster])[cluster.pk]
    with fenced(cluster.pk, "a", epoch_a):
        registry.create(cluster, by_plural("configmaps"), "default", {"metadata": {"name": "by-a"}})

    fake_clock.advance(leases.LEASE_SECONDS + 0.1)  # a stalls past its lease; b takes over
    epoch_b = leases.lease_balance(holder="b", awake=[cluster])[cluster.pk]
    assert epoch_b == epoch_a + 1
    revision = Cluster.objects.get(pk=cluster.pk).revision

    with fenced(cluster.pk, "a", epoch_a), pytest.raises(LeaseLost):
        registry.create(cluster, by_plural("configmaps"), "default", {"metadata": {"name": "stale"}})
    assert Cluster.objects.get(pk=cluster.pk).revision == revision
    with fenced(cluster.pk, "b", epoch_b):
        registry.create(cluster, by_plural("configmaps"), "default", {"metadata": {"name": "by-b"}})
    names = {o["metadata"]["name"] for o in registry.objects(cluster, "configmaps", "default")}
    assert {"by-a", "by-b"} <= names and "stale" not in names


class Monotonic:
    """``time`` for the worker module: its monotonic clock moves with the fake one."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.start = clock.now

    def monotonic(self) -> float:
        return 1000 + (self.clock.now - self.start).total_seconds()


def test_a_pass_that_outlasts_the_lease_keeps_the_workers_leases(clusters, fake_clock, monkeypatch):
    from kubeviz.engine import worker as worker_module

    monkeypatch.setattr(worker_module, "time", Monotonic(fake_clock))
    monkeypatch.setattr(worker_module, "real_now", fake_clock)
    busy = worker_module.Worker(holder="a")

    def slow(cluster: Cluster, epoch: int) -> int:  # a busy host: each cluster takes 1.5 s
        fake_clock.advance(1.5)
        return 0

    monkeypatch.setattr(busy, "_tick_one", slow)
    busy.tick()  # takes the four clusters, then drives them for 6 s, twice LEASE_SECONDS
    assert len(_round(clusters, "b")["b"]) == 0  # none lapsed: b waits for a to give back
    assert set(leases.lease_balance(holder="a", awake=clusters)) == {c.pk for c in clusters[:2]}
