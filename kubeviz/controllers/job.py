"""The Job controller of kube-controller-manager (pkg/controller/job), as in 1.32.

A Job runs pods to completion: up to ``parallelism`` at a time until ``completions`` of
them have succeeded. Its pods carry the ``batch.kubernetes.io/job-tracking`` finalizer,
so none can disappear before it is counted: a sync counts the pods that finished
(Succeeded, or Failed — and a pod deleted before it succeeded counts as failed) into
``status.succeeded`` / ``status.failed`` and removes their finalizer in the same step.

A failed pod is replaced after a back-off (10 s, doubling, at most 10 minutes). Once the
failures exceed ``backoffLimit`` (or, with restartPolicy OnFailure, the container
restarts reach it) the Job is failing: the FailureTarget condition is written, its
active pods are deleted, and when none is left terminating the Failed condition
(reason BackoffLimitExceeded) is added. Success is the same two steps:
SuccessCriteriaMet, then Complete with ``completionTime`` — the 1.31+ behaviour, where
the terminal condition waits for the Job's pods to be gone.

Also handled: ``activeDeadlineSeconds`` (DeadlineExceeded), ``suspend`` (active pods are
deleted, condition Suspended), Indexed completion mode (one pod per index, the index in
an annotation, a label, the hostname and JOB_COMPLETION_INDEX) and jobs without
``completions`` (done once any pod succeeded and none is left running). Not simulated:
podFailurePolicy, successPolicy, backoffLimitPerIndex and ttlSecondsAfterFinished.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from kubeviz.apiserver import errors
from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.apiserver.patch import MERGE_PATCH
from kubeviz.apiserver.selectors import from_label_selector_object
from kubeviz.clusters.clock import rfc3339
from kubeviz.engine.cache import Cache
from kubeviz.engine.client import Client

from .claim import ControllerRefManager
from .objects import (
    annotations_of,
    controller_keys,
    controller_of,
    created_at,
    is_deleting,
    key_of,
    labels_of,
    meta,
    name_of,
    namespace_of,
    new_controller_ref,
    resolve_controller_ref,
    selecting_keys,
    timestamp,
    uid_of,
)
from .podcontrol import pod_from_template
from .pods import is_pod_active, is_pod_ready

Obj = dict[str, Any]

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
POD_FAILURE_BACKOFF = 10.0  # DefaultJobPodFailureBackOff
POD_FAILURE_BACKOFF_MAX = 600.0  # MaxJobPodFailureBackOff
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")


# ---- small predicates ------------------------------------------------------------------------


def _phase(pod: Obj) -> str:
    return (pod.get("status") or {}).get("phase") or ""


def has_tracking_finalizer(pod: Obj) -> bool:
    return TRACKING_FINALIZER in (meta(pod).get("finalizers") or [])


def is_pod_failed(pod: Obj) -> bool:
    """isPodFailed: Failed, or deleted before it succeeded. kubeviz's kubelet does not mark a
    killed pod Failed, so a terminating pod counts as failed whatever the replacement policy."""
    return _phase(pod) == "Failed" or (is_deleting(pod) and _phase(pod) != "Succeeded")


def is_terminating(pod: Obj) -> bool:
    return is_deleting(pod) and _phase(pod) not in ("Succeeded", "Failed")


def condition(job: Obj, ctype: str) -> Obj | None:
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") == ctype and c.get("status") == "True":
            return c
    return None


def is_finished(job: Obj) -> bool:
    return condition(job, "Complete") is not None or condition(job, "Failed") is not None


def completion_index(pod: Obj) -> int | None:
    value = annotations_of(pod).get(COMPLETION_INDEX)
    if value is None or not re.fullmatch(r"[0-9]+", str(value)):
        return None
    return int(value)


def finish_time(pod: Obj) -> datetime | None:
    """When a finished pod's last container terminated (getFinishedTime)."""
    times = []
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        t = timestamp(((cs.get("state") or {}).get("terminated") or {}).get("finishedAt"))
        if t is not None:
            times.append(t)
    return max(times) if times else (timestamp(meta(pod).get("deletionTimestamp")) or created_at(pod))


