"""Reads shared by the checks of one evaluation: objectives that all look at the pods read
them once. A check never writes, so within one ``evaluate``/``evaluate_many`` call the
cluster is taken as it was at the first read of each list."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from kubeviz.apiserver import registry
from kubeviz.clusters.models import Cluster

Obj = dict[str, Any]

_memo: ContextVar[dict[tuple, list[Obj]] | None] = ContextVar("checks_reads", default=None)


@contextmanager
def shared() -> Iterator[None]:
    """Share reads until the block ends (nested blocks join the outer one)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def objects(cluster: Cluster, plural: str, namespace: str | None, **index: Any) -> list[Obj]:
    """``registry.objects``, once per evaluation for the same arguments. Callers must not
    change what they get."""
    memo = _memo.get()
    if memo is None:
        return registry.objects(cluster, plural, namespace, **index)
    key = (cluster.pk, plural, namespace, repr(sorted(index.items())))
    found = memo.get(key)
    if found is None:
        found = memo[key] = registry.objects(cluster, plural, namespace, **index)
    return found
