"""TaintToleration: NoSchedule and NoExecute taints must be tolerated (filter); nodes with
fewer untolerated PreferNoSchedule taints score higher (score, normalised in reverse)."""
from __future__ import annotations

from typing import Any

from ..framework import OK, NodeInfo, Snapshot, Status, unschedulable
from .helpers import default_normalize_score, find_untolerated_taint, pod_tolerations, tolerations_tolerate

NAME = "TaintToleration"

Obj = dict[str, Any]


def untolerated_taint(pod: Obj, taints: list[Obj]) -> Obj | None:
    """The first NoSchedule/NoExecute taint the pod does not tolerate."""
    return find_untolerated_taint(taints, pod_tolerations(pod), lambda t: t.get("effect") in ("NoSchedule", "NoExecute"))


def reason(taint: Obj) -> str:
    return f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value') or ''}}}"


def count_intolerable_prefer_no_schedule(pod: Obj, taints: list[Obj]) -> int:
    """Untolerated PreferNoSchedule taints; only tolerations with that effect (or none) count."""
    if not taints:
        return 0
    tolerations = [t for t in pod_tolerations(pod) if (t.get("effect") or "") in ("", "PreferNoSchedule")]
    return sum(1 for t in taints if t.get("effect") == "PreferNoSchedule" and not tolerations_tolerate(tolerations, t))


class TaintToleration:
    name = NAME
    weight = 3

    def filter(self, pod: Obj, node_info: NodeInfo) -> Status:
        taint = untolerated_taint(pod, node_info.taints)
        if taint is None:
            return OK
        return unschedulable(NAME, reason(taint), unresolvable=True)

    def pre_score(self, pod: Obj) -> bool:
        return True

    def score(self, pod: Obj, node_info: NodeInfo, snapshot: Snapshot) -> int:
        return count_intolerable_prefer_no_schedule(pod, node_info.taints)

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return default_normalize_score(scores, reverse=True)
