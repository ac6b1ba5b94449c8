"""Fencing: an engine worker writes a cluster's store only while it holds the cluster's
lease, checked inside the write transaction.

A worker that stalls (a long GC pause, a frozen VM) may wake after its lease expired and
another worker took the cluster over; without a check it would go on writing what its
stale engine decided. The worker drives each engine inside ``fenced(cluster, holder,
epoch)``; every store write then checks, once per transaction and under the cluster's
write lock, that the lease row still names this holder and epoch (a new holder bumps the
epoch while holding the same lock), and raises ``LeaseLost`` otherwise: the transaction
rolls back and the worker drops the engine. Writes outside ``fenced`` (web requests) are
not checked.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from . import sql


class LeaseLost(Exception):
    """This worker's lease on the cluster expired and another worker holds it now."""


_local = threading.local()


@contextmanager
def fenced(cluster_id: int, holder: str, epoch: int) -> Iterator[None]:
    """Check every store write to ``cluster_id`` inside against this lease."""
    previous = getattr(_local, "fence", None)
    _local.fence = (cluster_id, holder, epoch)
    try:
        yield
    finally:
        _local.fence = previous


def check(cluster_id: int) -> None:
    """Raise ``LeaseLost`` if a fence is up for ``cluster_id`` and its lease moved on.
    Called with the cluster's write lock held; once per transaction per cluster."""
    fence = getattr(_local, "fence", None)
    if fence is None or fence[0] != cluster_id:
        return
    db = sql.db()
    # Remembered with the transaction's counters (both kubeviz backends forget those when
    # a transaction or savepoint ends; a key that is never dirty is never written back).
    memo = db.counters if db.in_atomic_block and hasattr(db, "counters") else None
    if memo is not None and memo.get((_MEMO, cluster_id)) == fence[2]:
        return
    if memo is not None and (LEASE_ROW, cluster_id) in memo:
        row = memo[(LEASE_ROW, cluster_id)]  # read by PostgreSQL's lock, in its round trip
    else:
        row = sql.one('SELECT "holder", "epoch" FROM "etcd_workerlease" WHERE "cluster_id" = %s', (cluster_id,))
    if row is None or (row[0], row[1]) != fence[1:]:
        raise LeaseLost(f"cluster {cluster_id}: the lease of {fence[1]} (epoch {fence[2]}) is gone")
    if memo is not None:
        memo[(_MEMO, cluster_id)] = fence[2]


_MEMO = "lease-fence"
#: the lease row, (holder, epoch) or None, as kubeviz's PostgreSQL backend read it once the
#: cluster's row lock was granted (kept with the counters, forgotten with them)
LEASE_ROW = "lease-row"
