"""The store's operations, with etcd's semantics.

One revision counter per cluster, bumped by every put and delete. Each entry keeps
``create_revision``, ``mod_revision`` and ``version``. Every write appends to the change
log, so any reader can watch from revision N until compaction removes that history
(periodically, as kube-apiserver asks etcd to: ``kubeviz.apiserver.compaction``).
Values are stored as given; the API server stamps ``resourceVersion`` from
``mod_revision`` when it reads, as Kubernetes' etcd3 storage does.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from kubeviz.clusters.models import Cluster

from . import counters, fencing, sql
from .models import Change


class StoreError(Exception):
    """Base class of the store's refusals."""


class KeyExists(StoreError):
    pass


class KeyNotFound(StoreError):
    pass


class RevisionMismatch(StoreError):
    """A compare-and-swap named a mod_revision that is no longer current."""

    def __init__(self, expected: int, actual: int):
        super().__init__(f"expected mod_revision {expected}, found {actual}")
        self.expected = expected
        self.actual = actual


class Compacted(StoreError):
    """The requested history is gone: etcd's ErrCompacted, Kubernetes' 410 Expired."""

    def __init__(self, requested: int, compacted: int):
        super().__init__(f"required revision {requested} has been compacted ({compacted})")
        self.requested = requested
        self.compacted = compacted


@dataclass(frozen=True)
class Index:
    """Columns kept beside the JSON so common queries need no JSON scan."""

    resource: str
    name: str
    namespace: str = ""
    uid: str = ""
    node_name: str = ""
    owner_uid: str = ""

    def columns(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "namespace": self.namespace,
            "name": self.name,
            "uid": self.uid,
            "node_name": self.node_name,
            "owner_uid": self.owner_uid,
        }


@dataclass(frozen=True)
class KeyValue:
    key: str
    value: dict[str, Any]
    create_revision: int
    mod_revision: int
    version: int


@dataclass(frozen=True)
class Event:
    """One change-log record: a put (with the value before, if any) or a delete."""

    type: str
    key: str
    revision: int
    value: dict[str, Any]
    prev_value: dict[str, Any] | None


_ENTRY = 'SELECT "key", "value", "create_revision", "mod_revision", "version", "id", "resource", "namespace" FROM "etcd_entry"'


def _row_kv(row: tuple) -> KeyValue:
    return KeyValue(row[0], sql.loads(row[1]), row[2], row[3], row[4])


def _lock(cluster_id: int) -> int:
    """Serialise this cluster's writers until commit, and check the writing worker's lease
    (``fencing``); returns the current revision (a row lock on PostgreSQL; SQLite's
    IMMEDIATE transactions already hold the write lock)."""
    revision = _lock_row(cluster_id)
    fencing.check(cluster_id)
    return revision


def hold(cluster_id: int) -> None:
    """Take the cluster's write lock now, for a transaction that is about to write: on
    PostgreSQL its reads are then answered from what the transaction remembers (counters,
    entry rows, its own change-log records) instead of a round trip each. Nothing on
    SQLite, whose write transactions hold the lock from their start."""
    if sql.locks_rows() and sql.db().in_atomic_block:
        _lock(cluster_id)


def _lock_row(cluster_id: int) -> int:
    if sql.locks_rows():
        db = sql.db()
        if db.in_atomic_block and hasattr(db, "lock"):
            db.lock(cluster_id)  # kubeviz's PostgreSQL backend: the counters come with the lock
            return counters.read(cluster_id, counters.REVISION)
        row = sql.one('SELECT "revision" FROM "etcd_cluster" WHERE "id" = %s FOR UPDATE', (cluster_id,))
        if row is None:
            raise Cluster.DoesNotExist(cluster_id)
        return row[0]
    return counters.read(cluster_id, counters.REVISION)


def _set_revision(cluster_id: int, rev: int) -> None:
    """Move the cluster's revision to ``rev`` (the lock taken by ``_lock`` is still held)."""
    counters.write(cluster_id, counters.REVISION, rev)


def _known_rows() -> dict[tuple[int, str], tuple | None] | None:
    """Entry rows this transaction already read or wrote (kept by the SQLite backend, as
    the counters are: see ``kubeviz.etcd.counters``)."""
    db = sql.db()
    return getattr(db, "entry_rows", None) if db.in_atomic_block else None


