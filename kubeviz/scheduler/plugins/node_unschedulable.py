"""NodeUnschedulable: a cordoned node (``spec.unschedulable``) takes no new pods, unless the
pod tolerates the ``node.kubernetes.io/unschedulable:NoSchedule`` taint (DaemonSet pods do)."""
from __future__ import annotations

from typing import Any

from ..framework import OK, NodeInfo, Status, unschedulable
from .helpers import pod_tolerations, tolerations_tolerate

NAME = "NodeUnschedulable"
ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"
TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"

Obj = dict[str, Any]


def fits(pod: Obj, node: Obj) -> bool:
    if not (node.get("spec") or {}).get("unschedulable"):
        return True
    return tolerations_tolerate(pod_tolerations(pod), {"key": TAINT_NODE_UNSCHEDULABLE, "effect": "NoSchedule"})


class NodeUnschedulable:
    name = NAME

    def filter(self, pod: Obj, node_info: NodeInfo) -> Status:
        if fits(pod, node_info.node):
            return OK
        return unschedulable(NAME, ERR_REASON_UNSCHEDULABLE, unresolvable=True)
