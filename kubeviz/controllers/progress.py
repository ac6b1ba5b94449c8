"""Deployment status during a rollout, and the progress deadline (progress.go).

``Progressing`` moves to ReplicaSetUpdated whenever pods get updated, ready or available
(refreshing lastUpdateTime), to NewReplicaSetAvailable when the rollout is complete, and to
ProgressDeadlineExceeded when nothing moved for progressDeadlineSeconds. When nothing
changed, the sync asks to be run again just after the deadline, on the simulated clock.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .conditions import (
    NEW_RS_AVAILABLE,
    PROGRESSING,
    REPLICA_FAILURE,
    RS_UPDATED,
    TIMED_OUT,
    calculate_status,
    deployment_complete,
    deployment_progressing,
    deployment_timed_out,
    get_condition,
    new_condition,
    remove_condition,
    rs_condition_to_deployment,
    set_condition,
)
from .deployment_context import DeploymentSync
from .deployment_util import has_progress_deadline
from .objects import name_of, timestamp

Obj = dict[str, Any]


def _subject(ds: DeploymentSync, new: Obj | None) -> str:
    return f'ReplicaSet "{name_of(new)}"' if new is not None else f'Deployment "{name_of(ds.d)}"'


def sync_rollout_status(ds: DeploymentSync, all_rss: list[Obj | None], new: Obj | None) -> None:
    d = ds.d
    stamp, now = ds.api.stamp(), ds.api.now()
    status = calculate_status(all_rss, new, d, stamp)
    if not has_progress_deadline(d):
        remove_condition(status, PROGRESSING)
    current = get_condition(d.get("status"), PROGRESSING)
    complete_before = (status.get("replicas", 0) == status.get("updatedReplicas", 0)
                       and current is not None and current.get("reason") == NEW_RS_AVAILABLE)
    if has_progress_deadline(d) and not complete_before:
        if deployment_complete(d, status):
            set_condition(status, new_condition(
                PROGRESSING, "True", NEW_RS_AVAILABLE, f"{_subject(ds, new)} has successfully progressed.", stamp))
        elif deployment_progressing(d, status):
            condition = new_condition(PROGRESSING, "True", RS_UPDATED, f"{_subject(ds, new)} is progressing.", stamp)
            if current is not None:
                if current.get("status") == "True":
                    condition["lastTransitionTime"] = current.get("lastTransitionTime")
                remove_condition(status, PROGRESSING)
            set_condition(status, condition)
        elif deployment_timed_out(d, status, now):
            set_condition(status, new_condition(
                PROGRESSING, "False", TIMED_OUT, f"{_subject(ds, new)} has timed out progressing.", stamp))

    failures = replica_failures(all_rss, new)
    if failures:
        set_condition(status, failures[0])
    else:
        remove_condition(status, REPLICA_FAILURE)

    if (d.get("status") or {}) == status:
        ds.requeue = requeue_stuck_deployment(d, status, now)
        return
    d["status"] = status
    ds.write_status(
        f"the deployment controller reports Deployment {ds.where}: {status.get('updatedReplicas', 0)} of "
        f"{status.get('replicas', 0)} pods updated, {status.get('availableReplicas', 0)} available")


def replica_failures(all_rss: list[Obj | None], new: Obj | None) -> list[Obj]:
    """ReplicaFailure conditions of the new ReplicaSet, else of any ReplicaSet."""
    def failures(rss: list[Obj | None]) -> list[Obj]:
        return [rs_condition_to_deployment(c) for rs in rss if rs is not None
                for c in (rs.get("status") or {}).get("conditions") or [] if c.get("type") == REPLICA_FAILURE]
    return failures([new]) or failures(all_rss)


def requeue_stuck_deployment(d: Obj, status: Obj, now: datetime) -> float | None:
    """Seconds until the progress deadline passes (plus one), if a rollout is under way."""
    current = get_condition(d.get("status"), PROGRESSING)
    if not has_progress_deadline(d) or current is None:
        return None
    if deployment_complete(d, status) or current.get("reason") == TIMED_OUT:
        return None
    since = timestamp(current.get("lastUpdateTime"))
    if since is None:
        return None
    deadline = since + timedelta(seconds=int(d["spec"]["progressDeadlineSeconds"]))
    return max((deadline - now).total_seconds(), 0.0) + 1.0
