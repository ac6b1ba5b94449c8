"""HorizontalPodAutoscaler (autoscaling/v2; pkg/registry/autoscaling/horizontalpodautoscaler).

Defaults are SetDefaults_HorizontalPodAutoscaler (v2): minReplicas 1; no metrics means
CPU at 80% of requests; a ``behavior`` that is given gets its missing rules filled (scale
up: no stabilisation, the larger of 4 pods or 100% per 15 s; scale down: a 300 s window,
100% per 15 s). Validation follows ValidateHorizontalPodAutoscaler for what kubeviz
models: the target reference, the replica bounds, and Resource metrics (cpu, memory).
"""
from __future__ import annotations

from typing import Any

from .. import validation as v
from ..resources import register
from ..strategy import Context, Obj, Strategy
from .podspec import set_default

DEFAULT_CPU_UTILIZATION = 80
METRIC_TYPES = ["ContainerResource", "External", "Object", "Pods", "Resource"]
TARGET_TYPES = ["AverageValue", "Utilization", "Value"]
POLICY_TYPES = ["Percent", "Pods"]
SELECT_POLICIES = ["Disabled", "Max", "Min"]
MAX_WINDOW = 3600
MAX_PERIOD = 1800


def scale_up_defaults() -> Obj:
    return {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}]}


def scale_down_defaults() -> Obj:
    return {"stabilizationWindowSeconds": 300, "selectPolicy": "Max", "policies": [
        {"type": "Percent", "value": 100, "periodSeconds": 15}]}


def _fill_rules(rules: Any, defaults: Obj) -> Obj:
    """GenerateHPAScaleUpRules / GenerateHPAScaleDownRules: missing fields from the defaults."""
    if not isinstance(rules, dict):
        return defaults
    for key, value in defaults.items():
        if rules.get(key) is None:
            rules[key] = value
    return rules


def _validate_rules(rules: Any, field: str) -> list[v.FieldError]:
    if not isinstance(rules, dict):
        return []
    errs: list[v.FieldError] = []
    window = rules.get("stabilizationWindowSeconds")
    if isinstance(window, int) and not 0 <= window <= MAX_WINDOW:
        errs.append(v.invalid(f"{field}.stabilizationWindowSeconds", window,
                              f"must be less than or equal to {MAX_WINDOW}" if window > 0 else "must be greater than or equal to zero"))
    policy = rules.get("selectPolicy")
    if policy is not None and policy not in SELECT_POLICIES:
        errs.append(v.not_supported(f"{field}.selectPolicy", policy, SELECT_POLICIES))
    for i, p in enumerate(rules.get("policies") or []):
        pf = f"{field}.policies[{i}]"
        if p.get("type") not in POLICY_TYPES:
            errs.append(v.not_supported(f"{pf}.type", p.get("type"), POLICY_TYPES))
        if not isinstance(p.get("value"), int) or p["value"] <= 0:
            errs.append(v.invalid(f"{pf}.value", p.get("value"), "must be greater than zero"))
        period = p.get("periodSeconds")
        if not isinstance(period, int) or period <= 0:
            errs.append(v.invalid(f"{pf}.periodSeconds", period, "must be greater than zero"))
        elif period > MAX_PERIOD:
            errs.append(v.invalid(f"{pf}.periodSeconds", period, f"must be less than or equal to {MAX_PERIOD}"))
    return errs


def _validate_metric(metric: Any, field: str) -> list[v.FieldError]:
    if not isinstance(metric, dict):
        return [v.required(field)]
    mtype = metric.get("type")
    if not mtype:
        return [v.required(f"{field}.type", "must specify a metric source type")]
    if mtype not in METRIC_TYPES:
        return [v.not_supported(f"{field}.type", mtype, METRIC_TYPES)]
    if mtype != "Resource":
        return []
    source = metric.get("resource")
    if not isinstance(source, dict):
        return [v.required(f"{field}.resource", "must populate information for the given metric source")]
    errs: list[v.FieldError] = []
    if not source.get("name"):
        errs.append(v.required(f"{field}.resource.name", "must specify a resource name"))
    target = source.get("target") or {}
    ttype = target.get("type")
    tf = f"{field}.resource.target"
    if ttype not in TARGET_TYPES:
        errs.append(v.not_supported(f"{tf}.type", ttype, TARGET_TYPES) if ttype else v.required(f"{tf}.type", "must specify a metric target type"))
    elif ttype == "Utilization":
        util = target.get("averageUtilization")
        if util is None:
            errs.append(v.required(f"{tf}.averageUtilization", "must set either a target raw value or a target utilization"))
        elif not isinstance(util, int) or util <= 0:
            errs.append(v.invalid(f"{tf}.averageUtilization", util, "must be greater than 0"))
    elif ttype == "AverageValue" and target.get("averageValue") is None:
        errs.append(v.required(f"{tf}.averageValue", "must set either a target raw value or a target utilization"))
    return errs


