"""ControllerRevision (apps/v1): an immutable snapshot of a DaemonSet's or StatefulSet's
template, which ``kubectl rollout history`` and ``rollout undo`` read."""
from __future__ import annotations

from .. import validation as v
from ..resources import register
from ..strategy import Obj, Strategy


class ControllerRevisionStrategy(Strategy):
    def validate(self, obj: Obj) -> list[v.FieldError]:
        revision = obj.get("revision")
        if revision is None:
            return [v.required("revision")]
        return v.non_negative(revision, "revision")

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        if new.get("data") != old.get("data"):
            return [v.invalid("data", new.get("data"), "field is immutable")]
        return []


register(ControllerRevisionStrategy(
    kind="ControllerRevision", plural="controllerrevisions", singular="controllerrevision", group="apps",
    subresources=(),
))
