"""The garbage collector: dependents follow their owners (pkg/controller/garbagecollector).

Background: once an owner is gone, dependents whose owners are all gone are deleted (and
a dependent with another live owner only loses the dead ownerReference). Foreground: the
owner waits with the ``foregroundDeletion`` finalizer until its blocking dependents are
gone. Orphan: the owner's ``orphan`` finalizer means its dependents are released (their
ownerReference removed) before the owner goes.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubeviz.apiserver.resources import all_resources
from kubeviz.clusters.models import Cluster
from kubeviz.engine.cache import Cache, key_of
from kubeviz.engine.client import Client

Obj = dict[str, Any]

# Kinds that own others in a cluster (and so are worth watching for the graph).
OWNER_AND_DEPENDENT_PLURALS = (
    "deployments", "replicasets", "pods", "daemonsets", "statefulsets", "jobs", "cronjobs", "services",
    "endpointslices", "nodes", "leases", "configmaps", "secrets",
)


def _refs(obj: Obj) -> list[Obj]:
    return (obj.get("metadata") or {}).get("ownerReferences") or []


class GarbageCollector:
    name = "controller-manager/garbagecollector"
    actor = "controller-manager"

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        served = {s.plural for s in all_resources()}
        self.watches = tuple(p for p in OWNER_AND_DEPENDENT_PLURALS if p in served)
        self.plural_of: dict[str, str] = {s.kind: s.plural for s in all_resources()}

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        meta = obj["metadata"]
        if event == "DELETED":
            yield f"owner:{meta.get('uid')}"
            return
        finalizers = meta.get("finalizers") or []
        if meta.get("deletionTimestamp") and ("foregroundDeletion" in finalizers or "orphan" in finalizers):
            yield f"owner:{meta.get('uid')}"
        for ref in _refs(obj):
            # A dependent seen for the first time (or after a restart) with a missing owner.
            if event == "ADDED":
                yield f"owner:{ref.get('uid')}"

    def _known(self, ref: Obj) -> bool:
        """Only owners of kinds the collector watches can be judged gone."""
        return self.plural_of.get(ref.get("kind", "")) in self.watches

    def _find(self, cache: Cache, uid: str) -> tuple[str, Obj] | None:
        return cache.by_uid(uid)

    def _dependents(self, cache: Cache, uid: str) -> list[tuple[str, Obj]]:
        return cache.owned_by(uid)

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        uid = key.split(":", 1)[1]
        owner = self._find(cache, uid)
        dependents = self._dependents(cache, uid)
        if owner is None:
            for plural, dep in dependents:
                self._collect(cache, api, plural, dep, uid)
            return None
        plural, obj = owner
        meta = obj["metadata"]
        finalizers = meta.get("finalizers") or []
        if not meta.get("deletionTimestamp"):
            return None
        if "orphan" in finalizers:
            for dep_plural, dep in dependents:
                kept = [r for r in _refs(dep) if r.get("uid") != uid]
                ns, name = _split(dep)
                api.patch(dep_plural, ns, name, {"metadata": {"ownerReferences": kept or None}},
                          message=f"the garbage collector orphaned {dep.get('kind')} {key_of(dep)}: its owner is being deleted with propagationPolicy Orphan",
                          category="gc")
            self._drop_finalizer(api, plural, obj, "orphan")
            return None
        if "foregroundDeletion" in finalizers:
            blocking = [d for d in dependents if any(r.get("uid") == uid and r.get("blockOwnerDeletion") for r in _refs(d[1]))]
            for dep_plural, dep in dependents:
                if not dep["metadata"].get("deletionTimestamp"):
                    ns, name = _split(dep)
                    api.delete(dep_plural, ns, name, options={"propagationPolicy": "Foreground"},
                               message=f"the garbage collector deleted {dep.get('kind')} {key_of(dep)} first: its owner is being deleted in the foreground",
                               category="gc")
            if not blocking:
                self._drop_finalizer(api, plural, obj, "foregroundDeletion")
                return None
            return 1.0
        return None

    def _collect(self, cache: Cache, api: Client, plural: str, dep: Obj, dead_uid: str) -> None:
        refs = _refs(dep)
        alive = [r for r in refs if r.get("uid") != dead_uid and (not self._known(r) or self._find(cache, r.get("uid", "")) is not None)]
        if any(r.get("uid") == dead_uid and not self._known(r) for r in refs):
            return
        ns, name = _split(dep)
        if alive:
            api.patch(plural, ns, name, {"metadata": {"ownerReferences": alive}},
                      message=f"the garbage collector removed a deleted owner from {dep.get('kind')} {key_of(dep)}", category="gc")
            return
        if dep["metadata"].get("deletionTimestamp"):
            return
        owner_kinds = ", ".join(sorted({r.get("kind", "") for r in refs}))
        api.delete(plural, ns, name, options={"propagationPolicy": "Background"},
                   message=f"the garbage collector deleted {dep.get('kind')} {key_of(dep)}: its owner ({owner_kinds}) is gone",
                   category="gc")

    def _drop_finalizer(self, api: Client, plural: str, obj: Obj, finalizer: str) -> None:
        ns, name = _split(obj)
        current = api.get(plural, ns, name)
        kept = [f for f in current["metadata"].get("finalizers") or [] if f != finalizer]
        current["metadata"]["finalizers"] = kept
        api.update(plural, current, message=f"the garbage collector removed the {finalizer} finalizer of {obj.get('kind')} {key_of(obj)}", category="gc")


def _split(obj: Obj) -> tuple[str | None, str]:
    meta = obj["metadata"]
    return meta.get("namespace") or None, meta["name"]
