"""calculateStatus of the ReplicaSet controller, table-driven (a pure function)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kubeviz.controllers.replicaset_status import calculate_status, status_changed, with_observed_generation

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def rs(replicas: int = 3, min_ready: int = 0, status: dict | None = None, generation: int = 1) -> dict:
    spec = {"replicas": replicas, "template": {"metadata": {"labels": {"app": "web", "tier": "front"}}}}
    if min_ready:
        spec["minReadySeconds"] = min_ready
    return {"metadata": {"name": "web", "generation": generation}, "spec": spec, "status": status or {"replicas": 0}}


def pod(*, ready: bool = True, since: str = "2025-01-01T11:59:00Z", labels: dict | None = None) -> dict:
    return {
        "metadata": {"labels": labels if labels is not None else {"app": "web", "tier": "front"}},
        "status": {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": since}]},
    }


CASES = [
    ("no pods", rs(), [], None, {"replicas": 0}),
    ("all ready", rs(), [pod(), pod(), pod()], None,
     {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3, "availableReplicas": 3}),
    ("one not ready", rs(), [pod(), pod(ready=False)], None,
     {"replicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 1, "availableReplicas": 1}),
    ("missing a template label", rs(), [pod(labels={"app": "web"}), pod()], None,
     {"replicas": 2, "fullyLabeledReplicas": 1, "readyReplicas": 2, "availableReplicas": 2}),
    ("minReadySeconds not yet passed", rs(min_ready=120), [pod(), pod(since="2025-01-01T11:00:00Z")], None,
     {"replicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 2, "availableReplicas": 1}),
    ("minReadySeconds exactly now is not available", rs(min_ready=60), [pod(since="2025-01-01T11:59:00Z")], None,
     {"replicas": 1, "fullyLabeledReplicas": 1, "readyReplicas": 1}),
    ("create failed", rs(), [pod()], "pods is forbidden: exceeded quota",
     {"replicas": 1, "fullyLabeledReplicas": 1, "readyReplicas": 1, "availableReplicas": 1, "conditions": [
         {"type": "ReplicaFailure", "status": "True", "lastTransitionTime": "2025-01-01T12:00:00Z",
          "reason": "FailedCreate", "message": "pods is forbidden: exceeded quota"}]}),
    ("failure cleared by a good sync",
     rs(status={"replicas": 1, "conditions": [{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate"}]}),
     [], None, {"replicas": 0}),
]


@pytest.mark.parametrize("title,replicaset,pods,error,expected", CASES, ids=[c[0] for c in CASES])
def test_calculate_status(title, replicaset, pods, error, expected):
    assert calculate_status(replicaset, pods, error, NOW) == expected


def test_failure_condition_keeps_its_first_message():
    first = calculate_status(rs(), [], "quota", NOW)
    again = calculate_status(rs(status=first), [], "another error", NOW)
    assert again["conditions"] == first["conditions"]


def test_status_written_only_when_changed():
    current = rs(status={"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
                         "observedGeneration": 1})
    same = with_observed_generation(current, calculate_status(current, [pod(), pod(), pod()], None, NOW))
    assert not status_changed(current, same)
    bumped = dict(current, metadata={"name": "web", "generation": 2})
    assert status_changed(bumped, with_observed_generation(bumped, calculate_status(bumped, [pod()] * 3, None, NOW)))
