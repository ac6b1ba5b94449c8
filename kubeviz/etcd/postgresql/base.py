"""Django's PostgreSQL backend with the SQLite backend's write-path economies.

A write to a cluster's store first locks the cluster's row (``SELECT … FOR UPDATE``) until
the transaction ends, so while it lasts nobody else can move the cluster's counters (its
revision, step sequence, compacted revision) nor write its entries. The lock reads all
three counters at once; the transaction then keeps them in memory (``counters``) and the
entry rows it read or wrote (``entry_rows``), and writes the changed counters back in one
statement per cluster before the commit, before each savepoint and before anything that
goes through Django's cursors: what were two UPDATEs and a SELECT per store write, and a
read per entry, become none. Only locked clusters are remembered: a read before the lock
could be stale by the time of the write.

A transaction that wrote steps also announces them (``NOTIFY kubeviz_steps``, see
``kubeviz.live.tailer``) with the same write-back, in the same round trip (a pipeline).
"""
from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

COUNTERS = ("revision", "step_seq", "compacted_revision")


class _LockedRows(dict):
    """(cluster id, key) → entry row, remembered only for clusters locked by now."""

    def __init__(self, locked: set[int]):
        super().__init__()
        self.locked = locked

    def __setitem__(self, key: tuple[int, str], value: Any) -> None:
        if key[0] in self.locked:
            super().__setitem__(key, value)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: the clusters whose rows this transaction locked
        self.locked: set[int] = set()
        #: (column, cluster id) → value, for locked clusters, valid inside the transaction
        self.counters: dict[tuple[str, int], int] = {}
        self.dirty_counters: set[tuple[str, int]] = set()
        self.entry_rows: _LockedRows = _LockedRows(self.locked)
        #: clusters whose steps this transaction wrote: announced at commit
        self.announce: set[int] = set()

    def may_cache(self, cluster_id: int) -> bool:
        return cluster_id in self.locked

    def lock(self, cluster_id: int) -> None:
        """Lock the cluster's row for the rest of the transaction and load its counters."""
        if cluster_id in self.locked:
            return
        from kubeviz.clusters.models import Cluster

        with self.wrap_database_errors, self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join(f'"{c}"' for c in COUNTERS) + ' FROM "etcd_cluster" '
                'WHERE "id" = %s FOR UPDATE', (cluster_id,),
            )
            row = cursor.fetchone()
        if row is None:
            raise Cluster.DoesNotExist(cluster_id)
        self.locked.add(cluster_id)
        for column, value in zip(COUNTERS, row, strict=True):
            if (column, cluster_id) not in self.dirty_counters:
                self.counters[(column, cluster_id)] = value

    def forget(self) -> None:
        self.locked.clear()
        self.counters.clear()
        self.dirty_counters.clear()
        self.entry_rows.clear()

    def write_back(self, *, announce: bool = False) -> None:
        """Store the changed counters (and, at commit, announce the written steps)."""
        if not self.dirty_counters and not (announce and self.announce):
            return
        by_cluster: dict[int, list[str]] = {}
        for column, cluster_id in sorted(self.dirty_counters):
            by_cluster.setdefault(cluster_id, []).append(column)
        statements: list[tuple[str, tuple]] = []
        for cluster_id, columns in by_cluster.items():
            statements.append((
                'UPDATE "etcd_cluster" SET ' + ", ".join(f'"{c}" = %s' for c in columns) + ' WHERE "id" = %s',
                (*(self.counters[(c, cluster_id)] for c in columns), cluster_id),
            ))
        if announce:
            from kubeviz.etcd.sql import STEPS_CHANNEL

            for cluster_id in sorted(self.announce):
                head = self.counters.get(("step_seq", cluster_id))
                statements.append(("SELECT pg_notify(%s, %s)", (STEPS_CHANNEL, f"{cluster_id}:{'' if head is None else head}")))
            self.announce.clear()
        with self.wrap_database_errors:
            if len(statements) == 1:
                with self.connection.cursor() as cursor:
                    cursor.execute(*statements[0])
            else:
                with self.connection.pipeline(), self.connection.cursor() as cursor:
                    for statement in statements:
                        cursor.execute(*statement)
        self.dirty_counters.clear()

    def create_cursor(self, name: str | None = None) -> Any:
        # The ORM reads and writes the clusters' rows too: they must see the counters.
        if self.dirty_counters and self.connection is not None:
            self.write_back()
        return super().create_cursor(name)

    def _commit(self) -> None:
        if self.connection is not None:
            self.write_back(announce=True)
        self.forget()
        return super()._commit()

    def _rollback(self) -> None:
        self.forget()
        self.announce.clear()
        return super()._rollback()

    def _savepoint(self, sid: str) -> None:
        self.write_back()  # rolling back to the savepoint must find them as they are now
        super()._savepoint(sid)

    def _savepoint_rollback(self, sid: str) -> None:
        # Row locks taken after the savepoint are released with it: lock (and read) again.
        # Announcements stay: an announcement too many costs one read, never a step.
        self.forget()
        super()._savepoint_rollback(sid)
