"""DaemonSet (pkg/registry/apps/daemonset) with the status subresource.

Defaults are SetDefaults_DaemonSet (apps/v1): RollingUpdate with maxUnavailable 1 and
maxSurge 0, revisionHistoryLimit 10. Validation is ValidateDaemonSet: a selector that
matches the template, restartPolicy Always, an update strategy with exactly one of
maxUnavailable and maxSurge non-zero; the selector cannot change. The API server keeps
the template generation in the ``deprecated.daemonset.template.generation`` annotation
(the internal spec.templateGeneration), bumped whenever the template changes; the
DaemonSet controller copies it onto its pods as the ``pod-template-generation`` label.
"""
from __future__ import annotations

from .. import validation as v
from ..jsoncopy import deep_copy
from ..resources import register
from ..strategy import Context, Obj, Strategy
from .podspec import default_template, set_default, validate_template
from .podtemplate_rules import (
    int_or_percent_value,
    label_selector,
    non_negative_if_set,
    not_more_than_100_percent,
    positive_int_or_percent,
    selector_matches_template,
)
from .workloads import validate_selector_immutable

TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"
STRATEGY_TYPES = ["RollingUpdate", "OnDelete"]


def _template_generation(obj: Obj) -> int:
    try:
        return int(((obj.get("metadata") or {}).get("annotations") or {}).get(TEMPLATE_GENERATION, "0"))
    except (TypeError, ValueError):
        return 0


def _set_template_generation(obj: Obj, generation: int) -> None:
    meta = obj.setdefault("metadata", {})
    annotations = meta.get("annotations")
    if not isinstance(annotations, dict):
        annotations = meta["annotations"] = {}
    annotations[TEMPLATE_GENERATION] = str(generation)


def validate_update_strategy(strategy: object, field: str) -> list[v.FieldError]:
    """ValidateDaemonSetUpdateStrategy."""
    if not isinstance(strategy, dict):
        strategy = {}
    stype = strategy.get("type")
    if stype == "OnDelete":
        return []
    if stype != "RollingUpdate":
        return [v.not_supported(field, strategy, STRATEGY_TYPES)]
    ru = strategy.get("rollingUpdate")
    if not isinstance(ru, dict):
        return [v.required(f"{field}.rollingUpdate")]
    f = f"{field}.rollingUpdate"
    max_unavailable, max_surge = ru.get("maxUnavailable"), ru.get("maxSurge")
    errs = positive_int_or_percent(max_unavailable, f"{f}.maxUnavailable")
    errs += positive_int_or_percent(max_surge, f"{f}.maxSurge")
    errs += not_more_than_100_percent(max_unavailable, f"{f}.maxUnavailable")
    errs += not_more_than_100_percent(max_surge, f"{f}.maxSurge")
    has_unavailable = int_or_percent_value(max_unavailable) != 0
    has_surge = int_or_percent_value(max_surge) != 0
    if has_unavailable and has_surge:
        errs.append(v.invalid(f"{f}.maxSurge", max_surge, "may not be set when maxUnavailable is non-zero"))
    elif not has_unavailable and not has_surge:
        errs.append(v.required(f"{f}.maxUnavailable", "cannot be 0 when maxSurge is 0"))
    return errs


class DaemonSetStrategy(Strategy):
    def prepare_for_create(self, obj: Obj, ctx: Context) -> None:
        # DaemonSetStatus{} as apps/v1 JSON: the non-omitempty counters are zero.
        obj["status"] = {"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0, "numberReady": 0}
        _set_template_generation(obj, 1)

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        super().prepare_for_update(new, old)
        # Compare templates as they will be stored (defaulted), as the Go strategy does.
        new_template = deep_copy((new.get("spec") or {}).get("template")) if isinstance(new.get("spec"), dict) else None
        default_template(new_template)
        generation = max(_template_generation(old), 1)
        if new_template != (old.get("spec") or {}).get("template"):
            generation += 1
        _set_template_generation(new, generation)

    def default(self, obj: Obj, ctx: Context) -> None:
        """SetDefaults_DaemonSet (apps/v1)."""
        spec = obj.setdefault("spec", {})
        strategy = set_default(spec, "updateStrategy", {})
        set_default(strategy, "type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            ru = set_default(strategy, "rollingUpdate", {})
            set_default(ru, "maxUnavailable", 1)
            set_default(ru, "maxSurge", 0)
        set_default(spec, "revisionHistoryLimit", 10)
        default_template(spec.get("template"))

    def validate(self, obj: Obj) -> list[v.FieldError]:
        """ValidateDaemonSetSpec."""
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [v.required("spec")]
        selector, template = spec.get("selector"), spec.get("template")
        errs = label_selector(selector, "spec.selector", "daemonset")
        errs += selector_matches_template(selector, template, "spec.template.metadata.labels")
        errs += validate_template(template, "spec.template", None)
        template_spec = (template or {}).get("spec") if isinstance(template, dict) else None
        if isinstance(template_spec, dict):
            rp = template_spec.get("restartPolicy")
            if rp != "Always":
                errs.append(v.not_supported("spec.template.spec.restartPolicy", rp, ["Always"]))
            if template_spec.get("activeDeadlineSeconds") is not None:
                errs.append(v.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in DaemonSet is not Supported"))
        errs += non_negative_if_set(spec, "minReadySeconds", "spec.minReadySeconds")
        errs += validate_update_strategy(spec.get("updateStrategy"), "spec.updateStrategy")
        errs += non_negative_if_set(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit")
        return errs

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        return validate_selector_immutable(new, old)


register(DaemonSetStrategy(
    kind="DaemonSet", plural="daemonsets", singular="daemonset", group="apps",
    short_names=("ds",), categories=("all",), subresources=("status",),
    tracks_generation=True,
))
