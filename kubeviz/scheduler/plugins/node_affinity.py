"""NodeAffinity: ``spec.nodeSelector`` and required node affinity must match (filter);
matching preferred terms add their weights (score, normalised to 0–100).

PreFilter narrows the nodes when every required term names nodes with a
``metadata.name In (...)`` field requirement, as DaemonSet pods do; the other nodes are then
not even looked at.
"""
from __future__ import annotations

from typing import Any

from ..framework import OK, NodeInfo, Snapshot, Status, unschedulable
from .helpers import default_normalize_score, node_selector_matches, term_matches

NAME = "NodeAffinity"
ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_CONFLICT = "pod affinity terms conflict"

Obj = dict[str, Any]


def _node_affinity(pod: Obj) -> Obj:
    return ((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {}


def required_selector(pod: Obj) -> Obj | None:
    return _node_affinity(pod).get("requiredDuringSchedulingIgnoredDuringExecution")


def preferred_terms(pod: Obj) -> list[Obj]:
    return [t for t in _node_affinity(pod).get("preferredDuringSchedulingIgnoredDuringExecution") or [] if isinstance(t, dict)]


def matches(pod: Obj, node: Obj) -> bool:
    """GetRequiredNodeAffinity(pod).Match(node): nodeSelector labels AND required terms."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    for key, value in ((pod.get("spec") or {}).get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = required_selector(pod)
    if required is not None:
        return node_selector_matches(required, node)
    return True


def pre_filter(pod: Obj) -> tuple[set[str] | None, Status]:
    """The node names the pod can only go to (None: any node), or a rejection."""
    required = required_selector(pod)
    terms = (required or {}).get("nodeSelectorTerms") or []
    if not terms:
        return None, OK
    names: set[str] | None = None
    for term in terms:
        term_names: set[str] | None = None
        for r in (term or {}).get("matchFields") or []:
            if r.get("key") == "metadata.name" and r.get("operator") == "In":
                values = set(r.get("values") or [])
                term_names = values if term_names is None else term_names & values
        if term_names is None:
            # A term that does not pin node names leaves every node possible (terms are ORed).
            return None, OK
        names = term_names if names is None else names | term_names
    if names is not None and not names:
        return None, unschedulable(NAME, ERR_REASON_CONFLICT, unresolvable=True)
    return names, OK


def preferred_score(pod: Obj, node: Obj) -> int:
    """Sum of the weights of the preferred terms the node matches."""
    return sum(
        int(t.get("weight") or 0) for t in preferred_terms(pod)
        if t.get("weight") and term_matches(t.get("preference") or {}, node)
    )


class NodeAffinity:
    name = NAME
    weight = 2

    def pre_filter_skip(self, pod: Obj) -> bool:
        """Nothing to check without a nodeSelector or required node affinity (PreFilter
        returns Skip)."""
        return not (pod.get("spec") or {}).get("nodeSelector") and required_selector(pod) is None

    def pre_filter(self, pod: Obj) -> tuple[set[str] | None, Status]:
        return pre_filter(pod)

    def filter(self, pod: Obj, node_info: NodeInfo) -> Status:
        if matches(pod, node_info.node):
            return OK
        return unschedulable(NAME, ERR_REASON_POD, unresolvable=True)

    def pre_score(self, pod: Obj) -> bool:
        """Skip scoring altogether when the pod has no preferred terms."""
        return bool(preferred_terms(pod))

    def score(self, pod: Obj, node_info: NodeInfo, snapshot: Snapshot) -> int:
        return preferred_score(pod, node_info.node)

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return default_normalize_score(scores, reverse=False)
