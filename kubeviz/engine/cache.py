"""The informers' local store: what a component reads instead of asking the API server.

As client-go's listers, it is filled by an initial list and kept current by watch events,
so a component's sync reads without a request and writes through the API server.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubeviz.apiserver.selectors import LabelSelector

Obj = dict[str, Any]


def key_of(obj: Obj) -> str:
    meta = obj["metadata"]
    return f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else meta["name"]


def split_key(key: str) -> tuple[str | None, str]:
    if "/" in key:
        ns, name = key.split("/", 1)
        return ns, name
    return None, key


class Cache:
    def __init__(self) -> None:
        self._objects: dict[str, dict[str, Obj]] = {}
        # Indexes, as client-go's indexers: by uid, and by owner uid.
        self._uids: dict[str, tuple[str, str]] = {}
        self._owned: dict[str, set[tuple[str, str]]] = {}

    def put(self, plural: str, obj: Obj) -> None:
        key = key_of(obj)
        old = self._objects.setdefault(plural, {}).get(key)
        if old is not None:
            self._unindex(plural, key, old)
        self._objects[plural][key] = obj
        meta = obj["metadata"]
        if meta.get("uid"):
            self._uids[meta["uid"]] = (plural, key)
        for ref in meta.get("ownerReferences") or []:
            self._owned.setdefault(ref.get("uid", ""), set()).add((plural, key))

    def remove(self, plural: str, obj: Obj) -> None:
        key = key_of(obj)
        old = self._objects.get(plural, {}).pop(key, None)
        if old is not None:
            self._unindex(plural, key, old)

    def _unindex(self, plural: str, key: str, obj: Obj) -> None:
        meta = obj["metadata"]
        if self._uids.get(meta.get("uid", "")) == (plural, key):
            del self._uids[meta["uid"]]
        for ref in meta.get("ownerReferences") or []:
            owned = self._owned.get(ref.get("uid", ""))
            if owned:
                owned.discard((plural, key))

    def by_uid(self, uid: str) -> tuple[str, Obj] | None:
        found = self._uids.get(uid)
        if found is None:
            return None
        obj = self.get(found[0], found[1])
        return (found[0], obj) if obj is not None else None

    def owned_by(self, uid: str) -> list[tuple[str, Obj]]:
        """Objects with an ownerReference to ``uid``, in a stable order."""
        out = []
        for plural, key in sorted(self._owned.get(uid, ())):
            obj = self.get(plural, key)
            if obj is not None:
                out.append((plural, obj))
        return out

    def get(self, plural: str, key: str) -> Obj | None:
        return self._objects.get(plural, {}).get(key)

    def list(self, plural: str, namespace: str | None = None, selector: LabelSelector | None = None) -> list[Obj]:
        return list(self.iter(plural, namespace, selector))

    def iter(self, plural: str, namespace: str | None = None, selector: LabelSelector | None = None) -> Iterator[Obj]:
        for obj in self._objects.get(plural, {}).values():
            meta = obj["metadata"]
            if namespace is not None and meta.get("namespace") != namespace:
                continue
            if selector is not None and not selector.matches(meta.get("labels")):
                continue
            yield obj

    def count(self, plural: str) -> int:
        return len(self._objects.get(plural, {}))
