"""CronJob (pkg/registry/batch/cronjob) with the status subresource.

Defaults are SetDefaults_CronJob (batch/v1): concurrencyPolicy Allow, suspend false,
successfulJobsHistoryLimit 3, failedJobsHistoryLimit 1; the job template's pod template
gets the pod defaults (Job-level defaults such as backoffLimit come when the Job is
created). Validation is ValidateCronJobCreate/Update: a name of at most 52 characters
(the controller appends ``-<minutes>``), a schedule robfig/cron accepts (its error
text after ``Invalid value``), an IANA ``timeZone``, and a job template whose pods use
restartPolicy OnFailure or Never.
"""
from __future__ import annotations

from .. import validation as v
from ..cron import CronError, parse_standard, zone
from ..resources import register
from ..strategy import Context, Obj, Strategy
from .podspec import default_template, set_default, validate_template
from .podtemplate_rules import non_negative_if_set

CONCURRENCY_POLICIES = ["Allow", "Forbid", "Replace"]
MAX_NAME = 52  # DNS1035LabelMaxLength - 11


def validate_schedule(schedule: str, time_zone: str | None, field: str) -> list[v.FieldError]:
    """validateScheduleFormat."""
    errs: list[v.FieldError] = []
    try:
        parse_standard(schedule)
    except CronError as exc:
        errs.append(v.invalid(field, schedule, str(exc)))
    if "TZ" in schedule:
        errs.append(v.invalid(field, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
    return errs


def validate_time_zone(time_zone: object, field: str) -> list[v.FieldError]:
    """validateTimeZone."""
    if time_zone is None:
        return []
    if not isinstance(time_zone, str) or time_zone == "":
        return [v.invalid(field, time_zone, "timeZone must be nil or non-empty string")]
    if time_zone.lower() == "local":
        return [v.invalid(field, time_zone, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")]
    if zone(time_zone) is None:
        return [v.invalid(field, time_zone, f"unknown time zone {time_zone}")]
    return []


def validate_job_template(template: object, field: str) -> list[v.FieldError]:
    """ValidateJobTemplateSpec: the pod template, its restart policy, the counts."""
    if not isinstance(template, dict) or not isinstance(template.get("spec"), dict):
        return [v.required(f"{field}.spec")]
    spec = template["spec"]
    errs: list[v.FieldError] = []
    for name in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"):
        errs += non_negative_if_set(spec, name, f"{field}.spec.{name}")
    pod_template = spec.get("template")
    errs += validate_template(pod_template, f"{field}.spec.template", spec.get("selector"))
    rp = ((pod_template or {}).get("spec") or {}).get("restartPolicy") if isinstance(pod_template, dict) else None
    rp_field = f"{field}.spec.template.spec.restartPolicy"
    if rp in ("Always", "", None):
        errs = [e for e in errs if e.field != rp_field]
        errs.append(v.required(rp_field, 'valid values: "OnFailure", "Never"'))
    elif rp not in ("OnFailure", "Never"):
        errs = [e for e in errs if e.field != rp_field]
        errs.append(v.not_supported(rp_field, rp, ["OnFailure", "Never"]))
    return errs


class CronJobStrategy(Strategy):
    def default(self, obj: Obj, ctx: Context) -> None:
        """SetDefaults_CronJob."""
        spec = obj.setdefault("spec", {})
        if not isinstance(spec, dict):
            return
        set_default(spec, "concurrencyPolicy", "Allow")
        set_default(spec, "suspend", False)
        set_default(spec, "successfulJobsHistoryLimit", 3)
        set_default(spec, "failedJobsHistoryLimit", 1)
        template = spec.get("jobTemplate")
        if isinstance(template, dict):
            template.setdefault("metadata", {}).setdefault("creationTimestamp", None)
            job_spec = template.get("spec")
            if isinstance(job_spec, dict):
                default_template(job_spec.get("template"))

    def validate(self, obj: Obj) -> list[v.FieldError]:
        name = (obj.get("metadata") or {}).get("name") or ""
        errs: list[v.FieldError] = []
        if len(name) > MAX_NAME:
            errs.append(v.invalid("metadata.name", name, f"must be no more than {MAX_NAME} characters"))
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [*errs, v.required("spec")]
        schedule = spec.get("schedule")
        if not schedule:
            errs.append(v.required("spec.schedule"))
        elif not isinstance(schedule, str):
            errs.append(v.invalid("spec.schedule", schedule, "must be a string"))
        else:
            errs += validate_schedule(schedule, spec.get("timeZone"), "spec.schedule")
        errs += validate_time_zone(spec.get("timeZone"), "spec.timeZone")
        for field in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
            errs += non_negative_if_set(spec, field, f"spec.{field}")
        policy = spec.get("concurrencyPolicy")
        if policy not in CONCURRENCY_POLICIES:
            errs.append(v.not_supported("spec.concurrencyPolicy", policy, CONCURRENCY_POLICIES) if policy
                        else v.required("spec.concurrencyPolicy"))
        errs += validate_job_template(spec.get("jobTemplate"), "spec.jobTemplate")
        return errs

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        # ValidateCronJobUpdate checks the new object in full, name length aside.
        return [e for e in self.validate(new) if e.field != "metadata.name"]


register(CronJobStrategy(
    kind="CronJob", plural="cronjobs", singular="cronjob", group="batch", short_names=("cj",),
    categories=("all",), subresources=("status",), tracks_generation=True,
))
