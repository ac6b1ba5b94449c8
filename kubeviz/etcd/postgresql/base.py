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
``kubeviz.live.tailer``) in the commit's round trip, the steps themselves in the payload
as far as they fit, so the listening Daphnes need not read them back.
"""
from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

from kubeviz.etcd import fencing

COUNTERS = ("revision", "step_seq", "compacted_revision")
_LOCK = "SELECT " + ", ".join(f'"{c}"' for c in COUNTERS) + ' FROM "etcd_cluster" WHERE "id" = %s FOR UPDATE'
_LEASE = 'SELECT "holder", "epoch" FROM "etcd_workerlease" WHERE "cluster_id" = %s'


class _Rows:
    """(cluster id, key) → entry row, for the clusters this transaction locked.

    Kept past a commit with the revision the cluster had then, and handed to the next
    transaction that locks the cluster at that same revision: every store write moves the
    revision under the lock, so an unchanged revision means nobody wrote anything since,
    and the engine's next action finds the objects its last one wrote or read without a
    round trip. A rollback forgets what was kept."""

    #: the most rows kept for a cluster between transactions
    KEEP = 20_000

    def __init__(self, locked: set[int]):
        self.locked = locked
        self.live: dict[int, dict[str, Any]] = {}
        #: cluster id → (the ``range_`` arguments, resource first) → rows: short lists
        #: read on every pod's admission (quotas, limit ranges, priority classes)
        self.ranges: dict[int, dict[tuple, list]] = {}
        self.kept: dict[int, tuple[int, dict[str, Any], dict[tuple, list]]] = {}

    def range_get(self, cluster_id: int, args: tuple) -> list | None:
        found = self.ranges.get(cluster_id)
        return None if found is None else found.get(args)

    def range_put(self, cluster_id: int, args: tuple, rows: list) -> None:
        if cluster_id in self.locked:
            self.ranges.setdefault(cluster_id, {})[args] = rows

    def written(self, cluster_id: int, resource: str) -> None:
        """A write of ``resource``: the lists of it read before are out of date."""
        found = self.ranges.get(cluster_id)
        if found:
            for args in [a for a in found if a[0] == resource]:
                del found[args]

    def get(self, key: tuple[int, str], default: Any = None) -> Any:
        rows = self.live.get(key[0])
        return default if rows is None else rows.get(key[1], default)

    def __setitem__(self, key: tuple[int, str], row: Any) -> None:
        if key[0] in self.locked:
            self.live.setdefault(key[0], {})[key[1]] = row

    def pop(self, key: tuple[int, str], default: Any = None) -> Any:
        rows = self.live.get(key[0])
        return default if rows is None else rows.pop(key[1], default)

    def forget_cluster(self, cluster_id: int) -> None:
        self.live.pop(cluster_id, None)
        self.ranges.pop(cluster_id, None)
        self.kept.pop(cluster_id, None)

    def resume(self, cluster_id: int, revision: int) -> None:
        """The cluster was just locked at ``revision``: take up the rows kept for it if
        nobody wrote since."""
        kept = self.kept.pop(cluster_id, None)
        if kept is not None and kept[0] == revision:
            self.live[cluster_id], self.ranges[cluster_id] = kept[1], kept[2]

    def keep(self, revisions: dict[int, int | None]) -> None:
        """The transaction committed with the clusters at these revisions."""
        for cluster_id, revision in revisions.items():
            rows = self.live.get(cluster_id, {})
            if revision is not None and len(rows) <= self.KEEP:
                self.kept[cluster_id] = (revision, rows, self.ranges.get(cluster_id, {}))

    def clear(self) -> None:
        self.live, self.ranges = {}, {}


class _Savepoint(str):
    """A savepoint's name in ``pending``: its SAVEPOINT not sent yet."""


#: Inserts into the append-only logs (the change log, the steps, container log lines): rows
#: nothing else pending reads or changes, so within a savepoint's stretch they may go as one
#: multi-row INSERT, at the place of the first (a statement costs the server more than a row).
_APPEND_ONLY = ('INSERT INTO "etcd_change" ', 'INSERT INTO "flow_step" ', 'INSERT INTO "runtime_logline" ')
_ROWS_PER_INSERT = 500


def _coalesced(pending: list) -> list:
    """``pending`` with the inserts of each append-only log between two savepoint
    statements joined into multi-row INSERTs (in their order)."""
    out: list = []
    groups: dict[str, list] = {}  # sql → the rows of its joined statement in ``out``
    for item in pending:
        if isinstance(item, _Savepoint) or not item[0].startswith(_APPEND_ONLY) or not item[0].endswith(")"):
            if isinstance(item, _Savepoint) or item[0].startswith(("SAVEPOINT", "RELEASE")):
                groups = {}  # nothing moves across a savepoint boundary
            out.append(item)
            continue
        rows = groups.get(item[0])
        if rows is None:
            rows = groups[item[0]] = []
            out.append((item[0], rows, None))
        rows.extend(item[1] if item[2] else [item[1]])
    joined: list = []
    for item in out:
        if isinstance(item, _Savepoint) or item[2] is not None:
            joined.append(item)
            continue
        for start in range(0, len(item[1]), _ROWS_PER_INSERT):
            joined.append((item[0], item[1][start:start + _ROWS_PER_INSERT], _JOINED))
    return joined


#: marks a joined insert in ``_coalesced``'s output: (the one-row INSERT, its rows, _JOINED)
_JOINED = object()


class _Pipelined:
    """Sends the connection's pending statements in the same pipeline as the cursor's own
    (the ORM's statements cost no extra round trip either)."""

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