_UNKNOWN = object()


def _entry_row(cluster_id: int, key: str) -> tuple | None:
    known = _known_rows()
    if known is not None:
        found = known.get((cluster_id, key), _UNKNOWN)
        if found is not _UNKNOWN:
            return found  # type: ignore[return-value]
    row = sql.one(_ENTRY + ' WHERE "cluster_id" = %s AND "key" = %s', (cluster_id, key))
    if known is not None:
        known[(cluster_id, key)] = row
    return row


def _written(cluster_id: int) -> tuple[int, list[tuple]] | None:
    """The change-log records this transaction wrote to a cluster whose row it locked, and
    the revision they follow (kept by the PostgreSQL backend: every record after it is
    there, as nobody else may write the cluster while the lock is held)."""
    db = sql.db()
    written = getattr(db, "written", None)
    return written.get(cluster_id) if written is not None and db.in_atomic_block else None


def _forget_cluster(cluster_id: int) -> None:
    """Forget what this transaction remembered of a cluster's rows (a bulk change)."""
    counters.counts_forget(cluster_id)
    known = _known_rows()
    if hasattr(known, "forget_cluster"):
        known.forget_cluster(cluster_id)  # type: ignore[union-attr]
    elif known is not None:
        for stale in [k for k in known if k[0] == cluster_id]:
            del known[stale]
    db = sql.db()
    if getattr(db, "written", None) is not None:
        db.written.pop(cluster_id, None)


def _remember_row(cluster_id: int, key: str, row: tuple | None) -> None:
    known = _known_rows()
    if known is not None:
        known[(cluster_id, key)] = row


def _check(row: tuple | None, key: str, expected_mod_revision: int | None) -> StoreError | None:
    """Why a write to an existing key must be refused, if it must."""
    if row is None:
        return KeyNotFound(key)
    if expected_mod_revision is not None and row[3] != expected_mod_revision:
        return RevisionMismatch(expected_mod_revision, row[3])
    return None


def _note_change(cluster_id: int, rev: int, key: str, resource: str, namespace: str, type_: str,
                 value: str, prev: str | None) -> None:
    """What the transaction remembers of a write it logs (its own change records, and that
    its lists of ``resource`` are out of date)."""
    written = _written(cluster_id)
    if written is not None:
        written[1].append((rev, type_, key, resource, namespace, value, prev))
    known = _known_rows()
    if hasattr(known, "written"):
        known.written(cluster_id, resource)  # type: ignore[union-attr]


def _append_change(cluster_id: int, rev: int, key: str, resource: str, namespace: str, type_: str,
                   value: str, prev: str | None) -> None:
    """Log a write; ``value`` and ``prev`` are JSON text (the entry's own, never re-encoded)."""
    _note_change(cluster_id, rev, key, resource, namespace, type_, value, prev)
    j = sql.json_placeholder()
    sql.later(
        'INSERT INTO "etcd_change" ("cluster_id", "revision", "key", "resource", "namespace", "type", "value", "prev_value") '
        f"VALUES (%s, %s, %s, %s, %s, %s, {j}, {j})",
        (cluster_id, rev, key, resource, namespace, type_, value, prev),
    )


# Like a failed etcd transaction, a refused write uses no revision and writes nothing: it
# raises before its first statement that changes anything, so the caller's transaction
# stays usable without a savepoint of the store's own.
_write = sql.joins_transaction


def current_revision(cluster_id: int) -> int:
    return counters.read(cluster_id, counters.REVISION)


def get(cluster_id: int, key: str) -> KeyValue | None:
    row = _entry_row(cluster_id, key)
    return _row_kv(row) if row else None


def get_by_uid(cluster_id: int, uid: str) -> KeyValue | None:
    row = sql.one(_ENTRY + ' WHERE "cluster_id" = %s AND "uid" = %s LIMIT 1', (cluster_id, uid))
    return _row_kv(row) if row else None


