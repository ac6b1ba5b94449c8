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

    def put(self, plural: str, obj: Obj) -> None:
        self._objects.setdefault(plural, {})[key_of(obj)] = obj

    def remove(self, plural: str, obj: Obj) -> None:
        self._objects.get(plural, {}).pop(key_of(obj), None)

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
