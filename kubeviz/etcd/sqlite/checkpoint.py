"""WAL checkpoints on a thread of their own.

In WAL mode SQLite copies the log back into the database file (a checkpoint, with an
fsync) from inside whichever commit first finds the log past ``wal_autocheckpoint``
pages: with the default of 1,000 that was a third of the engine's commit time, spent
while holding the write lock. Here each process that writes runs one daemon thread per
database file that checkpoints ``PASSIVE`` (never waiting for, nor blocking, a reader or
writer) every ``INTERVAL_SECONDS``; sqlite3 releases the GIL meanwhile, so the work goes
to another core. Commits still checkpoint themselves past ``BACKSTOP_PAGES``, should the
thread fall behind or a process without it be the one writing.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

INTERVAL_SECONDS = 0.2
BACKSTOP_PAGES = 20_000

_lock = threading.Lock()
_threads: dict[str, threading.Thread] = {}
log = logging.getLogger(__name__)


def _is_file(name: object) -> bool:
    text = str(name)
    return bool(text) and text != ":memory:" and "mode=memory" not in text and not text.startswith("file::memory:")


def take_over(conn: sqlite3.Connection, name: object) -> None:
    """Make ``conn`` leave routine checkpoints to this process's checkpointer thread."""
    if not _is_file(name):
        return
    path = str(Path(str(name)).resolve())
    conn.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")
    with _lock:
        thread = _threads.get(path)
        if thread is not None and thread.is_alive():
            return
        thread = threading.Thread(target=_run, args=(path,), name=f"sqlite-checkpoint:{path}", daemon=True)
        _threads[path] = thread
        thread.start()


def _run(path: str) -> None:
    try:
        conn = sqlite3.connect(path, timeout=0, check_same_thread=False, isolation_level=None)
    except sqlite3.Error:
        log.exception("no checkpoints for %s: cannot open it", path)
        return
    try:
        while True:
            time.sleep(INTERVAL_SECONDS)
            if not Path(path).exists():
                return  # the database was removed (a test's, a benchmark's): nothing to keep
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.OperationalError:
                continue  # busy with another checkpoint: the next round
    finally:
        conn.close()
