"""ReplicaSet (pkg/registry/apps/replicaset) with the scale and status subresources."""
from __future__ import annotations

from .. import validation as v
from ..resources import register
from ..selectors import path_getter
from ..strategy import Context, Obj, Strategy
from .podspec import default_template, set_default
from .workloads import status_update_keeping_annotations, validate_replicated, validate_selector_immutable


class ReplicaSetStrategy(Strategy):
    def prepare_for_create(self, obj: Obj, ctx: Context) -> None:
        obj["status"] = {"replicas": 0}

    def default(self, obj: Obj, ctx: Context) -> None:
        spec = obj.setdefault("spec", {})
        set_default(spec, "replicas", 1)
        default_template(spec.get("template"))

    def validate(self, obj: Obj) -> list[v.FieldError]:
        return validate_replicated(obj)

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        return validate_selector_immutable(new, old)

    def prepare_status_update(self, new: Obj, old: Obj) -> Obj:
        return status_update_keeping_annotations(new, old)


register(ReplicaSetStrategy(
    kind="ReplicaSet", plural="replicasets", singular="replicaset", group="apps",
    short_names=("rs",), categories=("all",), subresources=("status", "scale"),
    tracks_generation=True,
    extra_fields={"status.replicas": path_getter("status", "replicas")},
))
