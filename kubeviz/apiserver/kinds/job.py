"""Job (pkg/registry/batch/job) with the status subresource.

Defaults are SetDefaults_Job (batch/v1, 1.32): completions and parallelism 1 when both are
unset (parallelism alone otherwise), backoffLimit 6, completionMode NonIndexed, suspend
false, podReplacementPolicy TerminatingOrFailed (Failed with a podFailurePolicy) and
manualSelector false; a Job without labels takes its template's labels.

Unless ``manualSelector`` is true, the API server generates the selector on create
(generateSelector in the Job strategy): the template is labelled with the Job's uid and
name (``batch.kubernetes.io/controller-uid``, ``controller-uid``,
``batch.kubernetes.io/job-name``, ``job-name``) and the selector picks
``batch.kubernetes.io/controller-uid=<uid>``, so a Job's pods can never be confused with
another's. The template must use restartPolicy OnFailure or Never and, once created, is
immutable (except, for a suspended Job that never started, its scheduling directives).
"""
from __future__ import annotations

from .. import validation as v
from ..jsoncopy import deep_copy
from ..resources import register
from ..selectors import from_label_selector_object
from ..strategy import Context, Obj, Strategy
from .podspec import default_template, set_default, validate_selector, validate_template
from .podtemplate_rules import non_negative_if_set

CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
LEGACY_CONTROLLER_UID = "controller-uid"
JOB_NAME = "batch.kubernetes.io/job-name"
LEGACY_JOB_NAME = "job-name"
COMPLETION_MODES = ["NonIndexed", "Indexed"]
REPLACEMENT_POLICIES = ["Failed", "TerminatingOrFailed"]
MAX_PARALLELISM_INDEXED = 100000
# Scheduling directives of a suspended Job that never started may change (validatePodTemplateUpdate).
_SCHEDULING_SPEC = ("nodeSelector", "tolerations", "schedulingGates")


def generate_selector(job: Obj) -> None:
    """generateSelector: label the template with the Job's name and uid, select the uid."""
    meta = job.get("metadata") or {}
    spec = job.setdefault("spec", {})
    template = spec.get("template")
    if not isinstance(template, dict):
        template = spec["template"] = {}
    tmeta = template.get("metadata")
    if not isinstance(tmeta, dict):
        tmeta = template["metadata"] = {}
    labels = tmeta.get("labels")
    if not isinstance(labels, dict):
        labels = tmeta["labels"] = {}
    for key in (LEGACY_JOB_NAME, JOB_NAME):
        labels.setdefault(key, meta.get("name", ""))
    for key in (LEGACY_CONTROLLER_UID, CONTROLLER_UID):
        labels.setdefault(key, meta.get("uid", ""))
    selector = spec.get("selector")
    if not isinstance(selector, dict):
        selector = spec["selector"] = {}
    match = selector.get("matchLabels")
    if not isinstance(match, dict):
        match = selector["matchLabels"] = {}
    match.setdefault(CONTROLLER_UID, meta.get("uid", ""))


def _has_label(labels: dict, key: str, expected: str) -> list[v.FieldError]:
    """ValidateHasLabel."""
    field = f"spec.template.metadata.labels[{key}]"
    if key not in labels:
        return [v.required(field, expected)]
    if labels[key] != expected:
        return [v.invalid(field, labels, expected)]
    return []


def validate_generated_selector(job: Obj) -> list[v.FieldError]:
    spec = job.get("spec") or {}
    if spec.get("manualSelector") is True or spec.get("selector") is None:
        return []
    meta = job.get("metadata") or {}
    uid, name = meta.get("uid", ""), meta.get("name", "")
    errs: list[v.FieldError] = []
    if not uid:
        errs.append(v.required("metadata.uid"))
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    errs += _has_label(labels, LEGACY_CONTROLLER_UID, uid)
    errs += _has_label(labels, LEGACY_JOB_NAME, name)
    errs += _has_label(labels, CONTROLLER_UID, uid)
    errs += _has_label(labels, JOB_NAME, name)
    expected = {CONTROLLER_UID: uid, JOB_NAME: name, LEGACY_CONTROLLER_UID: uid, LEGACY_JOB_NAME: name}
    if not from_label_selector_object(spec["selector"]).matches(expected):
        errs.append(v.invalid("spec.selector", spec["selector"], "`selector` not auto-generated"))
    return errs