def format_indexes(indexes: Iterable[int]) -> str:
    """``0-2,4,6-7``: the compressed form of status.completedIndexes."""
    ordered = sorted(set(indexes))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def parse_indexes(text: str | None) -> set[int]:
    out: set[int] = set()
    for part in (text or "").split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        try:
            out.update(range(int(first), int(last or first) + 1))
        except ValueError:
            continue
    return out


def new_condition(ctype: str, reason: str, message: str, stamp: str, status: str = "True") -> Obj:
    return {"type": ctype, "status": status, "lastProbeTime": stamp, "lastTransitionTime": stamp,
            "reason": reason, "message": message}


def remove_tracking_finalizer(api: Client, pod: Obj, message: str) -> bool:
    """removeTrackingFinalizerPatch: the pod keeps its other finalizers (and loses the
    field when none is left). False when the pod is already gone."""
    kept = [f for f in meta(pod).get("finalizers") or [] if f != TRACKING_FINALIZER]
    try:
        api.patch("pods", namespace_of(pod), name_of(pod), {"metadata": {"finalizers": kept or None}},
                  patch_type=MERGE_PATCH, message=message)
    except errors.StatusError as exc:
        if exc.code != 404:
            raise
        return False
    return True


class JobController:
    name = "controller-manager/job"
    actor = "controller-manager"
    watches = ("jobs", "pods")

    def __init__(self, cluster: Any = None) -> None:
        self.cluster = cluster

    # ---- event handlers: only enqueue keys ----------------------------------------------
    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural == "jobs":
            keys = [key_of(obj)]
            if event == "DELETED":
                # Its pods' finalizers must go, or they would stay Terminating forever.
                keys += [f"orphan:{key_of(pod)}" for p, pod in cache.owned_by(uid_of(obj))
                         if p == "pods" and has_tracking_finalizer(pod)]
            return keys
        return self._keys_for_pod(cache, event, obj, old)

    def _keys_for_pod(self, cache: Cache, event: str, pod: Obj, old: Obj | None) -> list[str]:
        keys = controller_keys(cache, "jobs", "Job", pod, old)
        namespace = namespace_of(pod)
        if event == "DELETED":
            return keys
        owner = resolve_controller_ref(cache, "jobs", "Job", namespace, controller_of(pod))
        if has_tracking_finalizer(pod) and (owner is None or is_finished(owner)):
            keys.append(f"orphan:{key_of(pod)}")
        if controller_of(pod) is None:
            selecting_keys(cache, "jobs", pod, keys)
        return keys

    # ---- reconcile ---------------------------------------------------------------------
    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        if key.startswith("orphan:"):
            return self._sync_orphan_pod(cache, api, key.split(":", 1)[1])
        cached = cache.get("jobs", key)
        if cached is None or is_finished(cached):
            return None
        return _JobSync(api, deep_copy(cached), cache).run()

    def _sync_orphan_pod(self, cache: Cache, api: Client, pod_key: str) -> None:
        """syncOrphanPod: drop the tracking finalizer of a pod no unfinished Job owns."""
        pod = cache.get("pods", pod_key)
        if pod is None or not has_tracking_finalizer(pod):
            return None
        ref = controller_of(pod)
        if ref is not None and ref.get("kind") == "Job" and ref.get("apiVersion") == "batch/v1":
            job = resolve_controller_ref(cache, "jobs", "Job", namespace_of(pod), ref)
            if job is not None and not is_finished(job):
                return None
        elif ref is not None:
            return None  # controlled by something else: not ours to touch
        remove_tracking_finalizer(api, pod, (
            f"the job controller removes the job-tracking finalizer of Pod {pod_key}: no running Job owns it"))
        return None