def range_(
    cluster_id: int,
    resource: str,
    *,
    namespace: str | None = None,
    name: str | None = None,
    node_name: str | None = None,
    owner_uid: str | None = None,
    after_key: str | None = None,
    limit: int | None = None,
    fields: dict[str, str] | None = None,
) -> list[KeyValue]:
    """Entries of one resource in key order, optionally narrowed by the index columns, and
    by top-level string ``fields`` of the value (an Event's ``reason``) in the database.

    Raw SQL, as the write path: a list of 1,000 pods through the ORM spent most of its
    time building model instances."""
    where = ['"cluster_id" = %s', '"resource" = %s']
    params: list[Any] = [cluster_id, resource]
    for column, value in (("namespace", namespace), ("name", name), ("node_name", node_name), ("owner_uid", owner_uid)):
        if value is not None:
            where.append(f'"{column}" = %s')
            params.append(value)
    if after_key is not None:
        where.append('"key" > %s')
        params.append(after_key)
    for member, value in (fields or {}).items():
        where.append(f"{sql.json_member('value')} = %s")
        params += [member, value]
    query = f'{_ENTRY} WHERE {" AND ".join(where)} ORDER BY "key"'
    if limit is not None:
        query += " LIMIT %s"
        params.append(limit)
    known = _known_rows()
    if not hasattr(known, "range_get"):
        return [_row_kv(row) for row in sql.rows(query, params)]
    # PostgreSQL, the cluster locked: a short list is remembered until its resource is written.
    args = (resource, namespace, name, node_name, owner_uid, after_key, limit, tuple(sorted((fields or {}).items())))
    rows = known.range_get(cluster_id, args)  # type: ignore[union-attr]
    if rows is None:
        rows = sql.rows(query, params)
        if len(rows) <= _RANGE_KEPT:
            known.range_put(cluster_id, args, rows)  # type: ignore[union-attr]
    return [_row_kv(row) for row in rows]


#: the longest ``range_`` result a PostgreSQL write transaction remembers
_RANGE_KEPT = 20


def names(cluster_id: int, resource: str) -> list[str]:
    """The names of every entry of ``resource``, without their values."""
    return [row[0] for row in sql.rows('SELECT "name" FROM "etcd_entry" WHERE "cluster_id" = %s AND "resource" = %s',
                                       (cluster_id, resource))]


def count(cluster_id: int, resource: str, namespace: str | None = None) -> int:
    """How many entries of ``resource`` there are (in ``namespace``); a whole resource's
    count is kept by a write transaction (``counters.count_get``)."""
    if namespace is not None:
        return sql.one('SELECT COUNT(*) FROM "etcd_entry" WHERE "cluster_id" = %s AND "resource" = %s '
                       'AND "namespace" = %s', (cluster_id, resource, namespace))[0]
    found = counters.count_get(cluster_id, resource)
    if found is None:
        found = sql.one('SELECT COUNT(*) FROM "etcd_entry" WHERE "cluster_id" = %s AND "resource" = %s',
                        (cluster_id, resource))[0]
        counters.count_put(cluster_id, resource, found)
    return found


