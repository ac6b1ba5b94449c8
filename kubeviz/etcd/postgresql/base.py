"""Django's PostgreSQL backend with the SQLite backend's write-path economies.

A write to a cluster's store first locks the cluster's row (``SELECT … FOR UPDATE``) until
the transaction ends, so while it lasts nobody else can move the cluster's counters (its
revision, step sequence, compacted revision) nor write its entries. The lock reads all
three counters at once; the transaction then keeps them in memory (``counters``) and the
entry rows it read or wrote (``entry_rows``) and the change-log records it wrote
(``written``), and writes the changed counters back in one
statement per cluster before the commit, before each savepoint and before anything that
goes through Django's cursors: what were two UPDATEs and a SELECT per store write, and a
read per entry, become none. Only locked clusters are remembered: a read before the lock
could be stale by the time of the write. A worker's lease (``kubeviz.etcd.fencing``) is
read in the lock's round trip, after the lock is granted.

Round trips, not statements, are what a write costs here (each is a wait on another
process, on a host where the database shares the cores). Statements whose result nobody
reads (a change-log insert, an entry's update, a batch of steps, the counters'
write-back, savepoints and their release) wait in ``pending`` and travel in one pipeline
with the next statement whose result is needed, or with the commit. Such a statement
fails only with its transaction (its rows are locked, its numbers taken under the lock),
so its error surfacing a little later changes nothing: the transaction rolls back as it
would have. A savepoint still in ``pending`` when it is released or rolled back never
reaches the server at all.

A transaction that wrote steps also announces them (``NOTIFY kubeviz_steps``, see
``kubeviz.live.tailer``) in the commit's round trip.
"""
from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

COUNTERS = ("revision", "step_seq", "compacted_revision")
_LOCK = "SELECT " + ", ".join(f'"{c}"' for c in COUNTERS) + ' FROM "etcd_cluster" WHERE "id" = %s FOR UPDATE'
_LEASE = 'SELECT "holder", "epoch" FROM "etcd_workerlease" WHERE "cluster_id" = %s'


class _LockedRows(dict):
    """(cluster id, key) → entry row, remembered only for clusters locked by now."""

    def __init__(self, locked: set[int]):
        super().__init__()
        self.locked = locked

    def __setitem__(self, key: tuple[int, str], value: Any) -> None:
        if key[0] in self.locked:
            super().__setitem__(key, value)


class _Savepoint(str):
    """A savepoint's name in ``pending``: its SAVEPOINT not sent yet."""


