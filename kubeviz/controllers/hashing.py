"""The pod-template-hash (controller.ComputeHash) and template equality (EqualIgnoreHash).

Kubernetes hashes the Go struct dump of the template with FNV-32a, adds the Deployment's
collisionCount, and renders the decimal number with rand.SafeEncodeString, so a hash is up
to ten characters from "bcdfghjklmnpqrstvwxz2456789" (in practice only the ten that digits
map to). Here the same algorithm runs over the template's canonical JSON: the names are
stable and shaped like the real ones, though not byte-for-byte the same as a real cluster's.
"""
from __future__ import annotations

import json
import struct
from typing import Any

from kubeviz.apiserver.jsoncopy import deep_copy

Obj = dict[str, Any]

POD_TEMPLATE_HASH = "pod-template-hash"
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


def fnv32a(data: bytes, seed: int = _FNV_OFFSET) -> int:
    h = seed
    for byte in data:
        h ^= byte
        h = (h * _FNV_PRIME) & 0xFFFFFFFF
    return h


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: each byte mapped into an alphabet without vowels or 0/1/3."""
    return "".join(ALPHANUMS[ord(ch) % len(ALPHANUMS)] for ch in text)


def semantic(value: Any) -> Any:
    """The value with nulls and empty maps/lists dropped: apimachinery's semantic equality
    treats nil and empty alike, and JSON omits Go's empty fields anyway."""
    if isinstance(value, dict):
        out = {k: semantic(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != {} and v != []}
    if isinstance(value, list):
        return [semantic(v) for v in value]
    return value


def compute_hash(template: Obj, collision_count: int | None = None) -> str:
    data = json.dumps(semantic(template), sort_keys=True, separators=(",", ":")).encode()
    h = fnv32a(data)
    if collision_count is not None:
        h = fnv32a(struct.pack("<I", collision_count & 0xFFFFFFFF) + b"\0\0\0\0", h)
    return safe_encode(str(h))


def without_hash_label(template: Obj | None) -> Obj:
    template = deep_copy(template or {})
    labels = (template.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(POD_TEMPLATE_HASH, None)
    return template


def equal_ignore_hash(a: Obj | None, b: Obj | None) -> bool:
    """Two pod templates are the same revision if they differ at most in pod-template-hash."""
    return semantic(without_hash_label(a)) == semantic(without_hash_label(b))