@_write
def create(cluster_id: int, key: str, value: dict[str, Any], index: Index, *, blind: bool = False) -> KeyValue:
    """Put a key that must not exist yet (etcd txn: create_revision == 0).

    ``blind``: the writer will not wait to hear whether the key existed (an Event, which
    the recorder drops when the server refuses it). On PostgreSQL inside a transaction the
    insert, and its change record only if the insert happened, then travel with the next
    round trip instead of costing one of their own; a key that existed stays as it was,
    its revision unused. Elsewhere it is an ordinary create."""
    rev = _lock(cluster_id) + 1
    text = sql.dumps(value)
    j = sql.json_placeholder()
    # The insert itself is the existence check (etcd: create_revision == 0).
    insert = (
        'INSERT INTO "etcd_entry" ("cluster_id", "key", "resource", "namespace", "name", "uid", "node_name", '
        '"owner_uid", "value", "create_revision", "mod_revision", "version") '
        f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, {j}, %s, %s, 1) "
        'ON CONFLICT ("cluster_id", "key") DO NOTHING'
    )
    params = (cluster_id, key, index.resource, index.namespace, index.name, index.uid, index.node_name,
              index.owner_uid, text, rev, rev)
    if blind and sql.defers_writes():
        sql.later(
            f'WITH "created" AS ({insert} RETURNING 1) INSERT INTO "etcd_change" ("cluster_id", "revision", "key", '
            f'"resource", "namespace", "type", "value", "prev_value") SELECT %s, %s, %s, %s, %s, %s, {j}, NULL FROM "created"',
            (*params, cluster_id, rev, key, index.resource, index.namespace, Change.PUT, text),
        )
        known = _known_rows()
        if known is not None:
            known.pop((cluster_id, key), None)  # read afresh if asked for: it may not be there
        counters.count_forget(cluster_id, index.resource)
        _set_revision(cluster_id, rev)
        _note_change(cluster_id, rev, key, index.resource, index.namespace, Change.PUT, text, None)
        return KeyValue(key, value, rev, rev, 1)
    if sql.locks_rows():
        # PostgreSQL: remember the new row, id and all, so that writing it next costs no read.
        found = sql.one(insert + ' RETURNING "id"', params)
        inserted = found is not None
        if found is not None:
            _remember_row(cluster_id, key, (key, text, rev, rev, 1, found[0], index.resource, index.namespace))
    else:
        inserted = sql.count(insert, params)
        known = _known_rows()
        if inserted and known is not None:
            known.pop((cluster_id, key), None)  # read afresh (with its id) if asked for
    if inserted:
        _set_revision(cluster_id, rev)
        counters.count_move(cluster_id, index.resource, +1)
        _append_change(cluster_id, rev, key, index.resource, index.namespace, Change.PUT, text, None)
        return KeyValue(key, value, rev, rev, 1)
    raise KeyExists(key)


@_write
def update(
    cluster_id: int,
    key: str,
    value: dict[str, Any],
    index: Index,
    *,
    expected_mod_revision: int | None = None,
) -> KeyValue:
    """Replace an existing key, optionally only if its mod_revision is still the one read."""
    rev = _lock(cluster_id) + 1
    row = _entry_row(cluster_id, key)
    refused = _check(row, key, expected_mod_revision)
    if refused is None:
        assert row is not None
        text = sql.dumps(value)
        j = sql.json_placeholder()
        sql.later(
            f'UPDATE "etcd_entry" SET "value" = {j}, "mod_revision" = %s, "version" = %s, "resource" = %s, '
            '"namespace" = %s, "name" = %s, "uid" = %s, "node_name" = %s, "owner_uid" = %s '
            'WHERE "id" = %s',
            (text, rev, row[4] + 1, index.resource, index.namespace, index.name, index.uid,
             index.node_name, index.owner_uid, row[5]),
        )
        _remember_row(cluster_id, key, (key, text, row[2], rev, row[4] + 1, row[5], index.resource, index.namespace))
        _set_revision(cluster_id, rev)
        _append_change(cluster_id, rev, key, index.resource, index.namespace, Change.PUT, text, sql.text(row[1]))
        return KeyValue(key, value, row[2], rev, row[4] + 1)
    raise refused


@_write
def delete(cluster_id: int, key: str, *, expected_mod_revision: int | None = None) -> KeyValue:
    """Delete a key; returns the deleted value with the delete's revision as mod_revision."""
    rev = _lock(cluster_id) + 1
    row = _entry_row(cluster_id, key)
    refused = _check(row, key, expected_mod_revision)
    if refused is None:
        assert row is not None
        sql.later('DELETE FROM "etcd_entry" WHERE "id" = %s', (row[5],))
        counters.count_move(cluster_id, row[6], -1)
        _remember_row(cluster_id, key, None)
        _set_revision(cluster_id, rev)
        text = sql.text(row[1])
        _append_change(cluster_id, rev, key, row[6], row[7], Change.DELETE, text, text)
        value = sql.loads(row[1])
        return KeyValue(key, value, row[2], rev, row[4])
    raise refused


