"""Deployment status and conditions (sync.go calculateStatus, deployment_util.go conditions).

``Available`` says whether at least replicas − maxUnavailable pods are available;
``Progressing`` tells the story of the rollout (NewReplicaSetCreated, FoundNewReplicaSet,
ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded, DeploymentPaused…).
Condition times are RFC 3339 strings on the simulated clock.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .deployment_util import has_progress_deadline, max_unavailable, replicas, status_count, sum_replicas, sum_status
from .objects import meta, timestamp

Obj = dict[str, Any]

AVAILABLE = "Available"
PROGRESSING = "Progressing"
REPLICA_FAILURE = "ReplicaFailure"

# Reasons (deployment_util.go)
RS_UPDATED = "ReplicaSetUpdated"
FAILED_RS_CREATE = "ReplicaSetCreateError"
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"


def new_condition(ctype: str, status: str, reason: str, message: str, stamp: str) -> Obj:
    return {"type": ctype, "status": status, "lastUpdateTime": stamp, "lastTransitionTime": stamp,
            "reason": reason, "message": message}


def get_condition(status: Obj | None, ctype: str) -> Obj | None:
    return next((c for c in (status or {}).get("conditions") or [] if c.get("type") == ctype), None)


def set_condition(status: Obj, condition: Obj) -> None:
    """Add or replace a condition; same status and reason is a no-op, and the transition
    time survives a change of reason only."""
    current = get_condition(status, condition["type"])
    if current is not None and current.get("status") == condition["status"] and current.get("reason") == condition["reason"]:
        return
    condition = dict(condition)
    if current is not None and current.get("status") == condition["status"]:
        condition["lastTransitionTime"] = current.get("lastTransitionTime")
    remove_condition(status, condition["type"])
    status.setdefault("conditions", []).append(condition)


def remove_condition(status: Obj, ctype: str) -> None:
    kept = [c for c in status.get("conditions") or [] if c.get("type") != ctype]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def rs_condition_to_deployment(cond: Obj) -> Obj:
    return {"type": cond.get("type"), "status": cond.get("status"), "lastUpdateTime": cond.get("lastTransitionTime"),
            "lastTransitionTime": cond.get("lastTransitionTime"), "reason": cond.get("reason"),
            "message": cond.get("message")}


def calculate_status(all_rss: list[Obj | None], new: Obj | None, d: Obj, stamp: str) -> Obj:
    """The Deployment's status from its ReplicaSets; zero counts are omitted as in the JSON."""
    available = sum_status(all_rss, "availableReplicas")
    unavailable = max(sum_replicas(all_rss) - available, 0)
    old_status = d.get("status") or {}
    counts = {
        "observedGeneration": int(meta(d).get("generation") or 0),
        "replicas": sum_status(all_rss, "replicas"),
        "updatedReplicas": sum_status([new], "replicas"),
        "readyReplicas": sum_status(all_rss, "readyReplicas"),
        "availableReplicas": available,
        "unavailableReplicas": unavailable,
    }
    status: Obj = {k: v for k, v in counts.items() if v}
    if old_status.get("conditions"):
        status["conditions"] = [dict(c) for c in old_status["conditions"]]
    if old_status.get("collisionCount") is not None:
        status["collisionCount"] = old_status["collisionCount"]
    if available >= replicas(d) - max_unavailable(d):
        set_condition(status, new_condition(AVAILABLE, "True", MIN_AVAILABLE, "Deployment has minimum availability.", stamp))
    else:
        set_condition(status, new_condition(AVAILABLE, "False", MIN_UNAVAILABLE, "Deployment does not have minimum availability.", stamp))
    return status


def deployment_complete(d: Obj, status: Obj) -> bool:
    """All desired replicas updated and available, none old, and the spec observed."""
    want = replicas(d)
    return (
        int(status.get("updatedReplicas") or 0) == want
        and int(status.get("replicas") or 0) == want
        and int(status.get("availableReplicas") or 0) == want
        and int(status.get("observedGeneration") or 0) >= int(meta(d).get("generation") or 0)
    )


def deployment_progressing(d: Obj, new_status: Obj) -> bool:
    """More updated, ready or available pods than last time, or fewer old ones."""
    def count(status: Obj, field: str) -> int:
        return int(status.get(field) or 0)
    old = d.get("status") or {}
    return (
        count(new_status, "updatedReplicas") > count(old, "updatedReplicas")
        or count(new_status, "replicas") - count(new_status, "updatedReplicas") < count(old, "replicas") - count(old, "updatedReplicas")
        or count(new_status, "readyReplicas") > status_count(d, "readyReplicas")
        or count(new_status, "availableReplicas") > status_count(d, "availableReplicas")
    )


def deployment_timed_out(d: Obj, new_status: Obj, now: datetime) -> bool:
    """No progress reported for progressDeadlineSeconds since the Progressing condition's
    lastUpdateTime (a finished rollout never times out)."""
    if not has_progress_deadline(d):
        return False
    cond = get_condition(new_status, PROGRESSING)
    if cond is None or cond.get("reason") == NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == TIMED_OUT:
        return True
    since = timestamp(cond.get("lastUpdateTime"))
    if since is None:
        return False
    deadline = since + timedelta(seconds=int((d.get("spec") or {}).get("progressDeadlineSeconds")))
    return deadline < now
