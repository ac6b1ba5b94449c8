"""One feed of every change in a cluster, for the engine's shared informers.

Where kubectl watches one resource, the engine's informers follow all of them; reading the
change log once per poll (instead of once per resource) keeps that cheap.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kubeviz.clusters.models import Cluster
from kubeviz.etcd import store

from . import errors
from .resources import by_plural
from .strategy import Strategy


@dataclass(frozen=True)
class Change:
    """A put or a delete. Whether a put added or modified an object, and what it was
    before, the reader's cache knows (as an informer's does): the log's copy of the old
    value is not read."""

    plural: str
    type: str  # PUT, DELETED
    object: dict[str, Any]
    revision: int


def changes_since(cluster: Cluster, revision: int, *, limit: int = 2000) -> tuple[list[Change], int]:
    """Every change after ``revision`` (up to ``limit``) and the revision to continue from."""
    head = store.current_revision(cluster.pk)
    if head == revision:
        return [], revision
    try:
        rows = store.changes(cluster.pk, revision, up_to=head, limit=limit, with_prev=False)
    except store.Compacted as exc:
        raise errors.expired(f"too old resource version: {exc.requested} ({exc.compacted})") from None
    out = []
    for row in rows:
        strategy = _strategy_for_key(row.key)
        obj = row.value  # decoded for this read alone: decorated in place
        obj["kind"] = strategy.kind
        obj["apiVersion"] = strategy.api_version
        obj.setdefault("metadata", {})["resourceVersion"] = str(row.revision)
        out.append(Change(strategy.plural, row.type, obj, row.revision))
    last = rows[-1].revision if rows else revision
    if len(rows) < limit:
        last = max(last, head)
    return out, last


def head_revision(cluster: Cluster) -> int:
    return store.current_revision(cluster.pk)


@lru_cache(maxsize=64)
def _strategy_for_prefix(prefix: str, sub: str) -> Strategy:
    if prefix == "minions":
        return by_plural("nodes")
    if prefix == "services":
        return by_plural("services" if sub == "specs" else "endpoints")
    return by_plural(prefix)


def _strategy_for_key(key: str) -> Strategy:
    """The kind a registry key belongs to (nodes live under minions/, as in Kubernetes)."""
    parts = key.split("/", 4)
    return _strategy_for_prefix(parts[2], parts[3] if parts[2] == "services" else "")
