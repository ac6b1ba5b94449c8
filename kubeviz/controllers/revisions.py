"""Template hashes for the DaemonSet and StatefulSet controllers (pkg/controller/history).

The real controllers store each template as a ControllerRevision named
``<owner>-<hash>`` and label their pods with ``controller-revision-hash``. The hash is
FNV-32a over the revision's data, printed in decimal and passed through
``rand.SafeEncodeString`` (digits become letters from "bcdfghjklmnpqrstvwxz2456789"),
which is why these hashes look like ``7d4b9c8f5``. ``history_sync`` keeps those
ControllerRevisions: one per template seen, numbered, the current one renumbered to the
top when an old template comes back (a rollback), the oldest unused ones deleted beyond
``revisionHistoryLimit`` — what ``kubectl rollout history`` and ``rollout undo`` read.
"""
from __future__ import annotations

import json
from typing import Any

from kubeviz.apiserver import errors
from kubeviz.engine.cache import Cache
from kubeviz.engine.client import Client

from .objects import labels_of, name_of, namespace_of, new_controller_ref, uid_of

Obj = dict[str, Any]
DEFAULT_HISTORY_LIMIT = 10

SAFE_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
FNV32_OFFSET = 0x811C9DC5
FNV32_PRIME = 0x01000193

CONTROLLER_REVISION_HASH = "controller-revision-hash"


def fnv32a(data: bytes, h: int = FNV32_OFFSET) -> int:
    for byte in data:
        h ^= byte
        h = (h * FNV32_PRIME) & 0xFFFFFFFF
    return h


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: no vowels, no look-alike characters."""
    return "".join(SAFE_ALPHANUMS[ord(ch) % len(SAFE_ALPHANUMS)] for ch in text)


def template_hash(template: Any, collision_count: int | None = None) -> str:
    """The revision hash of a pod template (HashControllerRevision of a ``$patch: replace``
    of spec.template)."""
    data = json.dumps({"spec": {"template": {**(template or {}), "$patch": "replace"}}},
                      sort_keys=True, separators=(",", ":")).encode()
    h = fnv32a(data)
    if collision_count:
        h = fnv32a(collision_count.to_bytes(4, "little"), h)
    return safe_encode(str(h))


def revision_data(template: Any) -> Obj:
    """getPatch: what a revision stores, a patch that puts the template back."""
    return {"spec": {"template": {**(template or {}), "$patch": "replace"}}}


def history_sync(api: Client, cache: Cache, owner: Obj, *, kind: str, hash_: str, hashes_in_use: set[str]) -> None:
    """constructHistory + cleanupHistory of the DaemonSet and StatefulSet controllers."""
    namespace, owner_uid = namespace_of(owner), uid_of(owner)
    mine = sorted((cr for cr in cache.iter("controllerrevisions", namespace)
                   if any(r.get("uid") == owner_uid and r.get("controller") for r in cr["metadata"].get("ownerReferences") or [])),
                  key=lambda cr: int(cr.get("revision") or 0))
    spec = owner.get("spec") or {}
    name = f"{name_of(owner)}-{hash_}"
    top = max((int(cr.get("revision") or 0) for cr in mine), default=0)
    current = next((cr for cr in mine if name_of(cr) == name), None)
    where = f"{kind} {namespace}/{name_of(owner)}"
    if current is None:
        template = spec.get("template") or {}
        body = {
            "apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": name, "labels": {**labels_of(template), CONTROLLER_REVISION_HASH: hash_},
                         "ownerReferences": [new_controller_ref(owner, "apps/v1", kind)]},
            "data": revision_data(template), "revision": top + 1,
        }
        try:
            api.create("controllerrevisions", namespace, body, message=(
                f"{where} has a new template: the {kind.lower()} controller records it as ControllerRevision {name} "
                f"(revision {top + 1})"), step=None, category="controller")
        except errors.StatusError as exc:
            if exc.code != 409:
                raise
        mine.append(body)
    elif int(current.get("revision") or 0) < top:
        updated = {**current, "revision": top + 1}
        api.update("controllerrevisions", updated, message=(
            f"{where} is back to an earlier template: the {kind.lower()} controller renumbers ControllerRevision "
            f"{name} as revision {top + 1}"))
    limit = spec.get("revisionHistoryLimit", DEFAULT_HISTORY_LIMIT)
    old = [cr for cr in mine if name_of(cr) != name and labels_of(cr).get(CONTROLLER_REVISION_HASH) not in hashes_in_use]
    for cr in old[: max(len(old) - int(limit), 0)]:
        try:
            api.delete("controllerrevisions", namespace, name_of(cr), message=(
                f"{where} keeps {limit} old revisions (revisionHistoryLimit): the {kind.lower()} controller deletes "
                f"ControllerRevision {name_of(cr)}"))
        except errors.StatusError as exc:
            if exc.code != 404:
                raise
