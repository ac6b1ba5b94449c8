"""NodeResourcesBalancedAllocation: prefer the node where, with the pod added, CPU and memory
would be used in the most similar proportion: score = (1 − standard deviation of the
used fractions) × 100. It counts actual requests (a container with none counts zero)."""
from __future__ import annotations

import math
from typing import Any

from ..framework import MAX_NODE_SCORE, NodeInfo, Snapshot

NAME = "NodeResourcesBalancedAllocation"
RESOURCES = ("cpu", "memory")

Obj = dict[str, Any]


def balanced_score(requested: list[int], allocatable: list[int]) -> int:
    fractions = []
    for req, alloc in zip(requested, allocatable, strict=True):
        if alloc == 0:
            continue
        fractions.append(min(req / alloc, 1.0))
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = sum(fractions) / len(fractions)
        std = math.sqrt(sum((f - mean) ** 2 for f in fractions) / len(fractions))
    return int((1 - std) * MAX_NODE_SCORE)


def balanced_allocation(pod: Obj, node_info: NodeInfo) -> int:
    pod_req = node_info.requests_of(pod)[0]
    requested = [node_info.requested.get(r) + pod_req.get(r, 0) for r in RESOURCES]
    allocatable = [node_info.allocatable.get(r) for r in RESOURCES]
    return balanced_score(requested, allocatable)


class BalancedAllocation:
    name = NAME
    weight = 1

    def pre_score(self, pod: Obj) -> bool:
        return True

    def score(self, pod: Obj, node_info: NodeInfo, snapshot: Snapshot) -> int:
        return balanced_allocation(pod, node_info)

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return scores
