"""StatefulSet (pkg/registry/apps/statefulset) with the status and scale subresources.

Defaults are SetDefaults_StatefulSet (apps/v1): replicas 1, podManagementPolicy
OrderedReady, RollingUpdate with partition 0, revisionHistoryLimit 10 and the
persistentVolumeClaimRetentionPolicy Retain/Retain. Validation is ValidateStatefulSetSpec:
like the real API server it checks the template's labels, annotations, restartPolicy
(Always) and activeDeadlineSeconds but not the rest of the pod spec ("TODO" upstream), so
a template without an image is accepted and only the pod creation fails. On update only
replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy and
minReadySeconds may change. ``serviceName`` is optional; when set, the controller makes
it the pods' subdomain. The name must be a DNS label (it becomes the pods' hostnames).
"""
from __future__ import annotations

from .. import validation as v
from ..jsoncopy import deep_copy
from ..resources import register
from ..strategy import Context, Obj, Strategy
from .podspec import default_template, set_default
from .podtemplate_rules import (
    int_or_percent_value,
    label_selector,
    non_negative_if_set,
    not_more_than_100_percent,
    positive_int_or_percent,
    selector_matches_template,
    template_labels,
)

POLICIES = ("OrderedReady", "Parallel")
RETENTION = ["Retain", "Delete"]
MUTABLE_SPEC = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds")
FORBIDDEN_UPDATE = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
    "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
)


def _default_claim_template(claim: object) -> None:
    """Each volumeClaimTemplate is a PersistentVolumeClaim, defaulted as one."""
    if not isinstance(claim, dict):
        return
    claim.setdefault("apiVersion", "v1")
    claim.setdefault("kind", "PersistentVolumeClaim")
    meta = claim.setdefault("metadata", {})
    if isinstance(meta, dict):
        meta.setdefault("creationTimestamp", None)
    spec = claim.setdefault("spec", {})
    if isinstance(spec, dict):
        set_default(spec, "volumeMode", "Filesystem")
    claim.setdefault("status", {"phase": "Pending"})


def _validate_update_strategy(strategy: object, field: str) -> list[v.FieldError]:
    if not isinstance(strategy, dict):
        strategy = {}
    stype = strategy.get("type")
    ru = strategy.get("rollingUpdate")
    if not stype:
        return [v.required(field)]
    if stype == "OnDelete":
        if ru is not None:
            return [v.invalid(f"{field}.rollingUpdate", ru, "only allowed for updateStrategy 'RollingUpdate'")]
        return []
    if stype != "RollingUpdate":
        return [v.invalid(field, strategy, "must be 'RollingUpdate' or 'OnDelete'")]
    if not isinstance(ru, dict):
        return []
    f = f"{field}.rollingUpdate"
    errs = v.non_negative(ru.get("partition", 0), f"{f}.partition")
    if ru.get("maxUnavailable") is not None:
        mu = ru["maxUnavailable"]
        errs += positive_int_or_percent(mu, f"{f}.maxUnavailable")
        if int_or_percent_value(mu) == 0:
            errs.append(v.invalid(f"{f}.maxUnavailable", mu, "cannot be 0"))
        errs += not_more_than_100_percent(mu, f"{f}.maxUnavailable")
    return errs


class StatefulSetStrategy(Strategy):
    def prepare_for_create(self, obj: Obj, ctx: Context) -> None:
        # StatefulSetStatus{} as apps/v1 JSON: replicas and availableReplicas are not omitempty.
        obj["status"] = {"replicas": 0, "availableReplicas": 0}

    def default(self, obj: Obj, ctx: Context) -> None:
        """SetDefaults_StatefulSet (apps/v1)."""
        spec = obj.setdefault("spec", {})
        set_default(spec, "podManagementPolicy", "OrderedReady")
        strategy = set_default(spec, "updateStrategy", {})
        if not strategy.get("type"):
            strategy["type"] = "RollingUpdate"
            set_default(strategy, "rollingUpdate", {})
        if strategy["type"] == "RollingUpdate" and isinstance(strategy.get("rollingUpdate"), dict):
            set_default(strategy["rollingUpdate"], "partition", 0)
        retention = set_default(spec, "persistentVolumeClaimRetentionPolicy", {})
        if isinstance(retention, dict):
            set_default(retention, "whenDeleted", "Retain")
            set_default(retention, "whenScaled", "Retain")
        set_default(spec, "replicas", 1)
        set_default(spec, "revisionHistoryLimit", 10)
        default_template(spec.get("template"))
        for claim in spec.get("volumeClaimTemplates") or []:
            _default_claim_template(claim)

    def validate(self, obj: Obj) -> list[v.FieldError]:
        """ValidateStatefulSetSpec."""
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [v.required("spec")]
        errs: list[v.FieldError] = []
        policy = spec.get("podManagementPolicy")
        if not policy:
            errs.append(v.required("spec.podManagementPolicy"))
        elif policy not in POLICIES:
            errs.append(v.invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"))
        errs += _validate_update_strategy(spec.get("updateStrategy"), "spec.updateStrategy")
        retention = spec.get("persistentVolumeClaimRetentionPolicy")
        if isinstance(retention, dict):
            for when in ("whenDeleted", "whenScaled"):
                if retention.get(when) not in RETENTION:
                    errs.append(v.not_supported(f"spec.persistentVolumeClaimRetentionPolicy.{when}", retention.get(when), RETENTION))
        errs += non_negative_if_set(spec, "replicas", "spec.replicas")
        errs += non_negative_if_set(spec, "minReadySeconds", "spec.minReadySeconds")
        ordinals = spec.get("ordinals")
        if isinstance(ordinals, dict) and ordinals.get("start") is not None:
            errs += v.non_negative(ordinals["start"], "spec.ordinals.start")
        selector, template = spec.get("selector"), spec.get("template")
        if selector is None:
            errs.append(v.required("spec.selector"))
        else:
            errs += label_selector(selector, "spec.selector", "statefulset")
        if isinstance(selector, dict) and (selector.get("matchLabels") or selector.get("matchExpressions")):
            errs += selector_matches_template(selector, template, "spec.template.metadata.labels")
        # ValidatePodTemplateSpecForStatefulSet: labels and annotations (note the path), no pod spec.
        errs += v.validate_labels(template_labels(template), "spec.template.labels")
        annotations = ((template or {}).get("metadata") or {}).get("annotations") if isinstance(template, dict) else None
        errs += v.validate_annotations(annotations, "spec.template.annotations")
        template_spec = (template.get("spec") if isinstance(template, dict) else None) or {}
        if isinstance(template_spec, dict):
            rp = template_spec.get("restartPolicy")
            if rp != "Always":
                errs.append(v.not_supported("spec.template.spec.restartPolicy", rp, ["Always"]))
            if template_spec.get("activeDeadlineSeconds") is not None:
                errs.append(v.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"))
        return errs

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        """ValidateStatefulSetUpdate: everything but the mutable fields stays as it was."""
        new_spec = deep_copy(new.get("spec") or {})
        old_spec = old.get("spec") or {}
        for name in MUTABLE_SPEC:
            new_spec.pop(name, None)
        if new_spec != {k: val for k, val in old_spec.items() if k not in MUTABLE_SPEC}:
            return [v.forbidden("spec", FORBIDDEN_UPDATE)]
        return []


register(StatefulSetStrategy(
    kind="StatefulSet", plural="statefulsets", singular="statefulset", group="apps",
    short_names=("sts",), categories=("all",), subresources=("status", "scale"),
    tracks_generation=True, name_rule="label",
))
