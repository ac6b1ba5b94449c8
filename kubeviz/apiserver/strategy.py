"""The per-kind strategy: what differs between kinds (pkg/registry/*/strategy.go).

The generic registry does everything common: names, uids, timestamps, resourceVersion,
generation, finalizers and storage. A strategy only says what its kind defaults, how it
validates, which fields are selectable and what it keeps on update.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import validation as v
from .jsoncopy import deep_copy
from .selectors import COMMON_FIELDS, FieldGetter

Obj = dict[str, Any]


@dataclass
class Context:
    """What a strategy may know while preparing an object: the time, a seeded random
    source (so settle mode is deterministic) and read access to other objects."""

    now: datetime
    rng: random.Random
    read: Callable[[str, str | None], list[Obj]]  # (plural, namespace) -> objects
    #: the cluster's settings (the flags a real API server is started with)
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class Strategy:
    kind: str
    plural: str
    singular: str
    group: str = ""
    version: str = "v1"
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ("status",)
    tracks_generation: bool = False
    # Where Kubernetes keeps the kind in etcd, if not under its plural.
    etcd_prefix: str = ""
    name_rule: str = "subdomain"
    extra_fields: dict[str, FieldGetter] = field(default_factory=dict)
    verbs: tuple[str, ...] = (
        "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch",
    )

    # ---- identity -------------------------------------------------------------------
    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def field_selectors(self) -> dict[str, FieldGetter]:
        fields = dict(COMMON_FIELDS)
        if not self.namespaced:
            fields.pop("metadata.namespace")
        fields.update(self.extra_fields)
        return fields

    def key(self, namespace: str, name: str) -> str:
        prefix = self.etcd_prefix or self.plural
        if self.namespaced:
            return f"/registry/{prefix}/{namespace}/{name}"
        return f"/registry/{prefix}/{name}"

    def node_name(self, obj: Obj) -> str:
        """The node an object belongs to, kept as an index column (pods only)."""
        return ""

    # ---- hooks (override per kind) ---------------------------------------------------
    def prepare_for_create(self, obj: Obj, ctx: Context) -> None:
        """Reset what clients may not set on create (typically status)."""
        if "status" in self.subresources:
            obj.pop("status", None)

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        """The main resource ignores status changes when a status subresource exists."""
        if "status" in self.subresources:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)

    def default(self, obj: Obj, ctx: Context) -> None:
        """Fill defaults, as SetDefaults_<Kind> and the defaulting admission plugins do."""

    def validate(self, obj: Obj) -> list[v.FieldError]:
        return []

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        return []

    def prepare_status_update(self, new: Obj, old: Obj) -> Obj:
        """The status subresource: only status comes from the request. ``old`` was read
        for this request alone (and the update only compares it afterwards), so the
        result may share its parts instead of copying a whole object."""
        result = dict(old)
        if "status" in new:
            result["status"] = new["status"]
        return result

    def validate_status(self, obj: Obj) -> list[v.FieldError]:
        return []

    def prepare_finalize_update(self, new: Obj, old: Obj) -> Obj:
        """The finalize subresource (namespaces): only spec.finalizers comes from the request."""
        result = deep_copy(old)
        result.setdefault("spec", {})["finalizers"] = list((new.get("spec") or {}).get("finalizers") or [])
        return result

    def finalized(self, obj: Obj) -> bool:
        """Whether an object being deleted may go now: no finalizer holds it."""
        return not obj["metadata"].get("finalizers")

    def spec_of(self, obj: Obj) -> Any:
        """What counts as "spec" for generation: everything but metadata and status."""
        return {k: val for k, val in obj.items() if k not in ("metadata", "status", "kind", "apiVersion")}
