"""Namespace (pkg/registry/core/namespace)."""
from __future__ import annotations

from .. import validation as v
from ..resources import register
from ..selectors import path_getter
from ..strategy import Context, Obj, Strategy


class NamespaceStrategy(Strategy):
    def default(self, obj: Obj, ctx: Context) -> None:
        meta = obj["metadata"]
        # The API server labels every namespace with its own name (since 1.21).
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj.setdefault("status", {}).setdefault("phase", "Active")

    def prepare_for_create(self, obj: Obj, ctx: Context) -> None:
        obj["status"] = {"phase": "Active"}

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        """spec.finalizers changes only through namespaces/finalize; status only through
        namespaces/status."""
        super().prepare_for_update(new, old)
        if "finalizers" in (old.get("spec") or {}):
            new.setdefault("spec", {})["finalizers"] = list(old["spec"]["finalizers"])

    def validate_status(self, obj: Obj) -> list[v.FieldError]:
        phase = (obj.get("status") or {}).get("phase")
        if obj["metadata"].get("deletionTimestamp"):
            if phase != "Terminating":
                return [v.invalid("status.phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")]
        elif phase != "Active":
            return [v.invalid("status.phase", phase, "may only be 'Active' if `deletionTimestamp` is empty")]
        return []

    def finalized(self, obj: Obj) -> bool:
        """A namespace goes once both its metadata and spec finalizers are gone."""
        return super().finalized(obj) and not (obj.get("spec") or {}).get("finalizers")


register(NamespaceStrategy(
    kind="Namespace", plural="namespaces", singular="namespace", namespaced=False,
    short_names=("ns",), name_rule="label", subresources=("status", "finalize"),
    extra_fields={"status.phase": path_getter("status", "phase")},
))