class HorizontalPodAutoscalerStrategy(Strategy):
    def default(self, obj: Obj, ctx: Context) -> None:
        spec = obj.setdefault("spec", {})
        if not isinstance(spec, dict):
            return
        set_default(spec, "minReplicas", 1)
        if not spec.get("metrics"):
            spec["metrics"] = [{"type": "Resource", "resource": {"name": "cpu", "target": {
                "type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION}}}]
        behavior = spec.get("behavior")
        if isinstance(behavior, dict):
            behavior["scaleUp"] = _fill_rules(behavior.get("scaleUp"), scale_up_defaults())
            behavior["scaleDown"] = _fill_rules(behavior.get("scaleDown"), scale_down_defaults())

    def validate(self, obj: Obj) -> list[v.FieldError]:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [v.required("spec")]
        errs: list[v.FieldError] = []
        ref = spec.get("scaleTargetRef")
        if not isinstance(ref, dict):
            errs.append(v.required("spec.scaleTargetRef"))
        else:
            if not ref.get("kind"):
                errs.append(v.required("spec.scaleTargetRef.kind"))
            if not ref.get("name"):
                errs.append(v.required("spec.scaleTargetRef.name"))
            else:
                errs += [v.invalid("spec.scaleTargetRef.name", ref["name"], m) for m in v.object_name(ref["name"])]
        low, high = spec.get("minReplicas"), spec.get("maxReplicas")
        if isinstance(low, int) and low < 1:
            errs.append(v.invalid("spec.minReplicas", low, "must be greater than or equal to 1"))
        if not isinstance(high, int) or high < 1:
            errs.append(v.invalid("spec.maxReplicas", high, "must be greater than 0"))
        elif isinstance(low, int) and high < low:
            errs.append(v.invalid("spec.maxReplicas", high, "must be greater than or equal to `minReplicas`"))
        for i, metric in enumerate(spec.get("metrics") or []):
            errs += _validate_metric(metric, f"spec.metrics[{i}]")
        behavior = spec.get("behavior")
        if isinstance(behavior, dict):
            errs += _validate_rules(behavior.get("scaleUp"), "spec.behavior.scaleUp")
            errs += _validate_rules(behavior.get("scaleDown"), "spec.behavior.scaleDown")
        return errs


register(HorizontalPodAutoscalerStrategy(
    kind="HorizontalPodAutoscaler", plural="horizontalpodautoscalers", singular="horizontalpodautoscaler",
    group="autoscaling", version="v2", short_names=("hpa",), categories=("all",), subresources=("status",),
    tracks_generation=True,
))


# ---- autoscaling/v1: the same objects, converted (pkg/apis/autoscaling/v1/conversion.go) ----
METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics"
CURRENT_METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions"
BEHAVIOR_ANNOTATION = "autoscaling.alpha.kubernetes.io/behavior"


def _is_cpu_utilization(metric: Obj) -> bool:
    source = metric.get("resource") or {}
    return (metric.get("type") == "Resource" and source.get("name") == "cpu"
            and (source.get("target") or {}).get("type") == "Utilization")


def to_v1(obj: Obj) -> Obj:
    """v2 → v1: the CPU target as targetCPUUtilizationPercentage; what v1 cannot say
    (other metrics, behavior, conditions) in annotations, as Kubernetes keeps it."""
    import json

    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    meta = dict(obj.get("metadata") or {})
    annotations = dict(meta.get("annotations") or {})
    metrics = spec.get("metrics") or []
    cpu = next((m for m in metrics if _is_cpu_utilization(m)), None)
    others = [m for m in metrics if m is not cpu]
    if others:
        annotations[METRICS_ANNOTATION] = json.dumps(others, separators=(",", ":"))
    if spec.get("behavior"):
        annotations[BEHAVIOR_ANNOTATION] = json.dumps(spec["behavior"], separators=(",", ":"))
    if status.get("conditions"):
        annotations[CONDITIONS_ANNOTATION] = json.dumps(status["conditions"], separators=(",", ":"))
    current = status.get("currentMetrics") or []
    cpu_now = next((m for m in current if m.get("type") == "Resource" and (m.get("resource") or {}).get("name") == "cpu"), None)
    if [m for m in current if m is not cpu_now]:
        annotations[CURRENT_METRICS_ANNOTATION] = json.dumps([m for m in current if m is not cpu_now], separators=(",", ":"))
    if annotations:
        meta["annotations"] = annotations
    v1_spec: Obj = {"scaleTargetRef": spec.get("scaleTargetRef"), "minReplicas": spec.get("minReplicas"),
                    "maxReplicas": spec.get("maxReplicas")}
    if cpu is not None:
        v1_spec["targetCPUUtilizationPercentage"] = cpu["resource"]["target"].get("averageUtilization")
    v1_status: Obj = {k: status[k] for k in ("observedGeneration", "lastScaleTime") if k in status}
    v1_status["currentReplicas"] = status.get("currentReplicas", 0)
    v1_status["desiredReplicas"] = status.get("desiredReplicas", 0)
    utilization = (((cpu_now or {}).get("resource") or {}).get("current") or {}).get("averageUtilization")
    if utilization is not None:
        v1_status["currentCPUUtilizationPercentage"] = utilization
    return {"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v1", "metadata": meta,
            "spec": {k: val for k, val in v1_spec.items() if val is not None}, "status": v1_status}


def from_v1(obj: Obj) -> Obj:
    """v1 → v2, reading back what ``to_v1`` put in annotations."""
    import json

    if not isinstance(obj, dict):
        return obj
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    meta = dict(obj.get("metadata") or {}) if isinstance(obj.get("metadata"), dict) else {}
    annotations = dict(meta.get("annotations") or {})
    metrics: list[Obj] = []
    if spec.get("targetCPUUtilizationPercentage") is not None:
        metrics.append({"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": spec["targetCPUUtilizationPercentage"]}}})
    for key in (METRICS_ANNOTATION, BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, CURRENT_METRICS_ANNOTATION):
        annotations.pop(key, None)
    try:
        metrics += json.loads((meta.get("annotations") or {}).get(METRICS_ANNOTATION) or "[]")
        behavior = json.loads((meta.get("annotations") or {}).get(BEHAVIOR_ANNOTATION) or "null")
    except ValueError:
        behavior = None
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    v2_spec: Obj = {k: spec[k] for k in ("scaleTargetRef", "minReplicas", "maxReplicas") if k in spec}
    if metrics:
        v2_spec["metrics"] = metrics
    if behavior:
        v2_spec["behavior"] = behavior
    return {"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v2", "metadata": meta, "spec": v2_spec}
