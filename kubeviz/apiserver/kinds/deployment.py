"""Deployment (pkg/registry/apps/deployment) with the scale and status subresources."""
from __future__ import annotations

import re

from .. import validation as v
from ..resources import register
from ..strategy import Context, Obj, Strategy
from .podspec import default_template, set_default
from .workloads import status_update_keeping_annotations, validate_replicated, validate_selector_immutable

_PERCENT = re.compile(r"^[0-9]+%$")


def _int_or_percent(value: object, field: str) -> list[v.FieldError]:
    if isinstance(value, bool):
        return [v.invalid(field, value, "must be an integer or percentage (e.g '5%')")]
    if isinstance(value, int):
        return v.non_negative(value, field)
    if isinstance(value, str) and _PERCENT.match(value):
        if int(value[:-1]) > 100 and field.endswith("maxUnavailable"):
            return [v.invalid(field, value, "must not be greater than 100%")]
        return []
    return [v.invalid(field, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")]


def _is_zero(value: object) -> bool:
    return value == 0 or value == "0%"


class DeploymentStrategy(Strategy):
    def prepare_for_create(self, obj: Obj, ctx: Context) -> None:
        obj["status"] = {}

    def default(self, obj: Obj, ctx: Context) -> None:
        """SetDefaults_Deployment (apps/v1)."""
        spec = obj.setdefault("spec", {})
        set_default(spec, "replicas", 1)
        strategy = set_default(spec, "strategy", {})
        set_default(strategy, "type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            ru = set_default(strategy, "rollingUpdate", {})
            set_default(ru, "maxUnavailable", "25%")
            set_default(ru, "maxSurge", "25%")
        set_default(spec, "revisionHistoryLimit", 10)
        set_default(spec, "progressDeadlineSeconds", 600)
        default_template(spec.get("template"))

    def validate(self, obj: Obj) -> list[v.FieldError]:
        errs = validate_replicated(obj)
        spec = obj.get("spec") or {}
        strategy = spec.get("strategy") or {}
        stype = strategy.get("type")
        if stype not in ("RollingUpdate", "Recreate"):
            errs.append(v.not_supported("spec.strategy.type", stype, ["Recreate", "RollingUpdate"]))
        if stype == "Recreate" and strategy.get("rollingUpdate"):
            errs.append(v.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"))
        ru = strategy.get("rollingUpdate") or {}
        if stype == "RollingUpdate":
            errs += _int_or_percent(ru.get("maxUnavailable"), "spec.strategy.rollingUpdate.maxUnavailable")
            errs += _int_or_percent(ru.get("maxSurge"), "spec.strategy.rollingUpdate.maxSurge")
            if _is_zero(ru.get("maxUnavailable")) and _is_zero(ru.get("maxSurge")):
                errs.append(v.invalid("spec.strategy.rollingUpdate.maxUnavailable", ru.get("maxUnavailable"), "may not be 0 when `maxSurge` is 0"))
        for f in ("revisionHistoryLimit", "progressDeadlineSeconds"):
            if spec.get(f) is not None:
                errs += v.non_negative(spec[f], f"spec.{f}")
        pds = spec.get("progressDeadlineSeconds")
        if isinstance(pds, int) and isinstance(spec.get("minReadySeconds"), int) and pds <= spec["minReadySeconds"]:
            errs.append(v.invalid("spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds"))
        return errs

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        return validate_selector_immutable(new, old)

    def prepare_status_update(self, new: Obj, old: Obj) -> Obj:
        return status_update_keeping_annotations(new, old)


register(DeploymentStrategy(
    kind="Deployment", plural="deployments", singular="deployment", group="apps",
    short_names=("deploy",), categories=("all",), subresources=("status", "scale"),
    tracks_generation=True,
))
