"""The kubelet of every node: runs the pods bound to its node and reports their status.

One component serves all nodes (so nodes added later need no new component); each action
is taken, and recorded, as ``kubelet/<node>``. A node marked failed has a dead kubelet: it
does nothing until the node recovers.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from kubeviz.engine.cache import Cache, key_of, split_key
from kubeviz.engine.client import Client
from kubeviz.etcd.models import Cluster

from .lifecycle import RuntimeState, advance

Obj = dict[str, Any]


def kubelets(cluster: Cluster) -> list[Kubelet]:
    return [Kubelet(cluster)]


def failed_nodes(cluster: Cluster) -> set[str]:
    return set((cluster.settings or {}).get("failed_nodes", []))


class Kubelet:
    name = "kubelet"
    actor = "kubelet"
    watches = ("pods", "nodes")

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.runtimes: dict[str, RuntimeState] = {}
        self.images: dict[str, set[str]] = {}

    # ---- handlers ----------------------------------------------------------------------
    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural == "pods":
            if (obj.get("spec") or {}).get("nodeName") and event != "DELETED":
                yield f"pod:{key_of(obj)}"
        elif plural == "nodes" and event != "DELETED":
            # A node coming back: its kubelet looks at every pod it should be running.
            name = obj["metadata"]["name"]
            for pod in cache.iter("pods"):
                if pod["spec"].get("nodeName") == name:
                    yield f"pod:{key_of(pod)}"

    # ---- sync --------------------------------------------------------------------------
    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        kind, rest = key.split(":", 1)
        if kind != "pod":
            return None
        pod = cache.get("pods", rest)
        if pod is None:
            return None
        node_name = pod["spec"].get("nodeName")
        if not node_name or node_name in failed_nodes(self.cluster):
            return None
        node = cache.get("nodes", node_name)
        if node is None:
            return None
        kubelet = f"kubelet/{node_name}"
        kapi = Client(api.cluster, kubelet)
        if pod["metadata"].get("deletionTimestamp"):
            return self._stop(kapi, pod, node_name)
        status = pod.get("status") or {}
        if status.get("phase") in ("Succeeded", "Failed"):
            return None
        ns, name = split_key(rest)
        if not status.get("startTime"):
            kapi.step(
                step=6, source="apiserver", target=kubelet, action="watch", obj=pod,
                message=f"the kubelet on {node_name} learned through its watch that pod {ns}/{name} is bound to its node",
            )
        runtime = self.runtimes.setdefault(node_name, RuntimeState())
        images = self.images.setdefault(node_name, _node_images(node))
        outcome = advance(pod, images, runtime, kapi.now(), status.get("podIP") or _pod_ip(cache, node, pod), _host_ip(node))
        for action in outcome.runtime:
            kapi.step(step=7, source=kubelet, target=f"runtime/{node_name}", action="runtime", obj=pod,
                      message=f"the kubelet on {node_name} asked the container runtime to {action}")
        for etype, reason, message in outcome.events:
            kapi.event(pod, type=etype, reason=reason, message=message)
        if outcome.status != status:
            updated = dict(pod)
            updated["status"] = outcome.status
            kapi.update_status(
                "pods", updated, step=8, category="flow",
                message=f"the kubelet on {node_name} reported the status of pod {ns}/{name}: {_summary(outcome.status)}",
            )
        return outcome.next_in

    def _stop(self, kapi: Client, pod: Obj, node_name: str) -> None:
        """Stop the containers of a pod being deleted, then remove it for good (grace 0)."""
        meta = pod["metadata"]
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            if "running" in cs.get("state", {}):
                kapi.event(pod, type="Normal", reason="Killing", message=f"Stopping container {cs['name']}")
                kapi.step(step=7, source=f"kubelet/{node_name}", target=f"runtime/{node_name}", action="runtime", obj=pod,
                          message=f"the kubelet on {node_name} asked the container runtime to stop container {cs['name']}")
        kapi.delete("pods", meta.get("namespace"), meta["name"], options={"gracePeriodSeconds": 0, "preconditions": {"uid": meta.get("uid")}},
                    step=8, category="flow",
                    message=f"the kubelet on {node_name} confirmed that pod {meta.get('namespace')}/{meta['name']} has stopped")
        return None


def _node_images(node: Obj) -> set[str]:
    return {n for image in (node.get("status") or {}).get("images") or [] for n in image.get("names") or []}


def _host_ip(node: Obj) -> str:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return address["address"]
    return ""


def _pod_ip(cache: Cache, node: Obj, pod: Obj) -> str:
    """The lowest free address of the node's podCIDR (.1 is the node's bridge)."""
    cidr = (node.get("spec") or {}).get("podCIDR")
    if not cidr:
        return ""
    used = {
        (p.get("status") or {}).get("podIP")
        for p in cache.iter("pods")
        if p["spec"].get("nodeName") == node["metadata"]["name"] and p["metadata"].get("uid") != pod["metadata"].get("uid")
        and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
    }
    network = ipaddress.ip_network(cidr)
    for offset in range(2, network.num_addresses - 1):
        ip = str(network.network_address + offset)
        if ip not in used:
            return ip
    return ""


def _summary(status: Obj) -> str:
    states = []
    for cs in status.get("containerStatuses") or []:
        state = cs.get("state") or {}
        if "waiting" in state:
            states.append(f"{cs['name']} waiting ({state['waiting'].get('reason')})")
        elif "running" in state:
            states.append(f"{cs['name']} running")
        elif "terminated" in state:
            states.append(f"{cs['name']} terminated ({state['terminated'].get('reason')})")
    return f"phase {status.get('phase')}" + (f"; {', '.join(states)}" if states else "")