def _is_indexed(spec: Obj) -> bool:
    return spec.get("completionMode") == "Indexed"


class JobStrategy(Strategy):
    def prepare_for_create(self, obj: Obj, ctx: Context) -> None:
        obj["status"] = {}
        spec = obj.get("spec")
        if isinstance(spec, dict) and not spec.get("manualSelector"):
            generate_selector(obj)

    def default(self, obj: Obj, ctx: Context) -> None:
        """SetDefaults_Job (batch/v1)."""
        spec = obj.setdefault("spec", {})
        if spec.get("completions") is None and spec.get("parallelism") is None:
            spec["completions"] = 1
            spec["parallelism"] = 1
        set_default(spec, "parallelism", 1)
        set_default(spec, "backoffLimit", 2**31 - 1 if spec.get("backoffLimitPerIndex") is not None else 6)
        template = spec.get("template")
        labels = ((template or {}).get("metadata") or {}).get("labels") if isinstance(template, dict) else None
        meta = obj.setdefault("metadata", {})
        if isinstance(labels, dict) and labels and not meta.get("labels"):
            meta["labels"] = dict(labels)
        set_default(spec, "completionMode", "NonIndexed")
        set_default(spec, "suspend", False)
        set_default(spec, "podReplacementPolicy", "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed")
        set_default(spec, "manualSelector", False)
        default_template(template)

    def validate(self, obj: Obj) -> list[v.FieldError]:
        """ValidateJob: the generated selector, then ValidateJobSpec."""
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [v.required("spec")]
        errs = validate_generated_selector(obj)
        for name in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                     "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"):
            errs += non_negative_if_set(spec, name, f"spec.{name}")
        if spec.get("maxFailedIndexes") is not None and spec.get("backoffLimitPerIndex") is None:
            errs.append(v.required("spec.backoffLimitPerIndex", "when maxFailedIndexes is specified"))
        mode = spec.get("completionMode")
        if mode is not None and mode not in COMPLETION_MODES:
            errs.append(v.not_supported("spec.completionMode", mode, COMPLETION_MODES))
        if mode == "Indexed":
            if spec.get("completions") is None:
                errs.append(v.required("spec.completions", "when completion mode is Indexed"))
            par = spec.get("parallelism")
            if isinstance(par, int) and par > MAX_PARALLELISM_INDEXED:
                errs.append(v.invalid("spec.parallelism", par, f"must be less than or equal to {MAX_PARALLELISM_INDEXED} when completion mode is Indexed"))
        elif mode in (None, "NonIndexed"):
            for name in ("backoffLimitPerIndex", "maxFailedIndexes"):
                if spec.get(name) is not None:
                    errs.append(v.invalid(f"spec.{name}", spec[name], "requires indexed completion mode"))
        policy = spec.get("podReplacementPolicy")
        if policy is not None:
            if spec.get("podFailurePolicy") is not None:
                if policy != "Failed":
                    errs.append(v.not_supported("spec.podReplacementPolicy", policy, ["Failed"]))
            elif policy not in REPLACEMENT_POLICIES:
                errs.append(v.not_supported("spec.podReplacementPolicy", policy, REPLACEMENT_POLICIES))
        selector, template = spec.get("selector"), spec.get("template")
        errs += validate_template(template, "spec.template", selector)
        template_spec = (template.get("spec") if isinstance(template, dict) else None) or {}
        rp = template_spec.get("restartPolicy") if isinstance(template_spec, dict) else None
        if rp in ("Always", "", None):
            errs = [e for e in errs if e.field != "spec.template.spec.restartPolicy"]
            errs.append(v.required("spec.template.spec.restartPolicy", 'valid values: "OnFailure", "Never"'))
        elif rp not in ("OnFailure", "Never"):
            errs = [e for e in errs if e.field != "spec.template.spec.restartPolicy"]
            errs.append(v.not_supported("spec.template.spec.restartPolicy", rp, ["OnFailure", "Never"]))
        elif spec.get("podFailurePolicy") is not None and rp != "Never":
            errs.append(v.invalid("spec.template.spec.restartPolicy", rp, 'only "Never" is supported when podFailurePolicy is specified'))
        if selector is None:
            errs.append(v.required("spec.selector"))
        elif isinstance(selector, dict) and (selector.get("matchLabels") or selector.get("matchExpressions")):
            errs += validate_selector(selector, "spec.selector")
        completions = spec.get("completions")
        if mode == "Indexed" and isinstance(completions, int) and completions > 0:
            name = (obj.get("metadata") or {}).get("name", "")
            hostname = f"{name}-{completions - 1}"
            if v.dns1123_label(hostname):
                errs.append(v.invalid("metadata.name", name, f"will not able to create pod with invalid DNS label: {hostname}"))
        return errs

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        """ValidateJobSpecUpdate."""
        spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
        errs: list[v.FieldError] = []
        if spec.get("completions") != old_spec.get("completions"):
            if not _is_indexed(spec):
                errs.append(v.invalid("spec.completions", spec.get("completions"), "field is immutable"))
            elif spec.get("completions") is not None and spec.get("completions") != spec.get("parallelism"):
                errs.append(v.invalid("spec.completions", spec.get("completions"), "can only be modified in tandem with spec.parallelism"))
        if spec.get("selector") != old_spec.get("selector"):
            errs.append(v.invalid("spec.selector", spec.get("selector"), "field is immutable"))
        errs += _validate_template_update(spec, old_spec, old)
        for name in ("completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy", "successPolicy"):
            if spec.get(name) != old_spec.get(name):
                errs.append(v.invalid(f"spec.{name}", spec.get(name), "field is immutable"))
        return errs


