"""Namespace (pkg/registry/core/namespace)."""
from __future__ import annotations

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


register(NamespaceStrategy(
    kind="Namespace", plural="namespaces", singular="namespace", namespaced=False,
    short_names=("ns",), name_rule="label", subresources=("status", "finalize"),
    extra_fields={"status.phase": path_getter("status", "phase")},
))
