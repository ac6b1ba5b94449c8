"""The CronJob controller of kube-controller-manager (pkg/controller/cronjob, v2), as in 1.32.

A CronJob creates a Job at each time its schedule names, on the cluster's simulated
clock: the Job is named ``<cronjob>-<scheduled time in minutes since the epoch>`` and
carries the ``batch.kubernetes.io/cronjob-scheduled-timestamp`` annotation. A sync
(syncCronJob) first reconciles ``status.active`` with the Jobs it owns (SawCompletedJob
for each that finished, ``lastSuccessfulTime`` from the latest completion), then works
out the most recent unmet start time since ``lastScheduleTime`` (or the CronJob's
creation): none → requeue at the next one; past ``startingDeadlineSeconds`` → missed
(MissSchedule); more than 100 missed → the TooManyMissedTimes warning, then the latest
is started anyway. ``concurrencyPolicy`` Forbid skips a start while a Job is active
(JobAlreadyActive), Replace deletes the active Jobs first. Finished Jobs beyond
``successfulJobsHistoryLimit`` / ``failedJobsHistoryLimit`` are deleted, oldest first.

The schedule is read in ``spec.timeZone`` (UTC when unset: the controller manager's
local time, which in kubeviz is UTC).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from kubeviz.apiserver import errors
from kubeviz.apiserver.cron import CronError, Schedule, parse_standard, zone
from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.clusters.clock import rfc3339
from kubeviz.engine.cache import Cache
from kubeviz.engine.client import Client

from .job import condition as job_condition
from .job import is_finished
from .objects import (
    controller_keys,
    controller_of,
    created_at,
    is_deleting,
    key_of,
    name_of,
    namespace_of,
    new_controller_ref,
    timestamp,
    uid_of,
)

Obj = dict[str, Any]

SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
NEXT_SCHEDULE_DELTA = 0.1  # nextScheduleDelta: look again just after the next start time
MANY_MISSED = 100


def job_name(cronjob: Obj, scheduled: datetime) -> str:
    """getJobName: the scheduled time in minutes since the epoch, so one start is one Job."""
    return f"{name_of(cronjob)}-{int(scheduled.timestamp()) // 60}"


def most_recent_schedule_time(cronjob: Obj, now: datetime, schedule: Schedule, tz: Any,
                              with_deadline: bool) -> tuple[datetime, datetime | None, int]:
    """mostRecentScheduleTime: (earliest time considered, the latest unmet start time or
    None, how many were missed — counted roughly as Kubernetes counts them)."""
    status, spec = cronjob.get("status") or {}, cronjob.get("spec") or {}
    earliest = timestamp(status.get("lastScheduleTime")) or created_at(cronjob) or now
    deadline = spec.get("startingDeadlineSeconds")
    if with_deadline and deadline is not None:
        earliest = max(earliest, now - timedelta(seconds=int(deadline)))
    t1 = schedule.next(earliest, tz)
    if t1 is None or now < t1:
        return earliest, None, 0
    t2 = schedule.next(t1, tz)
    if t2 is None or now < t2:
        return earliest, t1, 1
    between = max(round((t2 - t1).total_seconds()), 1)
    missed = int((now - t1).total_seconds()) // between + 1
    recent = t1 + timedelta(seconds=(missed - 1) * between)
    following = schedule.next(recent, tz)
    while following is not None and following <= now:
        recent = following
        following = schedule.next(recent, tz)
    return earliest, recent, missed


def _object_ref(job: Obj) -> Obj:
    meta = job["metadata"]
    return {"kind": "Job", "namespace": meta.get("namespace"), "name": meta["name"], "uid": meta.get("uid"),
            "apiVersion": "batch/v1", "resourceVersion": meta.get("resourceVersion")}


class CronJobController:
    name = "controller-manager/cronjob"
    actor = "controller-manager"
    watches = ("cronjobs", "jobs")

    def __init__(self, cluster: Any = None) -> None:
        self.cluster = cluster

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural == "cronjobs":
            return [] if event == "DELETED" else [key_of(obj)]
        return controller_keys(cache, "cronjobs", "CronJob", obj, old)

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        cached = cache.get("cronjobs", key)
        if cached is None:
            return None
        jobs = [j for j in cache.iter("jobs", namespace_of(cached))
                if (ref := controller_of(j)) is not None and ref.get("uid") == uid_of(cached)]
        return _CronJobSync(api, deep_copy(cached), jobs).run()


class _CronJobSync:
    def __init__(self, api: Client, cronjob: Obj, jobs: list[Obj]) -> None:
        self.api = api
        self.cronjob = cronjob
        self.jobs = jobs
        self.spec = cronjob.get("spec") or {}
        self.status: Obj = deep_copy(cronjob.get("status") or {})
        self.now = api.now()
        self.where = key_of(cronjob)

    def event(self, etype: str, reason: str, message: str) -> None:
        self.api.event(self.cronjob, type=etype, reason=reason, message=message)

    def run(self) -> float | None:
        self._reconcile_active()
        requeue = None
        if not is_deleting(self.cronjob):
            requeue = self._maybe_start()
        self._write_status()
        if not is_deleting(self.cronjob):
            self._cleanup_finished()
        return requeue

    # ---- status.active against the Jobs that exist ------------------------------------
    def _reconcile_active(self) -> None:
        active = list(self.status.get("active") or [])
        active_uids = {a.get("uid") for a in active}
        for job in self.jobs:
            finished = is_finished(job)
            if uid_of(job) not in active_uids and not finished:
                self.event("Warning", "UnexpectedJob", f"Saw a job that the controller did not create or forgot: {name_of(job)}")
            elif uid_of(job) in active_uids and finished:
                kind = "Complete" if job_condition(job, "Complete") is not None else "Failed"
                active = [a for a in active if a.get("uid") != uid_of(job)]
                self.event("Normal", "SawCompletedJob", f"Saw completed job: {name_of(job)}, condition: {kind}")
            if finished and job_condition(job, "Complete") is not None:
                done = timestamp((job.get("status") or {}).get("completionTime"))
                last = timestamp(self.status.get("lastSuccessfulTime"))
                if done is not None and (last is None or done > last):
                    self.status["lastSuccessfulTime"] = rfc3339(done)
        present = {uid_of(j) for j in self.jobs}
        for ref in list(active):
            if ref.get("uid") not in present and not self._still_there(ref):
                self.event("Normal", "MissingJob", f"Active job went missing: {ref.get('name')}")
                active = [a for a in active if a.get("uid") != ref.get("uid")]
        self.status["active"] = active

    def _still_there(self, ref: Obj) -> bool:
        """The cache may not have seen a Job just created: ask the API server, as the
        controller does before calling a Job missing."""
        try:
            job = self.api.get("jobs", namespace_of(self.cronjob), str(ref.get("name")))
        except errors.StatusError:
            return False
        return uid_of(job) == ref.get("uid")

    # ---- starting a Job ---------------------------------------------------------------
    def _maybe_start(self) -> float | None:
        if self.spec.get("suspend"):
            return None
        tz = zone(self.spec.get("timeZone"))
        if tz is None:
            self.event("Warning", "UnknownTimeZone", f"invalid timeZone: {self.spec.get('timeZone')!r}: unknown time zone")
            return None
        schedule_text = str(self.spec.get("schedule") or "")
        try:
            schedule = parse_standard(schedule_text)
        except CronError as exc:
            self.event("Warning", "UnparseableSchedule", f'unparseable schedule: "{schedule_text}" : {exc}')
            return None
        _, scheduled, missed = most_recent_schedule_time(self.cronjob, self.now, schedule, tz, True)
        if scheduled is None:
            return self._next_in(schedule, tz)
        if missed > MANY_MISSED:
            self.event("Warning", "TooManyMissedTimes",
                       "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew")
        deadline = self.spec.get("startingDeadlineSeconds")
        if deadline is not None and scheduled + timedelta(seconds=int(deadline)) < self.now:
            self.event("Warning", "MissSchedule",
                       f"Missed scheduled time to start a job: {scheduled.strftime('%a, %d %b %Y %H:%M:%S +0000')}")
            return self._next_in(schedule, tz)
        name = job_name(self.cronjob, scheduled)
        last = timestamp(self.status.get("lastScheduleTime"))
        if any(a.get("name") == name for a in self.status["active"]) or last == scheduled:
            return self._next_in(schedule, tz)
        policy = self.spec.get("concurrencyPolicy") or "Allow"
        if policy == "Forbid" and self.status["active"]:
            self.event("Normal", "JobAlreadyActive",
                       "Not starting job because prior execution is running and concurrency policy is Forbid")
            return self._next_in(schedule, tz)
        if policy == "Replace":
            for ref in list(self.status["active"]):
                self._delete_job(str(ref.get("name")), "concurrencyPolicy is Replace and a new run is due")
                self.status["active"] = [a for a in self.status["active"] if a.get("uid") != ref.get("uid")]
        created = self._create_job(name, scheduled, tz)
        if created is None:
            return 1.0
        self.status["active"] = [*self.status["active"], _object_ref(created)]
        self.status["lastScheduleTime"] = rfc3339(scheduled)
        return self._next_in(schedule, tz)

    def _next_in(self, schedule: Schedule, tz: Any) -> float | None:
        """nextScheduleTimeDuration: seconds until just after the next start time."""
        earliest, recent, _ = most_recent_schedule_time(self.cronjob, self.now, schedule, tz, False)
        following = schedule.next(recent or earliest, tz)
        if following is None:
            return None
        return max((following - self.now).total_seconds(), 0.0) + NEXT_SCHEDULE_DELTA

    def _create_job(self, name: str, scheduled: datetime, tz: Any) -> Obj | None:
        """getJobFromTemplate2 and CreateJob."""
        template = deep_copy(self.spec.get("jobTemplate") or {})
        tmeta = template.get("metadata") or {}
        annotations = dict(tmeta.get("annotations") or {})
        annotations[SCHEDULED_TIMESTAMP] = scheduled.astimezone(tz).isoformat().replace("+00:00", "Z")
        job = {
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "labels": dict(tmeta.get("labels") or {}), "annotations": annotations,
                         "ownerReferences": [new_controller_ref(self.cronjob, "batch/v1", "CronJob")]},
            "spec": template.get("spec") or {},
        }
        if not job["metadata"]["labels"]:
            del job["metadata"]["labels"]
        try:
            created = self.api.create("jobs", namespace_of(self.cronjob), job, message=(
                f"CronJob {self.where} is due ({rfc3339(scheduled)}, schedule \"{self.spec.get('schedule')}\"): "
                f"the cronjob controller asks the API server to create Job {name} from its jobTemplate"))
        except errors.StatusError as exc:
            if exc.code == 409:
                return None if not self._adopt_existing(name) else self.api.get("jobs", namespace_of(self.cronjob), name)
            self.event("Warning", "FailedCreate", f"Error creating job: {exc.message}")
            return None
        self.event("Normal", "SuccessfulCreate", f"Created job {name}")
        return created

    def _adopt_existing(self, name: str) -> bool:
        """A Job of that name exists: ours if it is controlled by this CronJob."""
        try:
            existing = self.api.get("jobs", namespace_of(self.cronjob), name)
        except errors.StatusError:
            return False
        ref = controller_of(existing)
        return ref is not None and ref.get("uid") == uid_of(self.cronjob)

    def _delete_job(self, name: str, why: str) -> bool:
        """deleteJob: background propagation, so the Job's pods go with it."""
        try:
            self.api.delete("jobs", namespace_of(self.cronjob), name, options={"propagationPolicy": "Background"},
                            message=f"CronJob {self.where}: the cronjob controller asks the API server to delete Job {name}: {why}")
        except errors.StatusError as exc:
            if exc.code != 404:
                self.event("Warning", "FailedDelete", f"Deleted job: {exc.message}")
                return False
        self.event("Normal", "SuccessfulDelete", f"Deleted job {name}")
        return True

    # ---- history limits ---------------------------------------------------------------
    def _cleanup_finished(self) -> None:
        """cleanupFinishedJobs: keep the newest finished Jobs up to each history limit."""
        for kind, limit_field in (("Complete", "successfulJobsHistoryLimit"), ("Failed", "failedJobsHistoryLimit")):
            limit = self.spec.get(limit_field)
            if limit is None:
                continue
            done = [j for j in self.jobs if job_condition(j, kind) is not None and not is_deleting(j)]
            done.sort(key=lambda j: ((j.get("status") or {}).get("startTime") or "", name_of(j)))
            for job in done[: max(len(done) - int(limit), 0)]:
                self._delete_job(name_of(job), f"it keeps {limit} {'successful' if kind == 'Complete' else 'failed'} "
                                 f"Jobs ({limit_field}) and this one is the oldest")

    def _write_status(self) -> None:
        if not self.status.get("active"):
            self.status.pop("active", None)
        if self.status == (self.cronjob.get("status") or {}):
            return
        self.cronjob["status"] = self.status
        active = len(self.status.get("active") or [])
        self.api.update_status("cronjobs", self.cronjob, message=(
            f"the cronjob controller reports CronJob {self.where}: {active} active Job(s), last scheduled "
            f"{self.status.get('lastScheduleTime') or 'never'}"))