def _validate_template_update(spec: Obj, old_spec: Obj, old: Obj) -> list[v.FieldError]:
    template = deep_copy(spec.get("template"))
    old_template = deep_copy(old_spec.get("template"))
    suspended = bool(old_spec.get("suspend"))
    not_started = not (old.get("status") or {}).get("startTime")
    if suspended and not_started and isinstance(template, dict) and isinstance(old_template, dict):
        # AllowMutableSchedulingDirectives: compare with those fields taken from the new template.
        new_meta, old_meta = template.get("metadata") or {}, old_template.setdefault("metadata", {})
        for name in ("labels", "annotations"):
            if name in new_meta:
                old_meta[name] = new_meta[name]
            else:
                old_meta.pop(name, None)
        new_pod, old_pod = template.get("spec") or {}, old_template.setdefault("spec", {})
        for name in _SCHEDULING_SPEC:
            if name in new_pod:
                old_pod[name] = new_pod[name]
            else:
                old_pod.pop(name, None)
        new_affinity = dict(new_pod.get("affinity") or {})
        old_affinity = dict(old_pod.get("affinity") or {})
        old_affinity.pop("nodeAffinity", None)
        if "nodeAffinity" in new_affinity:
            old_affinity["nodeAffinity"] = new_affinity["nodeAffinity"]
        if old_affinity or "affinity" in new_pod:
            old_pod["affinity"] = old_affinity
        else:
            old_pod.pop("affinity", None)
    if template != old_template:
        return [v.invalid("spec.template", template, "field is immutable")]
    return []


register(JobStrategy(
    kind="Job", plural="jobs", singular="job", group="batch",
    categories=("all",), subresources=("status",), tracks_generation=True,
    extra_fields={"status.successful": lambda obj: str((obj.get("status") or {}).get("succeeded") or 0)},
))
