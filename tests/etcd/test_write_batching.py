"""What a write transaction remembers and defers (kubeviz.etcd.postgresql: statements whose
result nobody reads wait for the next round trip; a locked cluster's change-log records are
read back from memory) must not change what the store does: the same tests on SQLite,
where everything runs at once, and on PostgreSQL (``python -m tests.backends``)."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction

from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.etcd import fencing, sql, store
from kubeviz.etcd.models import Change, Entry


def _cluster(name: str) -> Cluster:
    now = clock.real_now()
    return Cluster.objects.create(name=name, sim_time=now, sim_anchor=now)


def _put(cluster: Cluster, name: str, value: dict, resource: str = "configmaps", namespace: str = "default") -> None:
    store.create(cluster.pk, f"/registry/{resource}/{namespace}/{name}", value,
                 store.Index(resource=resource, name=name, namespace=namespace))


def _set(cluster: Cluster, name: str, value: dict) -> None:
    store.update(cluster.pk, f"/registry/configmaps/default/{name}", value,
                 store.Index(resource="configmaps", name=name, namespace="default"))


def _log(cluster: Cluster) -> list[tuple[int, str, str]]:
    return list(Change.objects.filter(cluster=cluster).order_by("revision").values_list("revision", "type", "key"))


class Boom(Exception):
    pass


@pytest.mark.parametrize("read_inside", [False, True], ids=["savepoint-never-sent", "savepoint-sent"])
def test_a_rolled_back_action_leaves_nothing_and_the_next_one_takes_its_revision(db, read_inside):
    cluster = _cluster("sp")
    with transaction.atomic():
        _put(cluster, "a", {"v": 1})
        with pytest.raises(Boom), transaction.atomic():
            _put(cluster, "b", {"v": 1})
            _set(cluster, "a", {"v": 2})
            if read_inside:  # sends the savepoint and the writes before it
                assert store.get(cluster.pk, "/registry/configmaps/default/b") is not None
            raise Boom
        _put(cluster, "c", {"v": 1})
    assert store.get(cluster.pk, "/registry/configmaps/default/a").value == {"v": 1}
    assert store.get(cluster.pk, "/registry/configmaps/default/b") is None
    assert _log(cluster) == [(1, Change.PUT, "/registry/configmaps/default/a"),
                             (2, Change.PUT, "/registry/configmaps/default/c")]
    assert store.current_revision(cluster.pk) == 2


@pytest.mark.parametrize("kwargs", [
    {},
    {"resources": ["configmaps"]},
    {"resources": ["secrets"], "namespace": "kube-system"},
    {"up_to": 4},
    {"limit": 2},
    {"with_prev": False},
], ids=["all", "one-resource", "resource-and-namespace", "up-to", "limit", "without-prev"])
def test_changes_read_by_the_writing_transaction_are_the_ones_stored(transactional_db, kwargs):
    cluster = _cluster("log")
    _put(cluster, "before", {"v": 0})
    with transaction.atomic():
        _put(cluster, "a", {"v": 1})
        _put(cluster, "s", {"v": 1}, resource="secrets", namespace="kube-system")
        _set(cluster, "a", {"v": 2})
        store.delete(cluster.pk, "/registry/configmaps/default/before")
        _put(cluster, "b", {"v": 1})
        inside = store.changes(cluster.pk, 1, **kwargs)
    after = store.changes(cluster.pk, 1, **kwargs)
    assert inside == after and after


def test_a_deferred_write_that_fails_rolls_its_transaction_back(transactional_db):
    cluster = _cluster("fail")
    # (SQLite's store statements go to sqlite3 directly, whose errors are its own.)
    with pytest.raises((IntegrityError, sqlite3.IntegrityError)), transaction.atomic():
        _put(cluster, "a", {"v": 1})
        # A second record of revision 1: refused by the log's unique (cluster, revision).
        sql.later('INSERT INTO "etcd_change" ("cluster_id", "revision", "key", "resource", "namespace", "type", '
                  f'"value", "prev_value") VALUES (%s, 1, %s, %s, %s, %s, {sql.json_placeholder()}, NULL)',
                  (cluster.pk, "/x", "configmaps", "default", Change.PUT, "{}"))
        _put(cluster, "b", {"v": 1})
    assert not Entry.objects.filter(cluster=cluster).exists() and not _log(cluster)
    assert Cluster.objects.get(pk=cluster.pk).revision == 0


def test_a_stale_holder_that_waited_for_the_lock_sees_the_new_epoch(transactional_db):
    """The new holder bumps the epoch while holding the cluster's lock; the old holder's
    write, queued behind that lock, must read the lease after it is granted and roll back."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's writers wait before their transaction starts, not on a row")
    from kubeviz.etcd.models import WorkerLease

    cluster = _cluster("race")
    WorkerLease.objects.create(cluster=cluster, holder="a", renew_time=clock.real_now())
    epoch_a = WorkerLease.objects.get(cluster=cluster).epoch
    taken, outcome = threading.Event(), {}

    def stale_write() -> None:
        taken.wait(10)
        try:
            with fencing.fenced(cluster.pk, "a", epoch_a), transaction.atomic():
                _put(cluster, "stale", {"v": 1})
        except fencing.LeaseLost as exc:
            outcome["lost"] = exc
        finally:
            connection.close()

    writer = threading.Thread(target=stale_write)
    writer.start()
    with transaction.atomic():
        store.hold(cluster.pk)
        WorkerLease.objects.filter(cluster=cluster).update(holder="b", epoch=epoch_a + 1)
        taken.set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not sql.one(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")[0]:
            time.sleep(0.01)  # until the stale writer waits for this transaction's lock
    writer.join(30)
    assert "lost" in outcome
    assert store.get(cluster.pk, "/registry/configmaps/default/stale") is None
