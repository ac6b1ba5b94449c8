"""NodeResourcesFit: the pod's requests must fit in what the node's allocatable leaves after
the requests of the pods already there, and the node must have a pod slot free (filter).
Its LeastAllocated score prefers the emptier node: for CPU and memory,
(allocatable − requested) × 100 / allocatable, averaged by weight (1 each). Scoring counts
a container with no request as 100m CPU / 200Mi memory.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..framework import MAX_NODE_SCORE, OK, NodeInfo, Resources, Snapshot, Status, unschedulable

NAME = "NodeResourcesFit"
#: ScoringStrategy LeastAllocated, resources cpu and memory with weight 1
SCORING_RESOURCES = (("cpu", 1), ("memory", 1))

Obj = dict[str, Any]


@dataclass(frozen=True)
class InsufficientResource:
    resource: str
    reason: str
    requested: int
    used: int
    capacity: int


def fits_request(request: Resources, node_info: NodeInfo) -> list[InsufficientResource]:
    """Everything the node lacks for a pod requesting ``request`` (fitsRequest)."""
    out: list[InsufficientResource] = []
    alloc, used = node_info.allocatable, node_info.requested
    if len(node_info.pods) + 1 > alloc.allowed_pods:
        out.append(InsufficientResource("pods", "Too many pods", 1, len(node_info.pods), alloc.allowed_pods))
    if not (request.milli_cpu or request.memory or request.ephemeral_storage or any(request.scalar.values())):
        return out
    for name, want, have, taken in (
        ("cpu", request.milli_cpu, alloc.milli_cpu, used.milli_cpu),
        ("memory", request.memory, alloc.memory, used.memory),
        ("ephemeral-storage", request.ephemeral_storage, alloc.ephemeral_storage, used.ephemeral_storage),
    ):
        if want > 0 and want > have - taken:
            out.append(InsufficientResource(name, f"Insufficient {name}", want, taken, have))
    for name in sorted(request.scalar):
        want = request.scalar[name]
        if want == 0:
            continue
        have, taken = alloc.scalar.get(name, 0), used.scalar.get(name, 0)
        if want > have - taken:
            out.append(InsufficientResource(name, f"Insufficient {name}", want, taken, have))
    return out


def least_requested_score(requested: int, capacity: int) -> int:
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def least_allocated(pod: Obj, node_info: NodeInfo) -> int:
    """The LeastAllocated score of the node with the pod added (non-zero requests)."""
    pod_req = node_info.requests_of(pod)[1]
    node_score = weight_sum = 0
    for resource, weight in SCORING_RESOURCES:
        capacity = node_info.allocatable.get(resource)
        if capacity == 0:
            continue
        requested = node_info.non_zero_requested.get(resource) + pod_req.get(resource, 0)
        node_score += least_requested_score(requested, capacity) * weight
        weight_sum += weight
    return node_score // weight_sum if weight_sum else 0


class NodeResourcesFit:
    name = NAME
    weight = 1

    def filter(self, pod: Obj, node_info: NodeInfo) -> Status:
        missing = fits_request(Resources.from_requests(node_info.requests_of(pod)[0]), node_info)
        if not missing:
            return OK
        return unschedulable(NAME, *(m.reason for m in missing))

    def pre_score(self, pod: Obj) -> bool:
        return True

    def score(self, pod: Obj, node_info: NodeInfo, snapshot: Snapshot) -> int:
        return least_allocated(pod, node_info)

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return scores
