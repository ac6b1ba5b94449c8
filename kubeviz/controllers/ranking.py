"""Which pods a ReplicaSet deletes first when it has too many (controller.ActivePodsWithRanks).

The order, most deletable first: unscheduled before scheduled; Pending before Unknown
before Running; not ready before ready; lower pod-deletion-cost first; more pods of the
same owner on the same node first (rank); ready for less time first; more container
restarts first; created more recently first. Ready and creation times are compared on
a logarithmic scale (LogarithmicScaleDown, GA since 1.31), ties broken by uid.
"""
from __future__ import annotations

import functools
import math
from datetime import datetime
from typing import Any

from .objects import annotations_of, created_at, uid_of
from .pods import is_pod_active, is_pod_ready, max_container_restarts, ready_since

Obj = dict[str, Any]

DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


def _node(pod: Obj) -> str:
    return (pod.get("spec") or {}).get("nodeName") or ""


def _phase(pod: Obj) -> int:
    return _PHASE_ORDINAL.get((pod.get("status") or {}).get("phase") or "", 0)


def deletion_cost(pod: Obj) -> int:
    """The pod-deletion-cost annotation (an int32; anything else counts as 0)."""
    try:
        value = int(annotations_of(pod).get(DELETION_COST, "0"))
    except ValueError:
        return 0
    return value if -(2**31) <= value < 2**31 else 0


def _log_rank(t: datetime, now: datetime) -> int:
    nanos = (now - t).total_seconds() * 1e9
    return int(math.log2(nanos)) if nanos > 0 else -1


def _time_less(t1: datetime | None, t2: datetime | None, uid1: str, uid2: str, now: datetime | None) -> bool:
    """``t1`` sorts first: zero time first, else the later one (logarithmic buckets)."""
    if now is None or t1 is None or t2 is None:
        if t1 is None or t2 is None:
            return t1 is None
        return t1 > t2
    diff = _log_rank(t1, now) - _log_rank(t2, now)
    if diff == 0:
        return uid1 < uid2
    return diff < 0


def pod_less(a: Obj, rank_a: int, b: Obj, rank_b: int, now: datetime | None) -> bool:
    """True when ``a`` should be deleted before ``b`` (ActivePodsWithRanks.Less)."""
    node_a, node_b = _node(a), _node(b)
    if node_a != node_b and (not node_a or not node_b):
        return not node_a
    if _phase(a) != _phase(b):
        return _phase(a) < _phase(b)
    if is_pod_ready(a) != is_pod_ready(b):
        return not is_pod_ready(a)
    if deletion_cost(a) != deletion_cost(b):
        return deletion_cost(a) < deletion_cost(b)
    if rank_a != rank_b:
        return rank_a > rank_b
    if is_pod_ready(a) and is_pod_ready(b):
        ready_a, ready_b = ready_since(a), ready_since(b)
        if ready_a != ready_b:
            return _time_less(ready_a, ready_b, uid_of(a), uid_of(b), now)
    if max_container_restarts(a) != max_container_restarts(b):
        return max_container_restarts(a) > max_container_restarts(b)
    created_a, created_b = created_at(a), created_at(b)
    if created_a != created_b:
        return _time_less(created_a, created_b, uid_of(a), uid_of(b), now)
    return False


def rank_by_colocation(pods: list[Obj], related: list[Obj]) -> list[int]:
    """Each pod's rank: how many active related pods share its node."""
    on_node: dict[str, int] = {}
    for pod in related:
        if is_pod_active(pod):
            on_node[_node(pod)] = on_node.get(_node(pod), 0) + 1
    return [on_node.get(_node(pod), 0) for pod in pods]


def sort_for_deletion(pods: list[Obj], ranks: list[int], now: datetime | None) -> list[Obj]:
    """``pods`` ordered most-deletable first."""
    pairs = list(zip(pods, ranks, strict=True))

    def compare(x: tuple[Obj, int], y: tuple[Obj, int]) -> int:
        if pod_less(x[0], x[1], y[0], y[1], now):
            return -1
        if pod_less(y[0], y[1], x[0], x[1], now):
            return 1
        return 0

    return [pod for pod, _ in sorted(pairs, key=functools.cmp_to_key(compare))]


def pods_to_delete(filtered: list[Obj], related: list[Obj], diff: int, now: datetime | None) -> list[Obj]:
    """The ``diff`` pods to delete (replica_set.go getPodsToDelete)."""
    if diff < len(filtered):
        filtered = sort_for_deletion(filtered, rank_by_colocation(filtered, related), now)
    return filtered[:diff]
