"""The store's operations, with etcd's semantics.

One revision counter per cluster, bumped by every put and delete. Each entry keeps
``create_revision``, ``mod_revision`` and ``version``. Every write appends to the change
log, so any reader can watch from revision N until compaction removes that history.
Values are stored as given; the API server stamps ``resourceVersion`` from
``mod_revision`` when it reads, as Kubernetes' etcd3 storage does.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from .models import Change, Cluster, Entry


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
    labels: dict[str, str] = field(default_factory=dict)

    def columns(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "namespace": self.namespace,
            "name": self.name,
            "uid": self.uid,
            "node_name": self.node_name,
            "owner_uid": self.owner_uid,
            "labels": self.labels,
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


def _kv(entry: Entry) -> KeyValue:
    return KeyValue(entry.key, entry.value, entry.create_revision, entry.mod_revision, entry.version)


def _lock(cluster_id: int) -> None:
    """Serialise this cluster's writers until commit (a row lock on PostgreSQL; SQLite's
    IMMEDIATE transactions already hold the database's write lock)."""
    Cluster.objects.select_for_update().filter(pk=cluster_id).values_list("pk", flat=True).get()


def _next_revision(cluster_id: int) -> int:
    """Bump the cluster's revision; the row lock held until commit serialises writers."""
    Cluster.objects.filter(pk=cluster_id).update(revision=F("revision") + 1)
    return Cluster.objects.filter(pk=cluster_id).values_list("revision", flat=True).get()


def _check(entry: Entry | None, key: str, expected_mod_revision: int | None) -> StoreError | None:
    """Why a write to an existing key must be refused, if it must."""
    if entry is None:
        return KeyNotFound(key)
    if expected_mod_revision is not None and entry.mod_revision != expected_mod_revision:
        return RevisionMismatch(expected_mod_revision, entry.mod_revision)
    return None


def current_revision(cluster_id: int) -> int:
    return Cluster.objects.filter(pk=cluster_id).values_list("revision", flat=True).get()


def get(cluster_id: int, key: str) -> KeyValue | None:
    entry = Entry.objects.filter(cluster_id=cluster_id, key=key).first()
    return _kv(entry) if entry else None


def get_by_uid(cluster_id: int, uid: str) -> KeyValue | None:
    entry = Entry.objects.filter(cluster_id=cluster_id, uid=uid).first()
    return _kv(entry) if entry else None


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
) -> list[KeyValue]:
    """Entries of one resource in key order, optionally narrowed by the index columns."""
    qs = Entry.objects.filter(cluster_id=cluster_id, resource=resource)
    if namespace is not None:
        qs = qs.filter(namespace=namespace)
    if name is not None:
        qs = qs.filter(name=name)
    if node_name is not None:
        qs = qs.filter(node_name=node_name)
    if owner_uid is not None:
        qs = qs.filter(owner_uid=owner_uid)
    if after_key is not None:
        qs = qs.filter(key__gt=after_key)
    qs = qs.order_by("key")
    if limit is not None:
        qs = qs[:limit]
    return [_kv(e) for e in qs]


def count(cluster_id: int, resource: str, namespace: str | None = None) -> int:
    qs = Entry.objects.filter(cluster_id=cluster_id, resource=resource)
    if namespace is not None:
        qs = qs.filter(namespace=namespace)
    return qs.count()


def create(cluster_id: int, key: str, value: dict[str, Any], index: Index) -> KeyValue:
    """Put a key that must not exist yet (etcd txn: create_revision == 0).

    Like a failed etcd transaction, a refused write uses no revision and writes nothing,
    and it is raised outside the store's atomic block, so a caller's transaction stays
    usable (``savepoint=False`` would otherwise mark it for rollback).
    """
    with transaction.atomic(savepoint=False):
        _lock(cluster_id)
        if not Entry.objects.filter(cluster_id=cluster_id, key=key).exists():
            rev = _next_revision(cluster_id)
            Entry.objects.create(
                cluster_id=cluster_id, key=key, value=value, create_revision=rev,
                mod_revision=rev, version=1, **index.columns(),
            )
            Change.objects.create(
                cluster_id=cluster_id, revision=rev, key=key, resource=index.resource,
                namespace=index.namespace, type=Change.PUT, value=value, prev_value=None,
            )
            _maybe_compact(cluster_id, rev)
            return KeyValue(key, value, rev, rev, 1)
    raise KeyExists(key)


