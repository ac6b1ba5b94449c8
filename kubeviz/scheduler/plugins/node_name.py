"""NodeName: a pod that names its node (``spec.nodeName``) fits only that node."""
from __future__ import annotations

from typing import Any

from ..framework import OK, NodeInfo, Status, unschedulable

NAME = "NodeName"
ERR_REASON = "node(s) didn't match the requested node name"

Obj = dict[str, Any]


def fits(pod: Obj, node: Obj) -> bool:
    wanted = (pod.get("spec") or {}).get("nodeName") or ""
    return not wanted or wanted == node["metadata"]["name"]


class NodeName:
    name = NAME

    def pre_filter_skip(self, pod: Obj) -> bool:
        """Nothing to check for a pod that names no node (PreFilter returns Skip)."""
        return not (pod.get("spec") or {}).get("nodeName")

    def filter(self, pod: Obj, node_info: NodeInfo) -> Status:
        if fits(pod, node_info.node):
            return OK
        return unschedulable(NAME, ERR_REASON, unresolvable=True)
