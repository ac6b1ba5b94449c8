"""Raw SQL for the store's hot paths, portable between SQLite and PostgreSQL.

The engine writes a handful of rows for every action (entry, change, steps); through the
ORM each costs more Python than the database work itself, so the write path speaks SQL
directly. Everything here runs on Django's connection, inside Django's transactions.

On SQLite the statements go straight to the ``sqlite3`` connection under Django's: its
cursor wrapper rewrites every ``%s`` with a regular expression and adds three layers of
calls per statement, which together cost more than SQLite's own work for these small
rows. Statements are written with ``%s`` placeholders once and translated once.
"""
from __future__ import annotations

import functools
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

import orjson
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

T = TypeVar("T")


@lru_cache(maxsize=512)
def _qmark(sql: str) -> str:
    """``%s`` placeholders as sqlite3's ``?`` (no statement here has a literal ``%``)."""
    return sql.replace("%s", "?")


_thread = threading.local()


def db() -> BaseDatabaseWrapper:
    """This thread's Django connection. ``connections[...]`` goes through asgiref's
    context-aware locals on every call (a twentieth of the engine's time, with the
    transactions' own lookups); a connection belongs to its thread for life, so each
    thread looks it up once. Django code runs in threads, never on an event loop."""
    found = getattr(_thread, "db", None)
    if found is None:
        found = _thread.db = connections[DEFAULT_DB_ALIAS]
    return found


def joins_transaction(func: Callable[..., T]) -> Callable[..., T]:
    """Run ``func`` in the caller's transaction if there is one (without a savepoint of
    its own), else in a transaction of its own. For writes that check everything before
    their first change and raise nothing after it: a savepoint would have nothing to undo,
    and savepoints were a twentieth of the engine's time."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        if db().in_atomic_block:
            return func(*args, **kwargs)
        with transaction.atomic():
            return func(*args, **kwargs)

    return wrapper


_SAVEPOINTS = itertools.count(1)


@contextmanager
def savepoint() -> Iterator[None]:
    """``transaction.atomic()`` inside a transaction, for one engine action: what fails
    inside is undone, the rest of the transaction stays. On SQLite the savepoint goes
    straight to sqlite3: Django's bookkeeping around it cost more than the statements,
    at several actions per pod. (It does what Django does on a failure: roll back to the
    savepoint, forget what the transaction remembered, and clear ``needs_rollback``, which
    a failed ORM write inside may have set.)"""
    db_ = db()
    if db_.vendor != "sqlite" or not db_.in_atomic_block or not hasattr(db_, "write_back"):
        with transaction.atomic():
            yield
        return
    name = f'"kv{next(_SAVEPOINTS)}"'
    needed_rollback = db_.needs_rollback
    db_.write_back()  # rolling back to the savepoint must find the counters as they are now
    raw = db_.connection
    raw.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        if db_.connection is raw:
            raw.execute(f"ROLLBACK TO SAVEPOINT {name}")
            raw.execute(f"RELEASE SAVEPOINT {name}")
            db_.forget()
            db_.needs_rollback = needed_rollback
        raise
    raw.execute(f"RELEASE SAVEPOINT {name}")


def _sqlite() -> Any:
    """The raw sqlite3 connection under Django's, or None on another database."""
    db_ = db()
    if db_.vendor != "sqlite":
        return None
    raw = db_.connection
    if raw is None:
        db_.ensure_connection()
        raw = db_.connection
    return raw


@contextmanager
def _cursor() -> Iterator[Any]:
    """A cursor for the store's statements on a database other than kubeviz's own backends."""
    with connection.cursor() as cursor:
        yield cursor


def _batching() -> Any:
    """kubeviz's PostgreSQL backend, which sends the statements waiting for a round trip
    with the next one (``kubeviz.etcd.postgresql``), or None."""
    db_ = db()
    return db_ if hasattr(db_, "later") else None


def one(sql: str, params: tuple | list = ()) -> tuple | None:
    """Run one statement; its first row, if it returns rows (SELECT, RETURNING)."""
    raw = _sqlite()
    if raw is not None:
        cursor = raw.execute(_qmark(sql), params)
        return cursor.fetchone() if cursor.description else None
    pg = _batching()
    if pg is not None:
        cursor = pg.query(sql, params)
        return cursor.fetchone() if cursor.description else None
    with _cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


def count(sql: str, params: tuple | list = ()) -> int:
    """Run one write; how many rows it touched (an ``ON CONFLICT DO NOTHING`` insert: 0 or 1)."""
    raw = _sqlite()
    if raw is not None:
        return raw.execute(_qmark(sql), params).rowcount
    pg = _batching()
    if pg is not None:
        return pg.query(sql, params).rowcount
    with _cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def rows(sql: str, params: tuple | list = ()) -> list[tuple]:
    """Run one query; all its rows."""
    raw = _sqlite()
    if raw is not None:
        return raw.execute(_qmark(sql), params).fetchall()
    pg = _batching()
    if pg is not None:
        return pg.query(sql, params).fetchall()
    with _cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def many(sql: str, param_rows: list[tuple]) -> None:
    """Run one statement for each row of parameters (an INSERT of a batch)."""
    if not param_rows:
        return
    raw = _sqlite()
    if raw is not None:
        raw.executemany(_qmark(sql), param_rows)
        return
    pg = _batching()
    if pg is not None:
        pg.query(sql, param_rows, many=True)
        return
    with _cursor() as cursor:
        cursor.executemany(sql, param_rows)


def defers_writes() -> bool:
    """Whether ``later`` holds writes for the next round trip here (kubeviz's PostgreSQL
    backend, inside a transaction) rather than running them at once."""
    pg = _batching()
    return pg is not None and pg.in_atomic_block