def changes(
    cluster_id: int,
    after_revision: int,
    *,
    resources: Iterable[str] | None = None,
    namespace: str | None = None,
    up_to: int | None = None,
    limit: int = 1000,
    with_prev: bool = True,
) -> list[Event]:
    """Change-log records with revision > after_revision, oldest first (without the value
    before each put unless ``with_prev``: a reader with a cache has it already).

    Raises Compacted when records after ``after_revision`` may already be gone.
    """
    compacted = counters.read(cluster_id, counters.COMPACTED_REVISION)
    if after_revision < compacted:
        raise Compacted(after_revision, compacted)
    written = _written(cluster_id)
    if written is not None and after_revision >= written[0]:
        # All of it was written by this transaction: no round trip to read it back.
        wanted = None if resources is None else set(resources)
        return [
            Event("DELETED" if t == Change.DELETE else "PUT", k, r, sql.loads(v), sql.loads(p) if with_prev else None)
            for r, t, k, res, ns, v, p in written[1]
            if r > after_revision and (up_to is None or r <= up_to) and (wanted is None or res in wanted)
            and (not namespace or ns == namespace)
        ][:limit]
    where = ['"cluster_id" = %s', '"revision" > %s']
    params: list[Any] = [cluster_id, after_revision]
    if resources is not None:
        names = list(resources)
        if not names:
            return []
        where.append('"resource" IN (' + ", ".join(["%s"] * len(names)) + ")")
        params += names
    if namespace:
        where.append('"namespace" = %s')
        params.append(namespace)
    if up_to is not None:
        where.append('"revision" <= %s')
        params.append(up_to)
    params.append(limit)
    prev = '"prev_value"' if with_prev else "NULL"
    rows = sql.rows(
        f'SELECT "type", "key", "revision", "value", {prev} FROM "etcd_change" WHERE '
        + " AND ".join(where) + ' ORDER BY "revision" LIMIT %s',
        params,
    )
    return [
        Event("DELETED" if t == Change.DELETE else "PUT", k, r, sql.loads(v), sql.loads(p))
        for t, k, r, v, p in rows
    ]


def key_history(cluster_id: int, key: str, resource: str, after_revision: int, *, limit: int = 10000) -> tuple[list[Event], int]:
    """One key's change-log records with revision > after_revision, oldest first, and the
    compacted revision when records after ``after_revision`` may be gone (else 0): what is
    left is returned rather than refused, for readers that can say what they miss."""
    compacted = counters.read(cluster_id, counters.COMPACTED_REVISION)
    missing = compacted if after_revision < compacted else 0
    rows = sql.rows(
        'SELECT "type", "revision", "value" FROM "etcd_change" WHERE "cluster_id" = %s AND "resource" = %s '
        'AND "revision" > %s AND "key" = %s ORDER BY "revision" LIMIT %s',
        (cluster_id, resource, max(after_revision, compacted), key, limit),
    )
    return [Event("DELETED" if t == Change.DELETE else "PUT", key, r, sql.loads(v), None) for t, r, v in rows], missing


@transaction.atomic(savepoint=False)
def compact(cluster_id: int, revision: int, *, batch: int | None = None) -> int:
    """Forget change-log history at and below ``revision`` (etcd's compaction); returns how
    many records were deleted.

    Readers see the compaction at once (``Compacted``). With ``batch`` at most that many
    records go per call, the oldest first, so a writer never waits for a long delete; call
    again (any ``revision``, e.g. 0) until it returns less than ``batch`` to sweep the rest.
    """
    compacted = counters.read(cluster_id, counters.COMPACTED_REVISION)
    if revision > compacted:
        counters.write(cluster_id, counters.COMPACTED_REVISION, revision)
        compacted = revision
    if batch is None:
        return sql.count('DELETE FROM "etcd_change" WHERE "cluster_id" = %s AND "revision" <= %s', (cluster_id, compacted))
    first = sql.one('SELECT MIN("revision") FROM "etcd_change" WHERE "cluster_id" = %s', (cluster_id,))
    if not first or first[0] is None or first[0] > compacted:
        return 0
    return sql.count(
        'DELETE FROM "etcd_change" WHERE "cluster_id" = %s AND "revision" <= %s AND "revision" < %s',
        (cluster_id, compacted, first[0] + batch),
    )


