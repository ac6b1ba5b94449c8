"""Node (pkg/registry/core/node). Its status is written by the kubelet through /status."""
from __future__ import annotations

from .. import validation as v
from ..resources import register
from ..selectors import path_getter
from ..strategy import Context, Obj, Strategy


class NodeStrategy(Strategy):
    def prepare_for_create(self, obj: Obj, ctx: Context) -> None:
        # Unlike most kinds, a node may be registered with its status (the kubelet does).
        obj.setdefault("spec", {})

    def validate(self, obj: Obj) -> list[v.FieldError]:
        errs: list[v.FieldError] = []
        spec = obj.get("spec") or {}
        for i, t in enumerate(spec.get("taints") or []):
            f = f"spec.taints[{i}]"
            if not isinstance(t, dict) or not t.get("key"):
                errs.append(v.required(f"{f}.key"))
                continue
            for msg in v.qualified_name(t["key"]):
                errs.append(v.invalid(f"{f}.key", t["key"], msg))
            if t.get("effect") not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
                errs.append(v.not_supported(f"{f}.effect", t.get("effect"), ["NoSchedule", "PreferNoSchedule", "NoExecute"]))
        if "unschedulable" in spec and not isinstance(spec["unschedulable"], bool):
            errs.append(v.invalid("spec.unschedulable", spec["unschedulable"], "must be a boolean"))
        return errs


register(NodeStrategy(
    kind="Node", plural="nodes", singular="node", namespaced=False, short_names=("no",),
    etcd_prefix="minions", subresources=("status", "proxy"),
    extra_fields={"spec.unschedulable": path_getter("spec", "unschedulable")},
))
