"""Object-metadata helpers every controller needs (metav1.GetControllerOf and friends).

Controllers read objects straight from the informer cache; these helpers never mutate
what they are given, so a cached object stays what the API server sent.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from kubeviz.clusters import clock

Obj = dict[str, Any]


def meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def name_of(obj: Obj) -> str:
    return meta(obj).get("name", "")


def namespace_of(obj: Obj) -> str:
    return meta(obj).get("namespace", "")


def uid_of(obj: Obj) -> str:
    return meta(obj).get("uid", "")


def key_of(obj: Obj) -> str:
    """The work-queue key (``namespace/name``), as cache.MetaNamespaceKeyFunc."""
    return f"{namespace_of(obj)}/{name_of(obj)}" if namespace_of(obj) else name_of(obj)


def labels_of(obj: Obj) -> dict[str, str]:
    return meta(obj).get("labels") or {}


def annotations_of(obj: Obj) -> dict[str, str]:
    return meta(obj).get("annotations") or {}


def is_deleting(obj: Obj) -> bool:
    return bool(meta(obj).get("deletionTimestamp"))


def controller_of(obj: Obj) -> Obj | None:
    """The ownerReference with ``controller: true``, if any (metav1.GetControllerOf)."""
    for ref in meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def is_controlled_by(obj: Obj, owner: Obj) -> bool:
    ref = controller_of(obj)
    return ref is not None and ref.get("uid") == uid_of(owner)


def new_controller_ref(owner: Obj, api_version: str, kind: str) -> Obj:
    """metav1.NewControllerRef: the ownerReference a controller puts on what it creates."""
    return {
        "apiVersion": api_version, "kind": kind, "name": name_of(owner), "uid": uid_of(owner),
        "controller": True, "blockOwnerDeletion": True,
    }


def resolve_controller_ref(cache: Any, plural: str, kind: str, namespace: str, ref: Obj | None) -> Obj | None:
    """The owner a controllerRef names, if it is of ``kind`` and still the same object (uid)."""
    if ref is None or ref.get("kind") != kind:
        return None
    owner = cache.get(plural, f"{namespace}/{ref.get('name')}")
    if owner is None or uid_of(owner) != ref.get("uid"):
        return None
    return owner


def controller_keys(cache: Any, plural: str, kind: str, obj: Obj, old: Obj | None) -> list[str]:
    """Keys of the controllers of an object's new and old versions (an event handler's job:
    a pod that changed owner wakes both)."""
    keys: list[str] = []
    for version in (obj, old):
        if version is not None:
            owner = resolve_controller_ref(cache, plural, kind, namespace_of(obj), controller_of(version))
            if owner is not None and key_of(owner) not in keys:
                keys.append(key_of(owner))
    return keys


def selecting_keys(cache: Any, plural: str, obj: Obj, keys: list[str]) -> list[str]:
    """``keys`` plus every owner in the object's namespace whose selector matches it (an
    orphan may be adopted by any of them)."""
    from kubeviz.apiserver.selectors import from_label_selector_object

    for owner in cache.iter(plural, namespace_of(obj)):
        selector = from_label_selector_object((owner.get("spec") or {}).get("selector"))
        if selector.matches(labels_of(obj)) and key_of(owner) not in keys:
            keys.append(key_of(owner))
    return keys


def timestamp(text: str | None) -> datetime | None:
    """A metav1.Time from JSON; None for the zero time."""
    if not text:
        return None
    return clock.parse_rfc3339(text)


def created_at(obj: Obj) -> datetime | None:
    return timestamp(meta(obj).get("creationTimestamp"))
