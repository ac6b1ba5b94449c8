"""NodePorts: a host port (protocol, port) can be held by one pod per host IP; 0.0.0.0
conflicts with every IP."""
from __future__ import annotations

from typing import Any

from ..framework import OK, NodeInfo, Status, host_ports, unschedulable

NAME = "NodePorts"
ERR_REASON = "node(s) didn't have free ports for the requested pod ports"
BIND_ALL = "0.0.0.0"

Obj = dict[str, Any]


def conflicts(used: dict[str, set[tuple[str, int]]], ip: str, protocol: str, port: int) -> bool:
    """HostPortInfo.CheckConflict."""
    if port <= 0:
        return False
    want = (protocol or "TCP", port)
    ip = ip or BIND_ALL
    if ip == BIND_ALL:
        return any(want in ports for ports in used.values())
    return any(want in used.get(key, set()) for key in (BIND_ALL, ip))


def fits(pod: Obj, used: dict[str, set[tuple[str, int]]]) -> bool:
    return not any(conflicts(used, ip, protocol, port) for ip, protocol, port in host_ports(pod))


class NodePorts:
    name = NAME

    def pre_filter_skip(self, pod: Obj) -> bool:
        """Nothing to check for a pod with no host ports (PreFilter returns Skip)."""
        return not host_ports(pod)

    def filter(self, pod: Obj, node_info: NodeInfo) -> Status:
        if fits(pod, node_info.used_ports):
            return OK
        return unschedulable(NAME, ERR_REASON)