def update(
    cluster_id: int,
    key: str,
    value: dict[str, Any],
    index: Index,
    *,
    expected_mod_revision: int | None = None,
) -> KeyValue:
    """Replace an existing key, optionally only if its mod_revision is still the one read."""
    with transaction.atomic(savepoint=False):
        _lock(cluster_id)
        entry = Entry.objects.filter(cluster_id=cluster_id, key=key).first()
        refused = _check(entry, key, expected_mod_revision)
        if refused is None:
            assert entry is not None
            rev = _next_revision(cluster_id)
            prev = entry.value
            Entry.objects.filter(pk=entry.pk).update(
                value=value, mod_revision=rev, version=entry.version + 1, **index.columns()
            )
            Change.objects.create(
                cluster_id=cluster_id, revision=rev, key=key, resource=index.resource,
                namespace=index.namespace, type=Change.PUT, value=value, prev_value=prev,
            )
            _maybe_compact(cluster_id, rev)
            return KeyValue(key, value, entry.create_revision, rev, entry.version + 1)
    raise refused


def delete(cluster_id: int, key: str, *, expected_mod_revision: int | None = None) -> KeyValue:
    """Delete a key; returns the deleted value with the delete's revision as mod_revision."""
    with transaction.atomic(savepoint=False):
        _lock(cluster_id)
        entry = Entry.objects.filter(cluster_id=cluster_id, key=key).first()
        refused = _check(entry, key, expected_mod_revision)
        if refused is None:
            assert entry is not None
            rev = _next_revision(cluster_id)
            Entry.objects.filter(pk=entry.pk).delete()
            Change.objects.create(
                cluster_id=cluster_id, revision=rev, key=key, resource=entry.resource,
                namespace=entry.namespace, type=Change.DELETE, value=entry.value,
                prev_value=entry.value,
            )
            _maybe_compact(cluster_id, rev)
            return KeyValue(key, entry.value, entry.create_revision, rev, entry.version)
    raise refused


def changes(
    cluster_id: int,
    after_revision: int,
    *,
    resources: Iterable[str] | None = None,
    namespace: str | None = None,
    up_to: int | None = None,
    limit: int = 1000,
) -> list[Event]:
    """Change-log records with revision > after_revision, oldest first.

    Raises Compacted when records after ``after_revision`` may already be gone.
    """
    compacted = Cluster.objects.filter(pk=cluster_id).values_list(
        "compacted_revision", flat=True
    ).get()
    if after_revision < compacted:
        raise Compacted(after_revision, compacted)
    qs = Change.objects.filter(cluster_id=cluster_id, revision__gt=after_revision)
    if resources is not None:
        qs = qs.filter(resource__in=list(resources))
    if namespace:
        qs = qs.filter(namespace=namespace)
    if up_to is not None:
        qs = qs.filter(revision__lte=up_to)
    rows = qs.order_by("revision")[:limit]
    return [
        Event(
            "DELETED" if c.type == Change.DELETE else "PUT",
            c.key, c.revision, c.value, c.prev_value,
        )
        for c in rows
    ]


@transaction.atomic(savepoint=False)
def compact(cluster_id: int, revision: int) -> None:
    """Forget change-log history at and below ``revision`` (etcd's compaction)."""
    current = Cluster.objects.filter(pk=cluster_id).values_list("compacted_revision", flat=True)
    if revision <= current.get():
        return
    Change.objects.filter(cluster_id=cluster_id, revision__lte=revision).delete()
    Cluster.objects.filter(pk=cluster_id).update(compacted_revision=revision)


def _maybe_compact(cluster_id: int, revision: int) -> None:
    """Keep the change log bounded: every 1,000 revisions, drop what is past the window."""
    window = settings.KUBEVIZ_WATCH_HISTORY
    if revision % 1000 == 0 and revision > window:
        compact(cluster_id, revision - window)