class Cursor(base.Cursor):
    """Django's cursor, sending the connection's pending statements in the same pipeline
    as its own (the ORM's statements cost no extra round trip either)."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        owner = getattr(self.connection, "kubeviz_owner", None)
        if owner is None or not owner.pending or self.connection._pipeline is not None:
            return super().execute(query, params, **kwargs)
        with self.connection.pipeline():
            owner.send_pending()
            super().execute(query, params, **kwargs)
        return self

    def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> None:
        owner = getattr(self.connection, "kubeviz_owner", None)
        if owner is None or not owner.pending or self.connection._pipeline is not None:
            return super().executemany(query, params_seq, **kwargs)
        with self.connection.pipeline():
            owner.send_pending()
            super().executemany(query, params_seq, **kwargs)
        return None


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: the clusters whose rows this transaction locked
        self.locked: set[int] = set()
        #: (column, cluster id) → value, for locked clusters, valid inside the transaction
        self.counters: dict[tuple[str, int], Any] = {}
        self.dirty_counters: set[tuple[str, int]] = set()
        self.entry_rows: _LockedRows = _LockedRows(self.locked)
        #: cluster id → (its revision when locked, the change-log records written since):
        #: ``store.changes`` reads them from here, not back from the database
        self.written: dict[int, tuple[int, list[tuple]]] = {}
        #: clusters whose steps this transaction wrote: announced at commit
        self.announce: set[int] = set()
        #: statements (sql, params, many) and unsent savepoints waiting for the next round trip
        self.pending: list[tuple[str, Any, bool] | _Savepoint] = []

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if params.get("cursor_factory") is base.Cursor:
            params["cursor_factory"] = Cursor
        return params

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        connection.kubeviz_owner = self  # a pooled connection: whoever borrowed it last
        return connection

    # ---- pending statements ------------------------------------------------------------
    def later(self, sql: str, params: Any, *, many: bool = False) -> None:
        """Run a statement whose result nobody reads with the next round trip (at once
        outside a transaction)."""
        if not self.in_atomic_block:
            self.query(sql, params, many=many)
            return
        self.pending.append((sql, params, many))

    def send_pending(self) -> None:
        """Send the pending statements (inside a pipeline: the caller's round trip)."""
        pending, self.pending = self.pending, []
        cursor = self.connection.cursor()
        for item in pending:
            if isinstance(item, _Savepoint):
                cursor.execute(self.ops.savepoint_create_sql(str(item)))
            elif item[2]:
                cursor.executemany(item[0], item[1])
            else:
                cursor.execute(item[0], item[1])

    def query(self, sql: str, params: Any = (), *, many: bool = False) -> Any:
        """Run a statement (after the pending ones, in one round trip); returns the cursor,
        its results fetched."""
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = self.connection.cursor()
            if not self.pending:
                (cursor.executemany if many else cursor.execute)(sql, params)
                return cursor
            with self.connection.pipeline():
                self.send_pending()
                (cursor.executemany if many else cursor.execute)(sql, params)
            return cursor

    def flush(self) -> None:
        """Send what is pending now (one round trip)."""
        if self.pending:
            with self.wrap_database_errors, self.connection.pipeline():
                self.send_pending()

    # ---- counters ------------------------------------------------------------------------
    def may_cache(self, cluster_id: int) -> bool:
        return cluster_id in self.locked

    def lock(self, cluster_id: int) -> None:
        """Lock the cluster's row for the rest of the transaction and load its counters,
        and its worker lease for ``fencing``: read in the same round trip, by a second
        statement that starts once the lock is granted, so it sees an epoch a new holder
        bumped under that lock (a column joined to the locking read would not: PostgreSQL
        re-reads only the locked row after waiting)."""
        if cluster_id in self.locked:
            return
        from kubeviz.clusters.models import Cluster
        from kubeviz.etcd import fencing

        self.ensure_connection()
        with self.wrap_database_errors:
            cursor, lease_cursor = self.connection.cursor(), self.connection.cursor()
            with self.connection.pipeline():
                self.send_pending()
                cursor.execute(_LOCK, (cluster_id,))
                lease_cursor.execute(_LEASE, (cluster_id,))
            row, lease = cursor.fetchone(), lease_cursor.fetchone()
        if row is None:
            raise Cluster.DoesNotExist(cluster_id)
        self.locked.add(cluster_id)
        self.counters[(fencing.LEASE_ROW, cluster_id)] = lease
        for column, value in zip(COUNTERS, row, strict=True):
            if (column, cluster_id) not in self.dirty_counters:
                self.counters[(column, cluster_id)] = value
        self.written[cluster_id] = (self.counters[("revision", cluster_id)], [])

    def forget(self) -> None:
        self.locked.clear()
        self.counters.clear()
        self.dirty_counters.clear()
        self.entry_rows.clear()
        self.written.clear()

    def write_back(self, *, announce: bool = False) -> None:
        """Queue the changed counters' write-back (and, at commit, the announcement of
        the written steps) with the pending statements."""
        by_cluster: dict[int, list[str]] = {}
        for column, cluster_id in sorted(self.dirty_counters):
            by_cluster.setdefault(cluster_id, []).append(column)
        for cluster_id, columns in by_cluster.items():
            self.pending.append((
                'UPDATE "etcd_cluster" SET ' + ", ".join(f'"{c}" = %s' for c in columns) + ' WHERE "id" = %s',
                (*(self.counters[(c, cluster_id)] for c in columns), cluster_id), False,
            ))
        self.dirty_counters.clear()
        if announce and self.announce:
            from kubeviz.etcd.sql import STEPS_CHANNEL

            for cluster_id in sorted(self.announce):
                head = self.counters.get(("step_seq", cluster_id))
                self.pending.append(("SELECT pg_notify(%s, %s)",
                                     (STEPS_CHANNEL, f"{cluster_id}:{'' if head is None else head}"), False))
            self.announce.clear()

    def create_cursor(self, name: str | None = None) -> Any:
        # The ORM reads and writes the clusters' rows too: they must see the counters
        # (written back in the round trip of the ORM's statement, see ``Cursor``).
        if self.dirty_counters and self.connection is not None:
            self.write_back()
        if name and self.pending and self.connection is not None:
            self.flush()  # a server-side cursor's statement does not go through ``Cursor``
        return super().create_cursor(name)

    def _commit(self) -> None:
        if self.connection is not None:
            self.write_back(announce=True)
            if self.pending:
                self.forget()
                with self.wrap_database_errors, self.connection.pipeline():
                    self.send_pending()
                    self.connection.commit()
                return None
        self.forget()
        return super()._commit()

    def _rollback(self) -> None:
        self.forget()
        self.announce.clear()
        self.pending.clear()
        return super()._rollback()

    def _close(self) -> None:
        self.pending.clear()
        return super()._close()

    def _savepoint(self, sid: str) -> None:
        self.write_back()  # rolling back to the savepoint must find them as they are now
        self.pending.append(_Savepoint(sid))

    def _savepoint_commit(self, sid: str) -> None:
        unsent = self._unsent(sid)
        if unsent is not None:
            del self.pending[unsent]  # never sent: what followed it joins the outer scope
            return
        self.pending.append((self.ops.savepoint_commit_sql(sid), None, False))

    def _savepoint_rollback(self, sid: str) -> None:
        # Row locks taken after the savepoint are released with it: lock (and read) again.
        # Announcements stay: an announcement too many costs one read, never a step.
        self.forget()
        unsent = self._unsent(sid)
        if unsent is not None:
            del self.pending[unsent:]  # nothing after it reached the server
            return
        self.pending.clear()  # all of it came after the savepoint, which undoes it anyway
        super()._savepoint_rollback(sid)

    def _unsent(self, sid: str) -> int | None:
        """Where the savepoint ``sid`` waits in ``pending``, if it was never sent."""
        for i in range(len(self.pending) - 1, -1, -1):
            item = self.pending[i]
            if isinstance(item, _Savepoint) and item == sid:
                return i
        return None
