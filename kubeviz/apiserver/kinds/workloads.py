"""Shared rules of the apps/v1 workloads that own pods through a template and selector."""
from __future__ import annotations

from .. import validation as v
from ..jsoncopy import deep_copy
from ..strategy import Obj
from .podspec import validate_selector, validate_template


def validate_replicated(obj: Obj, *, restart_always: bool = True) -> list[v.FieldError]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [v.required("spec")]
    errs: list[v.FieldError] = []
    if "replicas" in spec:
        errs += v.non_negative(spec["replicas"], "spec.replicas")
    errs += validate_selector(spec.get("selector"), "spec.selector")
    errs += validate_template(spec.get("template"), "spec.template", spec.get("selector"))
    template_spec = (spec.get("template") or {}).get("spec") or {}
    if restart_always and isinstance(template_spec, dict):
        rp = template_spec.get("restartPolicy")
        if rp not in (None, "Always"):
            errs = [e for e in errs if e.field != "spec.template.spec.restartPolicy"]
            errs.append(v.not_supported("spec.template.spec.restartPolicy", rp, ["Always"]))
    if "minReadySeconds" in spec:
        errs += v.non_negative(spec["minReadySeconds"], "spec.minReadySeconds")
    return errs


def validate_selector_immutable(new: Obj, old: Obj) -> list[v.FieldError]:
    new_sel = (new.get("spec") or {}).get("selector")
    old_sel = (old.get("spec") or {}).get("selector")
    if new_sel != old_sel:
        return [v.invalid("spec.selector", new_sel, "field is immutable")]
    return []


def status_update_keeping_annotations(new: Obj, old: Obj) -> Obj:
    """apps/v1 status strategies reset only spec and labels (deploymentStatusStrategy), so
    the deployment controller can record its revision annotation with the status."""

    result = deep_copy(old)
    result["status"] = new.get("status", old.get("status"))
    annotations = (new.get("metadata") or {}).get("annotations")
    if annotations is not None:
        result["metadata"]["annotations"] = dict(annotations)
    return result
