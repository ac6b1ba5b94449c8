"""ImageLocality: prefer nodes that already have the pod's images (no pull), weighing each
image by its size times the share of nodes that have it (so one node holding a rare image
does not attract everything). Between 23 MB and 1000 MB per container the score rises
linearly from 0 to 100.

Names are compared as kube-scheduler does: the pod's image gets ``:latest`` if it has no tag,
and must equal one of the names the node reports (``docker.io/library/nginx:1.27`` is not
``nginx:1.27``).
"""
from __future__ import annotations

from typing import Any

from ..framework import MAX_NODE_SCORE, ImageState, NodeInfo, Snapshot

NAME = "ImageLocality"
MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB

Obj = dict[str, Any]


def normalized_image_name(name: str) -> str:
    if name.rfind(":") <= name.rfind("/"):
        name = name + ":latest"
    return name


def scaled_image_score(state: ImageState, total_nodes: int) -> int:
    spread = state.num_nodes / total_nodes
    return int(state.size * spread)


def sum_image_scores(pod: Obj, image_states: dict[str, ImageState], total_nodes: int) -> int:
    spec = pod.get("spec") or {}
    total = 0
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        state = image_states.get(normalized_image_name((c or {}).get("image") or ""))
        if state is not None:
            total += scaled_image_score(state, total_nodes)
    return total


def calculate_priority(sum_scores: int, num_containers: int) -> int:
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    sum_scores = min(max(sum_scores, MIN_THRESHOLD), max_threshold)
    return MAX_NODE_SCORE * (sum_scores - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


def image_locality(pod: Obj, image_states: dict[str, ImageState], total_nodes: int) -> int:
    spec = pod.get("spec") or {}
    containers = len(spec.get("initContainers") or []) + len(spec.get("containers") or [])
    if not containers or not total_nodes:
        return 0
    return calculate_priority(sum_image_scores(pod, image_states, total_nodes), containers)


class ImageLocality:
    name = NAME
    weight = 1

    def pre_score(self, pod: Obj) -> bool:
        return True

    def score(self, pod: Obj, node_info: NodeInfo, snapshot: Snapshot) -> int:
        return image_locality(pod, node_info.image_states, len(snapshot))

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return scores
