"""The node lifecycle controller: notices nodes whose kubelet went silent, and evicts.

Model: pkg/controller/nodelifecycle. A node whose Lease was not renewed within the grace
period gets Ready=Unknown and the ``node.kubernetes.io/unreachable`` taints; pods on it are
evicted once their toleration of that taint runs out (the taint manager), so their
ReplicaSets replace them on healthy nodes. A node that reports Ready again is untainted.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from kubeviz.clusters.clock import parse_rfc3339, rfc3339
from kubeviz.clusters.models import Cluster
from kubeviz.engine.cache import Cache, key_of
from kubeviz.engine.client import Client
from kubeviz.engine.timings import timing

Obj = dict[str, Any]
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"


def parse_micro(text: str | None) -> datetime | None:
    """Lease renewTime is a MicroTime (``2026-01-01T00:00:00.000000Z``)."""
    if not text:
        return None
    return parse_rfc3339(text.split(".")[0].rstrip("Z") + "Z")


def _ready(node: Obj) -> str:
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status", "Unknown")
    return "Unknown"


def tolerated_for(pod: Obj, taint: Obj) -> float | None:
    """Seconds the pod may stay on a node with this NoExecute taint (inf if forever, None
    if not tolerated at all)."""
    best: float | None = None
    for t in (pod.get("spec") or {}).get("tolerations") or []:
        if t.get("effect") not in (None, "", taint.get("effect")):
            continue
        op = t.get("operator", "Equal")
        if t.get("key") in (None, "") and op == "Exists":
            matches = True
        else:
            matches = t.get("key") == taint.get("key") and (op == "Exists" or t.get("value", "") == taint.get("value", ""))
        if not matches:
            continue
        seconds = float("inf") if t.get("tolerationSeconds") is None else max(float(t["tolerationSeconds"]), 0.0)
        best = seconds if best is None else max(best, seconds)
    return best


class NodeLifecycleController:
    name = "controller-manager/nodelifecycle"
    actor = "controller-manager"
    watches = ("nodes", "leases", "pods")

    def __init__(self, cluster: Cluster):
        self.cluster = cluster

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural == "nodes" and event != "DELETED":
            yield obj["metadata"]["name"]
        elif plural == "leases" and obj["metadata"].get("namespace") == "kube-node-lease":
            yield obj["metadata"]["name"]
        elif plural == "pods" and (obj.get("spec") or {}).get("nodeName") and event == "ADDED":
            yield obj["spec"]["nodeName"]

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        node = cache.get("nodes", key)
        if node is None:
            return None
        now = api.now()
        grace = timing(self.cluster.settings, "nodeMonitorGracePeriod")
        lease = cache.get("leases", f"kube-node-lease/{key}")
        renewed = parse_micro((lease or {}).get("spec", {}).get("renewTime")) or parse_rfc3339(node["metadata"]["creationTimestamp"])
        silent_for = (now - renewed).total_seconds()
        ready = _ready(node)
        taints = list((node.get("spec") or {}).get("taints") or [])
        cordoned = bool((node.get("spec") or {}).get("unschedulable"))
        if cordoned != any(t.get("key") == UNSCHEDULABLE for t in taints):
            self._taint_unschedulable(api, node, taints, cordoned, now)
            return 0.0
        if silent_for > grace and ready != "Unknown":
            self._mark_unknown(api, node, now)
            return 0.0
        if silent_for > grace and not any(t.get("key") == UNREACHABLE for t in taints):
            self._taint(api, node, taints, now)
            return 0.0
        if ready == "True" and any(t.get("key") in (UNREACHABLE, NOT_READY) for t in taints):
            kept = [t for t in taints if t.get("key") not in (UNREACHABLE, NOT_READY)]
            api.patch("nodes", None, key, {"spec": {"taints": kept or None}},
                      message=f"the node lifecycle controller removed the unreachable taints from {key}: its kubelet is back")
            return None
        wake = self._evict(cache, api, node, taints, now)
        if ready != "Unknown":
            left = grace - silent_for
            wake = left if wake is None else min(wake, left)
        return None if wake is None else max(wake, 0.5)

    def _mark_unknown(self, api: Client, node: Obj, now: datetime) -> None:
        name = node["metadata"]["name"]
        status = dict(node.get("status") or {})
        stamp = rfc3339(now)
        conditions = []
        for c in status.get("conditions") or []:
            c = dict(c)
            if c.get("status") != "Unknown":
                c["lastTransitionTime"] = stamp
            c["status"] = "Unknown"
            c["reason"] = "NodeStatusUnknown"
            c["message"] = "Kubelet stopped posting node status."
            conditions.append(c)
        status["conditions"] = conditions
        api.update_status("nodes", {**node, "status": status}, category="controller",
                          message=f"the node lifecycle controller marked {name} NotReady: its kubelet stopped posting status")
        api.event(node, type="Normal", reason="NodeNotReady", message=f"Node {name} status is now: NodeNotReady")

    def _taint_unschedulable(self, api: Client, node: Obj, taints: list[Obj], cordoned: bool, now: datetime) -> None:
        """A cordoned node carries the unschedulable NoSchedule taint (TaintNodesByCondition),
        which is what tolerations, and ``kubectl describe node``, see."""
        name = node["metadata"]["name"]
        if cordoned:
            taints = taints + [{"key": UNSCHEDULABLE, "effect": "NoSchedule", "timeAdded": rfc3339(now)}]
            message = f"the node lifecycle controller tainted {name} {UNSCHEDULABLE}: it was cordoned"
        else:
            taints = [t for t in taints if t.get("key") != UNSCHEDULABLE]
            message = f"the node lifecycle controller removed the {UNSCHEDULABLE} taint from {name}: it was uncordoned"
        api.patch("nodes", None, name, {"spec": {"taints": taints or None}}, message=message)

    def _taint(self, api: Client, node: Obj, taints: list[Obj], now: datetime) -> None:
        name = node["metadata"]["name"]
        stamp = rfc3339(now)
        added = [
            {"key": UNREACHABLE, "effect": "NoSchedule"},
            {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": stamp},
        ]
        api.patch("nodes", None, name, {"spec": {"taints": taints + added}},
                  message=f"the node lifecycle controller tainted {name} {UNREACHABLE}: pods without a toleration will be evicted")

    def _evict(self, cache: Cache, api: Client, node: Obj, taints: list[Obj], now: datetime) -> float | None:
        """The taint manager: delete pods whose toleration of a NoExecute taint ran out."""
        wake: float | None = None
        name = node["metadata"]["name"]
        for taint in taints:
            if taint.get("effect") != "NoExecute":
                continue
            added = parse_rfc3339(taint["timeAdded"]) if taint.get("timeAdded") else now
            for pod in cache.pods_on(name):
                if pod["metadata"].get("deletionTimestamp"):
                    continue
                allowed = tolerated_for(pod, taint)
                if allowed == float("inf"):
                    continue
                due = added + timedelta(seconds=allowed or 0)
                if now >= due:
                    ns, pod_name = key_of(pod).split("/", 1)
                    api.event(pod, type="Normal", reason="TaintManagerEviction", message=f"Marking for deletion Pod {ns}/{pod_name}")
                    api.delete("pods", ns, pod_name, message=f"the taint manager evicted pod {ns}/{pod_name} from {name} ({taint['key']})")
                else:
                    left = (due - now).total_seconds()
                    wake = left if wake is None else min(wake, left)
        return wake
