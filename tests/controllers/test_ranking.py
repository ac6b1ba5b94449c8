"""Which pods a ReplicaSet deletes first (ActivePodsWithRanks), table-driven."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kubeviz.controllers.ranking import pods_to_delete, rank_by_colocation, sort_for_deletion

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def pod(name: str, *, node: str = "node-1", phase: str = "Running", ready: bool = True, ready_at: str = "2025-01-01T10:00:00Z",
        created: str = "2025-01-01T09:00:00Z", restarts: int = 0, cost: str | None = None, uid: str | None = None) -> dict:
    conditions = [{"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": ready_at}]
    meta = {"name": name, "uid": uid or f"uid-{name}", "creationTimestamp": created}
    if cost is not None:
        meta["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": cost}
    return {
        "metadata": meta, "spec": {"nodeName": node},
        "status": {"phase": phase, "conditions": conditions, "containerStatuses": [{"restartCount": restarts}]},
    }


CASES = [
    ("unscheduled before scheduled", [pod("a"), pod("b", node="")], ["b", "a"]),
    ("pending before running", [pod("a"), pod("b", phase="Pending")], ["b", "a"]),
    ("unknown between pending and running", [pod("run"), pod("unk", phase="Unknown"), pod("pend", phase="Pending")], ["pend", "unk", "run"]),
    ("not ready before ready", [pod("a"), pod("b", ready=False)], ["b", "a"]),
    ("lower deletion cost first", [pod("a", cost="10"), pod("b", cost="-5"), pod("c")], ["b", "c", "a"]),
    ("doubled-up node first", [pod("alone", node="node-2"), pod("x1", node="node-1"), pod("x2", node="node-1")], ["x1", "x2", "alone"]),
    ("ready more recently first", [pod("old", ready_at="2025-01-01T00:00:00Z", node="n1"),
                                   pod("new", ready_at="2025-01-01T11:59:00Z", node="n2")], ["new", "old"]),
    ("more restarts first", [pod("calm", node="n1"), pod("crashy", restarts=4, node="n2")], ["crashy", "calm"]),
    ("newer before older", [pod("old", created="2024-06-01T00:00:00Z", node="n1"),
                            pod("new", created="2025-01-01T11:00:00Z", node="n2")], ["new", "old"]),
    ("same log bucket: by uid", [pod("z", uid="u2", created="2025-01-01T09:00:00Z", node="n1"),
                                 pod("y", uid="u1", created="2025-01-01T09:00:01Z", node="n2")], ["y", "z"]),
    ("scheduling beats readiness", [pod("unready", ready=False), pod("unscheduled", node="")], ["unscheduled", "unready"]),
]


@pytest.mark.parametrize("title,pods,expected", CASES, ids=[c[0] for c in CASES])
def test_sort_for_deletion(title, pods, expected):
    ranks = rank_by_colocation(pods, pods)
    assert [p["metadata"]["name"] for p in sort_for_deletion(pods, ranks, NOW)] == expected


def test_pods_to_delete_takes_the_most_deletable():
    pods = [pod("ready-1", node="n1"), pod("pending", phase="Pending", node="n2"), pod("ready-2", node="n3"), pod("new", node="")]
    assert [p["metadata"]["name"] for p in pods_to_delete(pods, pods, 2, NOW)] == ["new", "pending"]


def test_pods_to_delete_all_needs_no_sorting():
    pods = [pod("a"), pod("b")]
    assert pods_to_delete(pods, pods, 2, NOW) == pods


def test_rank_counts_only_active_related_pods():
    mine = [pod("a", node="n1")]
    related = [pod("a", node="n1"), pod("b", node="n1"), pod("c", node="n1", phase="Failed")]
    assert rank_by_colocation(mine, related) == [2]
