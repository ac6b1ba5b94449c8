"""PodDisruptionBudget (policy/v1, pkg/registry/policy/poddisruptionbudget): how many of a
set of pods may be disrupted at once. Evictions (``kubectl drain``) respect it; the
disruption controller keeps ``status.disruptionsAllowed`` up to date."""
from __future__ import annotations

import re

from .. import validation as v
from ..resources import register
from ..strategy import Context, Obj, Strategy
from .podspec import validate_selector

_PERCENT = re.compile(r"^[0-9]+%$")
_PERCENT_MESSAGE = (
    "a valid percent string must be a numeric string followed by an ending '%' "
    "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
)


def _positive_int_or_percent(value: object, field: str) -> list[v.FieldError]:
    """ValidatePositiveIntOrPercent and IsNotMoreThan100Percent."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return [v.invalid(field, value, "must be an integer or percentage (e.g '5%')")]
    if isinstance(value, int):
        return v.non_negative(value, field)
    if not _PERCENT.match(value):
        return [v.invalid(field, value, _PERCENT_MESSAGE)]
    if int(value[:-1]) > 100:
        return [v.invalid(field, value, "must not be greater than 100%")]
    return []


class PodDisruptionBudgetStrategy(Strategy):
    def prepare_for_create(self, obj: Obj, ctx: Context) -> None:
        obj["status"] = {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}

    def validate(self, obj: Obj) -> list[v.FieldError]:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [v.required("spec")]
        errs: list[v.FieldError] = []
        if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
            errs.append(v.invalid("spec.minAvailable", spec["minAvailable"], "minAvailable and maxUnavailable cannot be both set"))
        for name in ("minAvailable", "maxUnavailable"):
            if spec.get(name) is not None:
                errs += _positive_int_or_percent(spec[name], f"spec.{name}")
        selector = spec.get("selector")
        if selector is not None and (selector.get("matchLabels") or selector.get("matchExpressions") if isinstance(selector, dict) else True):
            errs += validate_selector(selector, "spec.selector")
        policy = spec.get("unhealthyPodEvictionPolicy")
        if policy is not None and policy not in ("IfHealthyBudget", "AlwaysAllow"):
            errs.append(v.not_supported("spec.unhealthyPodEvictionPolicy", policy, ["AlwaysAllow", "IfHealthyBudget"]))
        return errs


register(PodDisruptionBudgetStrategy(
    kind="PodDisruptionBudget", plural="poddisruptionbudgets", singular="poddisruptionbudget", group="policy",
    short_names=("pdb",), subresources=("status",), tracks_generation=True,
))
