"""The SQLite backend's BEGIN: a writer waits for the write lock by polling, and gives up
with Django's OperationalError once the configured timeout has passed."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from django.db import OperationalError, connections

from kubeviz.etcd.sqlite.base import DatabaseWrapper


def _wrapper(path, timeout: float) -> DatabaseWrapper:
    settings = dict(connections.settings["default"])
    settings.update(NAME=str(path), OPTIONS={"timeout": timeout, "transaction_mode": "IMMEDIATE"})
    return DatabaseWrapper(settings, alias="lock-test")


def _hold_lock(path, release: threading.Event, held: threading.Event) -> None:
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    held.set()
    release.wait(10)
    other.execute("COMMIT")
    other.close()


@pytest.fixture
def db_file(tmp_path, django_db_blocker):
    path = tmp_path / "lock.sqlite3"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (x INTEGER)")
    setup.commit()
    setup.close()
    # A database of the test's own, outside Django's test database.
    with django_db_blocker.unblock():
        yield path


def _in_thread(work):
    """Run ``work`` in a thread of its own: Django refuses a new connection in a thread
    where an event loop runs (as it does once the browser tests' Playwright has started)."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def test_a_writer_begins_once_the_lock_is_released(db_file):
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(db_file, release, held))
    holder.start()
    held.wait(5)

    def write() -> list[int]:
        db = _wrapper(db_file, timeout=10)
        threading.Timer(0.05, release.set).start()
        db.ensure_connection()
        db._start_transaction_under_autocommit()
        db.connection.execute("INSERT INTO t VALUES (2)")
        db.connection.execute("COMMIT")
        holder.join()
        rows = sorted(r[0] for r in db.connection.execute("SELECT x FROM t"))
        db.close()
        return rows

    assert _in_thread(write) == [1, 2]


def test_a_writer_gives_up_after_its_timeout(db_file):
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(db_file, release, held))
    holder.start()
    held.wait(5)

    def begin() -> int:
        db = _wrapper(db_file, timeout=0.05)
        db.ensure_connection()
        try:
            with pytest.raises(OperationalError, match="locked"):
                db._start_transaction_under_autocommit()
            # SQLite's own busy handler is back for every other statement.
            return db.connection.execute("PRAGMA busy_timeout").fetchone()[0]
        finally:
            db.close()

    try:
        assert _in_thread(begin) == 50
    finally:
        release.set()
        holder.join()
