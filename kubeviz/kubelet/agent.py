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
from kubeviz.engine.timings import timing
from kubeviz.etcd.models import Cluster

from .lifecycle import RuntimeState, advance

# How often a dead kubelet's work is looked at again, in case the node has recovered.
DEAD_POLL_SECONDS = 5.0

Obj = dict[str, Any]


def kubelets(cluster: Cluster) -> list[Kubelet]:
    return [Kubelet(cluster)]


def failed_nodes(cluster: Cluster) -> set[str]:
    return set((cluster.settings or {}).get("failed_nodes", []))


class Kubelet:
    name = "kubelet"
    actor = "kubelet"
    watches = ("pods", "nodes", "leases")

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
            name = obj["metadata"]["name"]
            if event == "ADDED":
                yield f"node:{name}"
            # A node coming back: its kubelet looks at every pod it should be running.
            for pod in cache.iter("pods"):
                if pod["spec"].get("nodeName") == name:
                    yield f"pod:{key_of(pod)}"

    # ---- sync --------------------------------------------------------------------------
    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        kind, rest = key.split(":", 1)
        if kind == "node":
            return self._heartbeat(cache, api, rest)
        pod = cache.get("pods", rest)
        if pod is None:
            return None
        node_name = pod["spec"].get("nodeName")
        if not node_name:
            return None
        if node_name in failed_nodes(self.cluster):
            return DEAD_POLL_SECONDS
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

    def _heartbeat(self, cache: Cache, api: Client, node_name: str) -> float | None:
        """Renew the node's Lease (the heartbeat) and post Ready when it is not."""
        node = cache.get("nodes", node_name)
        if node is None:
            return None
        if node_name in failed_nodes(self.cluster):
            # A dead kubelet sends nothing; look again later in case it comes back.
            return DEAD_POLL_SECONDS
        kapi = Client(api.cluster, f"kubelet/{node_name}")
        duration = int(timing(self.cluster.settings, "nodeLeaseDurationSeconds"))
        renew = kapi.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        lease = cache.get("leases", f"kube-node-lease/{node_name}")
        message = f"the kubelet on {node_name} renewed its node lease (heartbeat)"
        if lease is None:
            kapi.create("leases", "kube-node-lease", {
                "metadata": {"name": node_name, "ownerReferences": [{
                    "apiVersion": "v1", "kind": "Node", "name": node_name, "uid": node["metadata"].get("uid", ""),
                }]},
                "spec": {"holderIdentity": node_name, "leaseDurationSeconds": duration, "renewTime": renew},
            }, step=None, category="heartbeat", message=message)
        else:
            kapi.update("leases", {**lease, "spec": {**lease.get("spec", {}), "renewTime": renew}},
                        step=None, category="heartbeat", message=message)
        if _ready(node) != "True":
            self._post_ready(kapi, node)
        return max(duration / 4, 1.0)

    def _post_ready(self, kapi: Client, node: Obj) -> None:
        stamp = kapi.stamp()
        status = dict(node.get("status") or {})
        healthy = {
            "MemoryPressure": ("False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            "DiskPressure": ("False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            "PIDPressure": ("False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            "Ready": ("True", "KubeletReady", "kubelet is posting ready status"),
        }
        conditions = []
        for ctype, (value, reason, message) in healthy.items():
            old = next((c for c in status.get("conditions") or [] if c.get("type") == ctype), {})
            conditions.append({
                "type": ctype, "status": value, "reason": reason, "message": message, "lastHeartbeatTime": stamp,
                "lastTransitionTime": stamp if old.get("status") != value else old.get("lastTransitionTime", stamp),
            })
        status["conditions"] = conditions
        name = node["metadata"]["name"]
        kapi.update_status("nodes", {**node, "status": status}, category="heartbeat",
                           message=f"the kubelet on {name} posted node status: Ready")
        kapi.event(node, type="Normal", reason="NodeReady", message=f"Node {name} status is now: NodeReady")

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


def _ready(node: Obj) -> str:
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status", "Unknown")
    return "Unknown"


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