class Cursor(_Pipelined, base.Cursor):
    """Django's cursor binding parameters in the client, pipelined."""


class ServerBindingCursor(_Pipelined, base.ServerBindingCursor):
    """Django's cursor binding parameters in the server, pipelined: with psycopg's
    automatic preparation, a statement the engine runs thousands of times is parsed and
    planned once per connection, and its parameters are sent as they are, not quoted into
    its text in Python."""


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: the clusters whose rows this transaction locked
        self.locked: set[int] = set()
        #: (column, cluster id) → value, for locked clusters, valid inside the transaction
        self.counters: dict[tuple[str, int], Any] = {}
        self.dirty_counters: set[tuple[str, int]] = set()
        self.entry_rows = _Rows(self.locked)
        #: cluster id → (its revision when locked, the change-log records written since):
        #: ``store.changes`` reads them from here, not back from the database
        self.written: dict[int, tuple[int, list[tuple]]] = {}
        #: clusters whose steps this transaction wrote, announced at commit, with the
        #: steps (None: unknown, the listeners read them)
        self.announce: dict[int, list[dict] | None] = {}
        #: whether parameters are bound in the server (OPTIONS server_side_binding)
        self.binds_in_server = self.settings_dict["OPTIONS"].get("server_side_binding") is True
        #: savepoints rolled back before they were sent (their release must not be sent either)
        self.unsent_rolled_back: set[str] = set()
        #: statements (sql, params, many) and unsent savepoints waiting for the next round trip
        self.pending: list[tuple[str, Any, bool] | _Savepoint] = []

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        factory = params.get("cursor_factory")
        if factory is base.Cursor:
            params["cursor_factory"] = Cursor
        elif factory is base.ServerBindingCursor:
            params["cursor_factory"] = ServerBindingCursor
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
        for item in _coalesced(pending):
            if isinstance(item, _Savepoint):
                cursor.execute(self.ops.savepoint_create_sql(str(item)))
            elif item[2] is _JOINED and self.binds_in_server:
                # The one-row statement, prepared once, executed for each row in this
                # pipeline: its parameters go as they are, nothing is quoted in Python.
                cursor.executemany(item[0], item[1])
            elif item[2] is _JOINED:
                # Each row quoted on its own (the one-row statement's parse is cached; a
                # statement of N rows would be parsed afresh for every N).
                head, values = item[0].split(" VALUES ", 1)
                cursor.execute(head + " VALUES " + ", ".join(cursor.mogrify(values, row) for row in item[1]))
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
        self.entry_rows.resume(cluster_id, self.counters[("revision", cluster_id)])

    def forget(self) -> None:
        self.unsent_rolled_back.clear()
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
            from kubeviz.etcd.sql import STEPS_CHANNEL, steps_payloads

            for cluster_id, steps in sorted(self.announce.items()):
                head = self.counters.get(("step_seq", cluster_id))
                for payload in steps_payloads(cluster_id, steps, head):
                    self.pending.append(("SELECT pg_notify(%s, %s)", (STEPS_CHANNEL, payload), False))
            self.announce.clear()

    def announce_steps(self, cluster_id: int, steps: list[dict] | None) -> None:
        """Announce at commit that the cluster has new steps (these, if known)."""
        if cluster_id in self.announce and (self.announce[cluster_id] is None or steps is None):
            self.announce[cluster_id] = None
        elif cluster_id in self.announce:
            self.announce[cluster_id].extend(steps)  # type: ignore[union-attr]
        else:
            self.announce[cluster_id] = None if steps is None else list(steps)

    def create_cursor(self, name: str | None = None) -> Any:
        # The ORM reads and writes the clusters' rows too: they must see the counters
        # (written back in the round trip of the ORM's statement, see ``Cursor``).
        if self.dirty_counters and self.connection is not None:
            self.write_back()
        # The ORM may write a lease (this transaction taking one over): read it afresh.
        for cluster_id in self.locked:
            self.counters.pop((fencing.LEASE_ROW, cluster_id), None)
        if name and self.pending and self.connection is not None:
            self.flush()  # a server-side cursor's statement does not go through ``Cursor``
        return super().create_cursor(name)

    def _commit(self) -> None:
        rows = _Rows(set())
        rows.live, rows.ranges = self.entry_rows.live, self.entry_rows.ranges
        revisions = {c: self.counters.get(("revision", c)) for c in self.locked}
        if self.connection is not None:
            self.write_back(announce=True)
        self.forget()
        if self.pending:
            with self.wrap_database_errors, self.connection.pipeline():
                self.send_pending()
                self.connection.commit()
        else:
            super()._commit()
        rows.keep(revisions)
        self.entry_rows.kept.update(rows.kept)

    def _rollback(self) -> None:
        self.entry_rows.kept.clear()
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
        if sid in self.unsent_rolled_back:
            # Django releases a savepoint after rolling back to it; this one never reached
            # the server, so neither may its release.
            self.unsent_rolled_back.discard(sid)
            return
        unsent = self._unsent(sid)
        if unsent is not None:
            del self.pending[unsent]  # never sent: what followed it joins the outer scope
            return
        self.pending.append((self.ops.savepoint_commit_sql(sid), None, False))

    def _savepoint_rollback(self, sid: str) -> None:
        # Row locks taken after the savepoint are released with it: lock (and read) again.
        # Announcements stay, without the steps (some of which are undone now): an
        # announcement too many costs one read, never a step.
        self.announce = dict.fromkeys(self.announce)
        self.forget()
        unsent = self._unsent(sid)
        if unsent is not None:
            del self.pending[unsent:]  # nothing after it reached the server
            self.unsent_rolled_back.add(sid)
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
