"""Template hashes for the DaemonSet and StatefulSet controllers (pkg/controller/history).

The real controllers store each template as a ControllerRevision named
``<owner>-<hash>`` and label their pods with ``controller-revision-hash``. The hash is
FNV-32a over the revision's data, printed in decimal and passed through
``rand.SafeEncodeString`` (digits become letters from "bcdfghjklmnpqrstvwxz2456789"),
which is why these hashes look like ``7d4b9c8f5``. kubeviz serves no ControllerRevision
kind yet, so the hash is computed from the template itself and kept in the pods' labels
and the owner's status.
"""
from __future__ import annotations

import json
from typing import Any

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
