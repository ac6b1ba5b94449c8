"""The status a ReplicaSet reports (replica_set_utils.go calculateStatus), as a pure function.

Counted over the active pods the ReplicaSet owns: all of them (``replicas``), those whose
labels carry every template label (``fullyLabeledReplicas``), the Ready ones, and the
Ready ones that have stayed Ready for ``minReadySeconds`` (``availableReplicas``). A failed
create or delete shows as a ``ReplicaFailure`` condition until a sync succeeds.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.clusters import clock

from .objects import labels_of, meta
from .pods import is_pod_available, is_pod_ready

Obj = dict[str, Any]

REPLICA_FAILURE = "ReplicaFailure"


def _without(conditions: list[Obj], ctype: str) -> list[Obj]:
    return [c for c in conditions if c.get("type") != ctype]


def calculate_status(rs: Obj, pods: list[Obj], manage_error: str | None, now: datetime) -> Obj:
    """The new ``status`` of ``rs`` given the active pods it owns (observedGeneration excluded)."""
    spec = rs.get("spec") or {}
    status = deep_copy(rs.get("status") or {})
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    fully = ready = available = 0
    for pod in pods:
        labels = labels_of(pod)
        if all(labels.get(k) == v for k, v in template_labels.items()):
            fully += 1
        if is_pod_ready(pod):
            ready += 1
            if is_pod_available(pod, min_ready, now):
                available += 1

    conditions = list(status.get("conditions") or [])
    failure = next((c for c in conditions if c.get("type") == REPLICA_FAILURE), None)
    if manage_error is not None and failure is None:
        diff = len(pods) - int(spec.get("replicas", 1))
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        conditions = _without(conditions, REPLICA_FAILURE) + [{
            "type": REPLICA_FAILURE, "status": "True", "lastTransitionTime": clock.rfc3339(now),
            "reason": reason, "message": manage_error,
        }]
    elif manage_error is None and failure is not None:
        conditions = _without(conditions, REPLICA_FAILURE)

    status["replicas"] = len(pods)
    _set_or_omit(status, "fullyLabeledReplicas", fully)
    _set_or_omit(status, "readyReplicas", ready)
    _set_or_omit(status, "availableReplicas", available)
    _set_or_omit(status, "conditions", conditions)
    return status


def with_observed_generation(rs: Obj, status: Obj) -> Obj:
    """The status as it will be written: it records the generation this sync acted on."""
    status = dict(status)
    _set_or_omit(status, "observedGeneration", int(meta(rs).get("generation") or 0))
    return status


def status_changed(rs: Obj, status: Obj) -> bool:
    """updateReplicaSetStatus writes only when a count, a condition or observedGeneration moved."""
    return (rs.get("status") or {}) != status


def _set_or_omit(status: Obj, field: str, value: Any) -> None:
    """apps/v1 tags these fields ``omitempty``: a zero is left out of the JSON."""
    if value:
        status[field] = value
    else:
        status.pop(field, None)