@transaction.atomic(savepoint=False)
def wipe(cluster_id: int) -> int:
    """Delete every key and the whole change log, keeping the revision: etcd's revision
    never goes back, so a watcher from before the wipe gets 410 Gone and relists instead
    of silently waiting for revisions it already saw. The revision is bumped by one first
    (``etcdctl snapshot restore --bump-revision --mark-compacted``, as Kubernetes advises
    for restores): a watcher that had seen the very last revision is told to relist too,
    rather than get the next objects as ADDED and never hear the old ones went. Returns
    the compacted revision."""
    revision = _lock(cluster_id) + 1
    _set_revision(cluster_id, revision)
    sql.one('DELETE FROM "etcd_entry" WHERE "cluster_id" = %s', (cluster_id,))
    sql.one('DELETE FROM "etcd_change" WHERE "cluster_id" = %s', (cluster_id,))
    _forget_cluster(cluster_id)
    counters.write(cluster_id, counters.COMPACTED_REVISION, revision)
    return revision


def last_revisions(cluster_id: int, keys: Iterable[str], *, at: int) -> dict[str, int]:
    """Each key's newest change-log revision at or below ``at`` (its mod_revision then),
    for the keys whose change is still in the log."""
    wanted = list(keys)
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows = sql.rows(
            'SELECT "key", MAX("revision") FROM "etcd_change" WHERE "cluster_id" = %s AND "revision" <= %s '
            'AND "key" IN (' + ", ".join(["%s"] * len(chunk)) + ') GROUP BY "key"',
            [cluster_id, at, *chunk],
        )
        found.update({key: rev for key, rev in rows})
    return found


#: The columns of an entry as ``dump`` hands them out and ``load`` takes them back.
DUMP_COLUMNS = ("key", "resource", "namespace", "name", "uid", "node_name", "owner_uid", "value",
                "create_revision", "mod_revision", "version")


def dump(cluster_id: int) -> list[list[Any]]:
    """Every entry of the cluster (``DUMP_COLUMNS``, the value as JSON text), in key order:
    what ``etcdctl snapshot save`` writes, minus the history."""
    cols = ", ".join(f'"{c}"' for c in DUMP_COLUMNS)
    rows = sql.rows(f'SELECT {cols} FROM "etcd_entry" WHERE "cluster_id" = %s ORDER BY "key"', (cluster_id,))
    return [[*row[:7], sql.text(row[7]), *row[8:]] for row in rows]


@_write
def load(cluster_id: int, rows: list[list[Any]], *, keep_revisions: bool) -> int:
    """Write dumped entries into a cluster that holds none, as ``etcdctl snapshot restore``
    does. ``keep_revisions`` (a new cluster, a clone): every entry keeps its revisions and
    the cluster's revision becomes the highest, with no history before it (a watch from
    earlier gets 410 Gone). Otherwise (restoring into a cluster whose revision must not go
    back) each entry is created afresh at a new revision, as puts the change log records.
    Returns the cluster's revision afterwards."""
    if not keep_revisions:
        for row in rows:
            key, resource, namespace, name, uid, node_name, owner_uid, value = row[:8]
            create(cluster_id, key, sql.loads(value), Index(resource, name, namespace, uid, node_name, owner_uid))
        return current_revision(cluster_id)
    revision = max([_lock(cluster_id), *(row[9] for row in rows)])
    j = sql.json_placeholder()
    cols = ", ".join(f'"{c}"' for c in DUMP_COLUMNS)
    sql.many(
        f'INSERT INTO "etcd_entry" ("cluster_id", {cols}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, {j}, %s, %s, %s)',
        [(cluster_id, *row) for row in rows],
    )
    _forget_cluster(cluster_id)
    _set_revision(cluster_id, revision)
    counters.write(cluster_id, counters.COMPACTED_REVISION, revision)
    return revision


@_write
def purge(cluster_id: int, batch: int) -> int:
    """Delete up to ``batch`` of the cluster's entries or change-log rows (entries first);
    returns how many went. Deleting a big cluster in short transactions keeps other
    clusters' writers from waiting on one long one (SQLite has a single write lock)."""
    for table in ("etcd_entry", "etcd_change"):
        gone = sql.count(
            f'DELETE FROM "{table}" WHERE "id" IN (SELECT "id" FROM "{table}" WHERE "cluster_id" = %s LIMIT %s)',
            (cluster_id, batch),
        )
        if gone:
            _forget_cluster(cluster_id)
            if sql.locks_rows():
                # Other processes' transactions trust the rows they kept while the revision
                # stays put (kubeviz.etcd.postgresql): tell them these went.
                _set_revision(cluster_id, _lock(cluster_id) + 1)
            return gone
    return 0