class _JobSync:
    """One syncJob: read state, act, write status last. Everything runs in the engine's
    transaction, so counting a pod and removing its finalizer happen together."""

    def __init__(self, api: Client, job: Obj, cache: Cache) -> None:
        self.api = api
        self.job = job
        self.cache = cache
        self.spec = job.get("spec") or {}
        self.status: Obj = deep_copy(job.get("status") or {})
        self.now = api.now()
        self.stamp = rfc3339(self.now)
        self.where = key_of(job)
        self.requeue: list[float] = []
        self._pending_event: tuple[str, str, str] | None = None

    # ---- reading ------------------------------------------------------------------------
    def _pods(self) -> list[Obj]:
        selector = from_label_selector_object(self.spec.get("selector"))
        manager = ControllerRefManager(
            self.api, self.job, plural="pods", owner_plural="jobs", api_version="batch/v1", kind="Job",
            match=lambda pod: selector.matches(labels_of(pod)),
        )
        return manager.claim(list(self.cache.iter("pods", namespace_of(self.job))))

    @property
    def indexed(self) -> bool:
        return self.spec.get("completionMode") == "Indexed"

    @property
    def suspended(self) -> bool:
        return bool(self.spec.get("suspend"))

    # ---- the sync -----------------------------------------------------------------------
    def run(self) -> float | None:
        pods = self._pods()
        active = [p for p in pods if is_pod_active(p)]
        terminating = sum(1 for p in pods if is_terminating(p))
        tracked = [p for p in pods if has_tracking_finalizer(p)]
        new_succeeded = [p for p in tracked if _phase(p) == "Succeeded"]
        new_failed = [p for p in tracked if _phase(p) != "Succeeded" and is_pod_failed(p)]
        succeeded = int(self.status.get("succeeded") or 0) + len(new_succeeded)
        failed = int(self.status.get("failed") or 0) + len(new_failed)
        succeeded_indexes: set[int] = set()
        if self.indexed:
            completions = int(self.spec.get("completions") or 0)
            succeeded_indexes = parse_indexes(self.status.get("completedIndexes")) | {
                i for i in (completion_index(p) for p in pods if _phase(p) == "Succeeded") if i is not None and i < completions}
            succeeded = len(succeeded_indexes)

        if not self.status.get("startTime") and not self.suspended:
            self.status["startTime"] = self.stamp

        finished = self._finished_condition(pods, failed)
        active_count = len(active)
        deleted_ready = deleted = 0
        released: set[str] = set()
        if finished is not None:
            deleted_ready, deleted = self._delete_active(active)
            active_count -= deleted
        elif not is_deleting(self.job):
            active_count, deleted_ready, deleted, released = self._manage(pods, active, succeeded, succeeded_indexes)
            if self._complete(succeeded, active_count):
                finished = new_condition("SuccessCriteriaMet", *COMPLETIONS_REACHED, self.stamp)
        terminating += deleted
        ready = sum(1 for p in active if is_pod_ready(p)) - deleted_ready

        self._count_and_release(pods, tracked, released, finished)
        if self.indexed and succeeded_indexes:
            self.status["completedIndexes"] = format_indexes(succeeded_indexes)
        self.status["active"] = max(active_count, 0)
        self.status["ready"] = max(ready, 0)
        self.status["terminating"] = terminating
        self.status["uncountedTerminatedPods"] = {}
        self._finish(finished, terminating)
        self._write_status()
        return min(self.requeue) if self.requeue else None

    def _finished_condition(self, pods: list[Obj], failed: int) -> Obj | None:
        """SuccessCriteriaMet or FailureTarget already set, or a new FailureTarget."""
        if condition(self.job, "SuccessCriteriaMet") is not None:
            return condition(self.job, "SuccessCriteriaMet")
        target = condition(self.job, "FailureTarget")
        if target is not None:
            return target
        backoff_limit = int(self.spec.get("backoffLimit", 6))
        if failed > backoff_limit or self._past_backoff_limit_on_failure(pods, backoff_limit):
            return new_condition("FailureTarget", *BACKOFF_LIMIT_EXCEEDED, self.stamp)
        deadline = self.spec.get("activeDeadlineSeconds")
        start = timestamp(self.status.get("startTime"))
        if deadline is not None and start is not None and not self.suspended:
            remaining = (start + timedelta(seconds=int(deadline)) - self.now).total_seconds()
            if remaining <= 0:
                return new_condition("FailureTarget", *DEADLINE_EXCEEDED, self.stamp)
            self.requeue.append(remaining)
        return None

    def _past_backoff_limit_on_failure(self, pods: list[Obj], limit: int) -> bool:
        """restartPolicy OnFailure: container restarts of running pods count against the limit."""
        template_spec = (self.spec.get("template") or {}).get("spec") or {}
        if template_spec.get("restartPolicy") != "OnFailure":
            return False
        restarts = 0
        for pod in pods:
            if _phase(pod) in ("Running", "Pending"):
                status = pod.get("status") or {}
                for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
                    restarts += int(cs.get("restartCount") or 0)
        return restarts > 0 if limit == 0 else restarts >= limit

    def _complete(self, succeeded: int, active: int) -> bool:
        completions = self.spec.get("completions")
        if completions is None:
            return succeeded > 0 and active == 0
        return succeeded >= int(completions) and active == 0

    # ---- acting -------------------------------------------------------------------------
    def _delete_active(self, active: list[Obj]) -> tuple[int, int]:
        """deleteActivePods: the finalizers stay, so the pods are counted as failed."""
        deleted_ready = deleted = 0
        for pod in active:
            if self._delete(pod, "the Job is finishing"):
                deleted += 1
                deleted_ready += int(is_pod_ready(pod))
        return deleted_ready, deleted

    def _delete(self, pod: Obj, why: str) -> bool:
        try:
            self.api.delete("pods", namespace_of(pod), name_of(pod), message=(
                f"Job {self.where}: the job controller asks the API server to delete Pod {name_of(pod)}: {why}"))
        except errors.StatusError as exc:
            if exc.code != 404:
                self.api.event(self.job, type="Warning", reason="FailedDelete", message=f"Error deleting: {exc.message}")
            return exc.code == 404
        self.api.event(self.job, type="Normal", reason="SuccessfulDelete", message=f"Deleted pod: {name_of(pod)}")
        return True

    def _manage(self, pods: list[Obj], active: list[Obj], succeeded: int,
                succeeded_indexes: set[int]) -> tuple[int, int, int, set[str]]:
        """manageJob: (active after, ready deleted, deleted, uids whose finalizer was removed)."""
        count = len(active)
        if self.suspended:
            self._suspend_condition(True)
            ready, deleted, released = self._delete_job_pods(active, "the Job is suspended")
            return count - deleted, ready, deleted, released
        self._suspend_condition(False)
        parallelism = int(self.spec.get("parallelism", 1))
        completions = self.spec.get("completions")
        if completions is None:
            want = count if succeeded > 0 else parallelism
        else:
            want = max(min(int(completions) - succeeded, parallelism), 0)
        if count > want:
            surplus = sorted(active, key=lambda p: (bool((p.get("spec") or {}).get("nodeName")), is_pod_ready(p),
                                                     _phase(p) == "Running"))[: count - want]
            ready, deleted, released = self._delete_job_pods(surplus, f"the Job wants {want} active pods and has {count}")
            return count - deleted, ready, deleted, released
        terminating = sum(1 for p in pods if is_terminating(p))
        if self.spec.get("podReplacementPolicy") != "Failed":
            terminating = 0
        diff = want - terminating - count
        if diff <= 0:
            return count, 0, 0, set()
        wait = self._pod_failure_backoff(pods)
        if wait > 0:
            self.requeue.append(wait)
            return count, 0, 0, set()
        indexes: list[int | None] = [None] * diff
        if self.indexed:
            indexes = list(self._pending_indexes(pods, succeeded_indexes, diff))
        created = 0
        for index in indexes:
            if self._create(index, count + created, want):
                created += 1
            else:
                break
        return count + created, 0, 0, set()

    def _delete_job_pods(self, pods: list[Obj], why: str) -> tuple[int, int, set[str]]:
        """deleteJobPods: release (finalizer off, not counted) and delete."""
        ready = deleted = 0
        released: set[str] = set()
        for pod in pods:
            if has_tracking_finalizer(pod):
                if not remove_tracking_finalizer(self.api, pod, (
                        f"Job {self.where}: the job controller removes the job-tracking finalizer of Pod "
                        f"{name_of(pod)} before deleting it ({why}); it is not counted as failed")):
                    continue
                released.add(uid_of(pod))
            if self._delete(pod, why):
                deleted += 1
                ready += int(is_pod_ready(pod))
        return ready, deleted, released

    def _pod_failure_backoff(self, pods: list[Obj]) -> float:
        """Seconds before a failed pod may be replaced: 10 s × 2^(failures since the last
        success − 1), at most 10 minutes, from the last failure (the pods' own record)."""
        finished = [(finish_time(p), _phase(p)) for p in pods if _phase(p) in ("Succeeded", "Failed")]
        last_success = max((t for t, phase in finished if phase == "Succeeded" and t), default=None)
        failures = [t for t, phase in finished if phase == "Failed" and t and (last_success is None or t > last_success)]
        if not failures:
            return 0.0
        delay = min(POD_FAILURE_BACKOFF * 2 ** (len(failures) - 1), POD_FAILURE_BACKOFF_MAX)
        return max((max(failures) + timedelta(seconds=delay) - self.now).total_seconds(), 0.0)

    def _pending_indexes(self, pods: list[Obj], succeeded: set[int], count: int) -> Iterable[int]:
        """firstPendingIndexes: the lowest indexes neither succeeded nor running."""
        completions = int(self.spec.get("completions") or 0)
        busy = {completion_index(p) for p in pods if is_pod_active(p)} | succeeded
        found = 0
        for index in range(completions):
            if found >= count:
                break
            if index not in busy:
                found += 1
                yield index

    def _create(self, index: int | None, have: int, want: int) -> bool:
        template = deep_copy(self.spec.get("template") or {})
        tmeta = template.setdefault("metadata", {})
        tmeta["finalizers"] = list(dict.fromkeys([*(tmeta.get("finalizers") or []), TRACKING_FINALIZER]))
        ref = new_controller_ref(self.job, "batch/v1", "Job")
        pod = pod_from_template(template, self.job, ref)
        if index is not None:
            pod["metadata"]["generateName"] = f"{name_of(self.job)}-{index}-"
            pod["metadata"].setdefault("annotations", {})[COMPLETION_INDEX] = str(index)
            pod["metadata"].setdefault("labels", {})[COMPLETION_INDEX] = str(index)
            pod["spec"]["hostname"] = f"{name_of(self.job)}-{index}"
            env = {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
                "fieldPath": f"metadata.annotations['{COMPLETION_INDEX}']"}}}
            for c in (pod["spec"].get("initContainers") or []) + (pod["spec"].get("containers") or []):
                if not any(e.get("name") == "JOB_COMPLETION_INDEX" for e in c.get("env") or []):
                    c.setdefault("env", []).append(deep_copy(env))
        which = f" for index {index}" if index is not None else ""
        try:
            created = self.api.create("pods", namespace_of(self.job), pod, message=(
                f"Job {self.where} wants {want} active pods and has {have}: the job controller asks the API server "
                f"to create a Pod{which} from its template"))
        except errors.StatusError as exc:
            self.api.event(self.job, type="Warning", reason="FailedCreate", message=f"Error creating: {exc.message}")
            self.requeue.append(1.0)
            return False
        self.api.event(self.job, type="Normal", reason="SuccessfulCreate", message=f"Created pod: {name_of(created)}")
        return True

    def _suspend_condition(self, suspended: bool) -> None:
        """ensureJobConditionStatus for Suspended, with the Suspended/Resumed events."""
        conditions = self.status.get("conditions") or []
        existing = next((c for c in conditions if c.get("type") == "Suspended"), None)
        want = "True" if suspended else "False"
        reason, message = ("JobSuspended", "Job suspended") if suspended else ("JobResumed", "Job resumed")
        if existing is None:
            if not suspended:
                return  # going from nothing to False is meaningless
            self.status["conditions"] = [*conditions, new_condition("Suspended", reason, message, self.stamp)]
        elif existing.get("status") != want:
            existing.update(new_condition("Suspended", reason, message, self.stamp, status=want))
            if not suspended:
                self.status["startTime"] = self.stamp  # a resumed Job starts its deadline again
        else:
            return
        self.api.event(self.job, type="Normal", reason="Suspended" if suspended else "Resumed", message=message)

    def _count_and_release(self, pods: list[Obj], tracked: list[Obj], released: set[str], finished: Obj | None) -> None:
        """trackJobStatusAndRemoveFinalizers: count each finished pod once and remove its
        finalizer; when the Job is finishing, every pod is let go (the unfinished ones
        counted as failed, unless the Job succeeded)."""
        failing = finished is not None and finished.get("type") != "SuccessCriteriaMet"
        finishing = finished is not None or is_deleting(self.job)
        for pod in tracked:
            if uid_of(pod) in released:
                continue
            done = _phase(pod) == "Succeeded" or is_pod_failed(pod)
            if not (done or finishing):
                continue
            if _phase(pod) == "Succeeded":
                if not self.indexed:
                    self.status["succeeded"] = int(self.status.get("succeeded") or 0) + 1
            elif is_pod_failed(pod) or failing:
                self.status["failed"] = int(self.status.get("failed") or 0) + 1
            remove_tracking_finalizer(self.api, pod, (
                f"Job {self.where}: the job controller counted Pod {name_of(pod)} "
                f"({_phase(pod) or 'deleted'}) and removes its job-tracking finalizer"))
        if self.indexed:
            completions = int(self.spec.get("completions") or 0)
            done = parse_indexes(self.status.get("completedIndexes")) | {
                i for i in (completion_index(p) for p in pods if _phase(p) == "Succeeded") if i is not None and i < completions}
            self.status["succeeded"] = len(done)

    def _finish(self, finished: Obj | None, terminating: int) -> None:
        """Interim condition first (FailureTarget / SuccessCriteriaMet); the terminal one
        (Failed / Complete) once no pod is left terminating (enactJobFinished)."""
        if finished is None:
            return
        conditions = self.status.setdefault("conditions", [])
        if not any(c.get("type") == finished["type"] for c in conditions):
            conditions.append(finished)
        if terminating > 0:
            return
        final_type = "Complete" if finished["type"] == "SuccessCriteriaMet" else "Failed"
        final = new_condition(final_type, finished.get("reason", ""), finished.get("message", ""), self.stamp)
        conditions.append(final)
        if final_type == "Complete":
            self.status["completionTime"] = self.stamp
            self._pending_event = ("Normal", "Completed", "Job completed")
        else:
            self._pending_event = ("Warning", final["reason"], final["message"])

    def _write_status(self) -> None:
        for field in ("active", "succeeded", "failed"):
            if not self.status.get(field):
                self.status.pop(field, None)
        if self.status == (self.job.get("status") or {}):
            return
        self.job["status"] = self.status
        counts = (f"{self.status.get('active', 0)} active ({self.status.get('ready', 0)} ready), "
                  f"{self.status.get('succeeded', 0)} succeeded, {self.status.get('failed', 0)} failed")
        done = next((c["type"] for c in self.status.get("conditions") or []
                     if c["type"] in ("Complete", "Failed") and c.get("status") == "True"), None)
        self.api.update_status("jobs", self.job, message=(
            f"the job controller reports Job {self.where}: {counts}" + (f" — the Job is {done}" if done else "")))
        if self._pending_event is not None:
            etype, reason, message = self._pending_event
            self.api.event(self.job, type=etype, reason=reason, message=message)