def later(sql: str, params: tuple | list = ()) -> None:
    """Run a write whose result nobody reads. On PostgreSQL inside a transaction it waits
    for the next round trip (the next read, or the commit); elsewhere it runs now."""
    pg = _batching()
    if pg is not None:
        pg.later(sql, params)
        return
    one(sql, params)


def later_many(sql: str, param_rows: list[tuple]) -> None:
    """``many``, for a batch whose result nobody reads (see ``later``)."""
    if not param_rows:
        return
    pg = _batching()
    if pg is not None:
        pg.later(sql, param_rows, many=True)
        return
    many(sql, param_rows)


def json_placeholder() -> str:
    """A parameter a JSON column accepts: jsonb wants an explicit cast from text."""
    return "%s::jsonb" if _vendor() == "postgresql" else "%s"


def json_member(column: str) -> str:
    """SQL for a top-level member of a JSON column as text, taking the member's name as its
    one parameter (a string member; for filters that spare decoding every row)."""
    if _vendor() == "postgresql":
        return f'("{column}" ->> %s)'
    return f"json_extract(\"{column}\", '$.\"' || %s || '\"')"


def dumps(value: Any) -> str | None:
    """Compact JSON text. orjson is several times faster than the standard library; what
    it refuses (integers beyond 64 bits, non-string keys) goes the standard way."""
    if value is None:
        return None
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"))


def text(raw: Any) -> str | None:
    """A JSON column's value as JSON text, to copy into another row without decoding it
    (SQLite already returns text; psycopg returns decoded jsonb)."""
    if raw is None or isinstance(raw, str):
        return raw
    if isinstance(raw, bytes):
        return raw.decode()
    return dumps(raw)


def loads(raw: Any) -> Any:
    """A JSON column's value as Python: SQLite returns text, psycopg already-decoded jsonb."""
    if raw is None or not isinstance(raw, (str, bytes)):
        return raw
    try:
        # Twice as fast as json.loads, which was the largest cost of listing 1,000 pods.
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)  # what orjson refuses: integers beyond 64 bits, NaN


def datetime_param(value: Any) -> Any:
    """A datetime as the database column takes it. On SQLite, Django stores naive UTC text
    (``str()`` of the naive datetime); an aware UTC datetime is turned into that directly.
    Steps and log lines come in runs of one simulated instant: the last one is kept."""
    global _last_param
    last = _last_param
    if last is not None and last[0] is value:
        return last[1]
    if isinstance(value, datetime) and value.tzinfo is UTC and _vendor() == "sqlite":
        param: Any = value.isoformat(" ")[:-6]  # str() of the naive datetime, less "+00:00"
    else:
        param = connection.ops.adapt_datetimefield_value(value)
    _last_param = (value, param)
    return param


_last_param: tuple[Any, Any] | None = None


@lru_cache(maxsize=1)
def _vendor() -> str:
    """The database's vendor: fixed for the life of the process (settings choose it)."""
    return connections[DEFAULT_DB_ALIAS].vendor


def locks_rows() -> bool:
    """Whether writers must take the cluster row lock themselves. SQLite's IMMEDIATE
    transactions already hold the database's only write lock; PostgreSQL needs FOR UPDATE."""
    return _vendor() != "sqlite"


#: The PostgreSQL channel on which a transaction that wrote steps announces its cluster's
#: new step head; each Daphne's ``PgCommitWatcher`` listens. A notification is either
#: "<cluster id>:<head seq>" or, carrying the steps themselves (``steps_payloads``),
#: "<cluster id>:<prev seq>:<last seq>:<JSON array of the steps prev < seq <= last>".
STEPS_CHANNEL = "kubeviz_steps"
#: PostgreSQL refuses a notification payload of 8,000 bytes or more.
PAYLOAD_MAX = 7900


def steps_payloads(cluster_id: int, steps: list[dict] | None, head: int | None) -> list[str]:
    """The notifications announcing a cluster's newly committed ``steps`` (messages in seq
    order, or None when they are unknown): as many carrying steps as they fill, then the
    head alone for what does not fit, so that the listening Daphnes read nothing back."""
    out: list[str] = []
    if steps:
        encoded = [orjson.dumps(step) for step in steps]
        i = 0
        while i < len(encoded):
            prev = steps[i]["seq"] - 1
            chunk: list[bytes] = []
            size = 40
            while i < len(encoded) and size + len(encoded[i]) + 1 < PAYLOAD_MAX:
                chunk.append(encoded[i])
                size += len(encoded[i]) + 1
                i += 1
            if not chunk:
                break  # one step too big to carry: the head says the rest
            last = steps[i - 1]["seq"]
            out.append(f"{cluster_id}:{prev}:{last}:[" + b",".join(chunk).decode() + "]")
        if i == len(encoded):
            return out
        head = steps[-1]["seq"]
    out.append(f"{cluster_id}:{'' if head is None else head}")
    return out


def steps_announce(cluster_id: int, head: int, steps: list[dict] | None = None) -> None:
    """Tell the listening Daphnes that the cluster's steps up to ``head`` are written
    (``steps``: the written ones as streamed, for the notification to carry). On
    PostgreSQL a NOTIFY inside the transaction is delivered when it commits (never if it
    rolls back), exactly when the steps become visible; SQLite's watchers look at the
    database file instead."""
    if _vendor() != "postgresql":
        return
    db_ = db()
    if db_.in_atomic_block and hasattr(db_, "announce"):
        db_.announce_steps(cluster_id, steps)  # sent with the commit, in its round trip
        return
    for payload in steps_payloads(cluster_id, steps, head):
        one("SELECT pg_notify(%s, %s)", (STEPS_CHANNEL, payload))
