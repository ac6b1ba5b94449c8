"""A cluster's counters (its revision, its step sequence, its compacted revision) inside a
write transaction.

Every store write moves the revision and every batch of steps moves the step sequence:
two single-row updates that were a fifth of the engine's statements. On SQLite a write
transaction holds the database's only write lock, so nobody else can move them until it
ends: the transaction keeps them in memory and the backend writes them back once, before
the commit, before each savepoint (so that rolling back to it restores them) and before
any statement through Django's cursors (so the ORM reads them as they are). On PostgreSQL
the backend (``kubeviz.etcd.postgresql``) does the same for the clusters whose rows the
transaction locked, which a write locks first. Outside a transaction each change is
written at once.
"""
from __future__ import annotations

from typing import Any

from . import sql

REVISION = "revision"
STEP_SEQ = "step_seq"
#: moved only by compaction, read before every read of the change log
COMPACTED_REVISION = "compacted_revision"


def _transaction() -> Any:
    """The connection, if it keeps counters for this transaction (see the SQLite backend)."""
    db = sql.db()
    return db if db.in_atomic_block and hasattr(db, "counters") else None


def read(cluster_id: int, column: str) -> int:
    db = _transaction()
    if db is not None:
        value = db.counters.get((column, cluster_id))
        if value is not None:
            return value
    row = sql.one(f'SELECT "{column}" FROM "etcd_cluster" WHERE "id" = %s', (cluster_id,))
    if row is None:
        from kubeviz.clusters.models import Cluster

        raise Cluster.DoesNotExist(cluster_id)
    # On PostgreSQL only a locked cluster's counters stay put until the commit.
    if db is not None and (not hasattr(db, "may_cache") or db.may_cache(cluster_id)):
        db.counters[(column, cluster_id)] = row[0]
    return row[0]


def write(cluster_id: int, column: str, value: int) -> None:
    db = _transaction()
    if db is None:
        sql.one(f'UPDATE "etcd_cluster" SET "{column}" = %s WHERE "id" = %s', (value, cluster_id))
        return
    if hasattr(db, "lock"):
        db.lock(cluster_id)  # PostgreSQL: hold the row, and with it the counters, until commit
    db.counters[(column, cluster_id)] = value
    db.dirty_counters.add((column, cluster_id))


def take(cluster_id: int, column: str, count: int) -> int:
    """Advance the counter by ``count``; returns the first of the numbers taken."""
    db = _transaction()
    if db is None:
        row = sql.one(
            f'UPDATE "etcd_cluster" SET "{column}" = "{column}" + %s WHERE "id" = %s RETURNING "{column}"',
            (count, cluster_id),
        )
        assert row is not None
        return row[0] - count + 1
    if hasattr(db, "lock"):
        db.lock(cluster_id)
    last = read(cluster_id, column)
    write(cluster_id, column, last + count)
    return last + 1


# ---- counts of entries ---------------------------------------------------------------------
# How many entries a resource has (the site's pod quota asks on every pod's admission) is
# kept the same way, for the transaction's length: counted once, then moved by the
# transaction's own creates and deletes, which nobody else can interleave while it holds
# the cluster. Forgotten with the counters, and by any bulk change of the cluster.


def _count_key(resource: str) -> str:
    return f"count:{resource}"


def count_get(cluster_id: int, resource: str) -> int | None:
    db = _transaction()
    return None if db is None else db.counters.get((_count_key(resource), cluster_id))


def count_put(cluster_id: int, resource: str, value: int) -> None:
    db = _transaction()
    if db is not None and (not hasattr(db, "may_cache") or db.may_cache(cluster_id)):
        db.counters[(_count_key(resource), cluster_id)] = value


def count_move(cluster_id: int, resource: str, by: int) -> None:
    """A create (+1) or delete (-1) of one entry of ``resource``."""
    db = _transaction()
    key = (_count_key(resource), cluster_id)
    if db is not None and key in db.counters:
        db.counters[key] += by


def count_forget(cluster_id: int, resource: str) -> None:
    """A write whose effect on the count is not known (a blind create)."""
    db = _transaction()
    if db is not None:
        db.counters.pop((_count_key(resource), cluster_id), None)


def counts_forget(cluster_id: int) -> None:
    db = _transaction()
    if db is not None:
        for key in [k for k in db.counters if k[1] == cluster_id and str(k[0]).startswith("count:")]:
            del db.counters[key]
