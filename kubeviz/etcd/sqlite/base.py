"""Django's SQLite backend, tuned for one busy writer per cluster.

Every writer (the web process, the engine workers) starts its transactions with
``BEGIN IMMEDIATE``, which takes SQLite's one write lock or waits for it. SQLite's own
busy handler waits by sleeping 1, 2, 5, 10, 15, 20, 25… ms between tries, so a writer
that arrives while another holds the lock for 35 ms wakes after 53 ms: the steps, not the
work, set the tail latency of every API request. Here BEGIN alone polls every
``POLL_SECONDS`` with SQLite's handler off, then restores it for everything else.

While a transaction holds that lock nobody else can write, so the store keeps the
clusters' counters (``counters``, see ``kubeviz.etcd.counters``) and the entry rows it
read or wrote (``entry_rows``) until the transaction (or a savepoint) ends, instead of
reading them again: an update reads the row it is about to replace twice (the API
server's read, the store's compare-and-swap), and every create looks up its namespace.
Changed counters are written back before the commit, before each savepoint and before
anything that goes through Django's cursors. Savepoints go straight to sqlite3 rather
than through a Django cursor.
"""
from __future__ import annotations

import sqlite3
import time

from django.db.backends.sqlite3 import base

from . import checkpoint

POLL_SECONDS = 0.0005


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: (column, cluster id) → value, valid only inside the current write transaction
        self.counters: dict[tuple[str, int], int] = {}
        #: the counters changed since they were last written back
        self.dirty_counters: set[tuple[str, int]] = set()
        #: (cluster id, key) → the entry's row (None: no such key), likewise
        self.entry_rows: dict[tuple[int, str], tuple | None] = {}

    def forget(self) -> None:
        """Drop what the transaction remembered (it ended, or rolled back to a savepoint)."""
        self.counters.clear()
        self.dirty_counters.clear()
        self.entry_rows.clear()

    def write_back(self) -> None:
        """Store the counters this transaction changed."""
        if not self.dirty_counters:
            return
        for column, cluster_id in sorted(self.dirty_counters):
            self.connection.execute(
                f'UPDATE "etcd_cluster" SET "{column}" = ? WHERE "id" = ?', (self.counters[(column, cluster_id)], cluster_id),
            )
        self.dirty_counters.clear()

    def create_cursor(self, name: str | None = None) -> object:
        # The ORM reads and writes the clusters' rows too: they must see the counters.
        if self.dirty_counters and self.connection is not None:
            self.write_back()
        return super().create_cursor(name)

    def get_new_connection(self, conn_params: dict) -> sqlite3.Connection:
        conn = super().get_new_connection(conn_params)
        checkpoint.take_over(conn, self.settings_dict["NAME"])
        return conn

    def _start_transaction_under_autocommit(self) -> None:
        self.forget()
        begin = "BEGIN" if self.transaction_mode is None else f"BEGIN {self.transaction_mode}"
        raw = self.connection
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        deadline = time.monotonic() + timeout
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    raw.execute(begin)
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() >= deadline:
                        with self.wrap_database_errors:
                            raise
                time.sleep(POLL_SECONDS)
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")

    def _commit(self) -> None:
        if self.connection is not None:
            with self.wrap_database_errors:
                self.write_back()
        self.forget()
        return super()._commit()

    def _rollback(self) -> None:
        self.forget()
        return super()._rollback()

    def _savepoint(self, sid: str) -> None:
        with self.wrap_database_errors:
            self.write_back()  # rolling back to the savepoint must find them as they are now
            self.connection.execute(self.ops.savepoint_create_sql(sid))

    def _savepoint_rollback(self, sid: str) -> None:
        self.forget()
        with self.wrap_database_errors:
            self.connection.execute(self.ops.savepoint_rollback_sql(sid))

    def _savepoint_commit(self, sid: str) -> None:
        with self.wrap_database_errors:
            self.connection.execute(self.ops.savepoint_commit_sql(sid))
