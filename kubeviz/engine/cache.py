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


NODE_LOG_LIMIT = 100_000


class Cache:
    def __init__(self) -> None:
        self._objects: dict[str, dict[str, Obj]] = {}
        # Indexes, as client-go's indexers: by uid, and by owner uid.
        self._uids: dict[str, tuple[str, str]] = {}
        self._owned: dict[str, set[tuple[str, str]]] = {}
        # Pods by spec.nodeName (the index kube-scheduler's and the kubelet's informers keep),
        # and pods with a status.nominatedNodeName (after a preemption).
        self._on_node: dict[str, dict[str, Obj]] = {}
        self._nominated: dict[str, Obj] = {}
        # Generations: bumped by every change to a resource, so a reader may keep what it
        # derived until the generation moves.
        self._generations: dict[str, int] = {}
        # The names of nodes as they (or their pods) change, so a reader can look at just
        # those since it last looked; cut when long, which sends readers to a full look.
        self._node_log: list[str] = []
        self._node_log_epoch = 0

    def put(self, plural: str, obj: Obj) -> Obj | None:
        """Store ``obj``; returns what it replaced (None: it is new)."""
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
        self._bump(plural)
        if plural == "pods":
            node = (obj.get("spec") or {}).get("nodeName")
            if node:
                self._on_node.setdefault(node, {})[key] = obj
                self._node_changed(node)
            if (obj.get("status") or {}).get("nominatedNodeName"):
                self._nominated[key] = obj
        elif plural == "nodes":
            self._node_changed(key)
        return old

    def remove(self, plural: str, obj: Obj) -> Obj | None:
        """Drop the object; returns the copy the cache had."""
        key = key_of(obj)
        old = self._objects.get(plural, {}).pop(key, None)
        if old is not None:
            self._unindex(plural, key, old)
            self._bump(plural)
        return old

    def _unindex(self, plural: str, key: str, obj: Obj) -> None:
        meta = obj["metadata"]
        if self._uids.get(meta.get("uid", "")) == (plural, key):
            del self._uids[meta["uid"]]
        for ref in meta.get("ownerReferences") or []:
            owned = self._owned.get(ref.get("uid", ""))
            if owned:
                owned.discard((plural, key))
        if plural == "pods":
            node = (obj.get("spec") or {}).get("nodeName")
            if node:
                on = self._on_node.get(node)
                if on is not None:
                    on.pop(key, None)
                self._node_changed(node)
            self._nominated.pop(key, None)
        elif plural == "nodes":
            self._node_changed(key)

    def _bump(self, plural: str) -> None:
        self._generations[plural] = self._generations.get(plural, 0) + 1

    def _node_changed(self, node: str) -> None:
        if len(self._node_log) >= NODE_LOG_LIMIT:
            self._node_log = []
            self._node_log_epoch += 1
        self._node_log.append(node)

    def node_changes(self, since: tuple[int, int] | None) -> tuple[set[str] | None, tuple[int, int]]:
        """The nodes changed (themselves or their pods) since the position ``since``
        (None: everything must be looked at), and the position to ask from next time."""
        now = (self._node_log_epoch, len(self._node_log))
        if since is None or since[0] != self._node_log_epoch:
            return None, now
        return set(self._node_log[since[1]:]), now

    def generation(self, plural: str) -> int:
        """Moves with every change to any object of ``plural``."""
        return self._generations.get(plural, 0)

    def pods_on(self, node: str) -> list[Obj]:
        """The pods whose spec.nodeName is ``node``, in key order."""
        on = self._on_node.get(node) or {}
        return [on[k] for k in sorted(on)]

    def nominated_pods(self) -> list[Obj]:
        """Pods with a status.nominatedNodeName (waiting for room a preemption made)."""
        return [self._nominated[k] for k in sorted(self._nominated)]

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
