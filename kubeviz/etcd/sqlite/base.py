"""Django's SQLite backend, waiting for the write lock in short polls.

Every writer (the web process, the engine workers) starts its transactions with
``BEGIN IMMEDIATE``, which takes SQLite's one write lock or waits for it. SQLite's own
busy handler waits by sleeping 1, 2, 5, 10, 15, 20, 25… ms between tries, so a writer
that arrives while another holds the lock for 35 ms wakes after 53 ms: the steps, not the
work, set the tail latency of every API request. Here BEGIN alone polls every
``POLL_SECONDS`` with SQLite's handler off, then restores it for everything else.
"""
from __future__ import annotations

import sqlite3
import time

from django.db.backends.sqlite3 import base

POLL_SECONDS = 0.0005


class DatabaseWrapper(base.DatabaseWrapper):
    def _start_transaction_under_autocommit(self) -> None:
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
