"""The node lifecycle controller: notices nodes whose kubelet went silent, and evicts.

Model: pkg/controller/nodelifecycle. A node whose Lease was not renewed within the grace
period gets Ready=Unknown and the ``node.kubernetes.io/unreachable`` taints; pods on it are
evicted once their toleration of that taint runs out (the taint manager), so their
ReplicaSets replace them on healthy nodes. A node that reports Ready again is untainted.

So that a class sees why, the controller also records steps a real one does not: a silent
node's lease age against the grace period, then the eviction countdown, each every
``REPORT_EVERY`` simulated seconds and at the transitions.
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
from kubeviz.flow.catalogue import say

Obj = dict[str, Any]
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
#: how often (simulated seconds) a silent node's lease age, and then its eviction countdown, is recorded
REPORT_EVERY = 10.0
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
        #: node → the last lease-age mark recorded (a multiple of REPORT_EVERY)
        self.lease_marks: dict[str, float] = {}
        #: node → the last countdown mark recorded (seconds since the NoExecute taint)
        self.countdown_marks: dict[str, float] = {}

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
            self._mark_unknown(api, node, now, grace)
            return 0.0
        if silent_for > grace and not any(t.get("key") == UNREACHABLE for t in taints):
            self._taint(api, node, taints, now)
            return 0.0
        if ready == "True" and any(t.get("key") in (UNREACHABLE, NOT_READY) for t in taints):
            kept = [t for t in taints if t.get("key") not in (UNREACHABLE, NOT_READY)]
            api.patch("nodes", None, key, {"spec": {"taints": kept or None}}, message=say("nodelifecycle.untaint", node=key))
            return None
        wake = self._evict(cache, api, node, taints, now)
        if ready != "Unknown":
            self.countdown_marks.pop(key, None)
            renew_every = float((lease or {}).get("spec", {}).get("leaseDurationSeconds") or grace) / 4
            left = min(grace - silent_for, self._report_lease(api, node, silent_for, grace, renew_every))
            wake = left if wake is None else min(wake, left)
        return None if wake is None else max(wake, 0.5)

    def _report_lease(self, api: Client, node: Obj, silent_for: float, grace: float, renew_every: float) -> float:
        """Record a silent node's lease age at each REPORT_EVERY mark past its renewal
        interval (a healthy node renews before the first); returns the seconds to the next mark."""
        name = node["metadata"]["name"]
        first = REPORT_EVERY * (renew_every // REPORT_EVERY + 1)  # the first mark a healthy kubelet never reaches
        if silent_for < first:
            self.lease_marks.pop(name, None)
            return first - silent_for
        mark = REPORT_EVERY * (silent_for // REPORT_EVERY)
        if self.lease_marks.get(name) != mark:
            self.lease_marks[name] = mark
            api.step(step=None, source=api.component, target=f"kubelet/{name}", action="check lease", obj=_as_node(node),
                     category="heartbeat", message=say("nodelifecycle.lease", node=name, age=round(silent_for), grace=f"{grace:g}",
                                                      left=round(grace - silent_for)))
        return mark + REPORT_EVERY - silent_for

    def _mark_unknown(self, api: Client, node: Obj, now: datetime, grace: float) -> None:
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
                          message=say("nodelifecycle.unknown", node=name, grace=f"{grace:g}"))
        api.event(node, type="Normal", reason="NodeNotReady", message=f"Node {name} status is now: NodeNotReady")

    def _taint_unschedulable(self, api: Client, node: Obj, taints: list[Obj], cordoned: bool, now: datetime) -> None:
        """A cordoned node carries the unschedulable NoSchedule taint (TaintNodesByCondition),
        which is what tolerations, and ``kubectl describe node``, see."""
        name = node["metadata"]["name"]
        if cordoned:
            taints = taints + [{"key": UNSCHEDULABLE, "effect": "NoSchedule", "timeAdded": rfc3339(now)}]
            message = say("nodelifecycle.cordon", node=name, taint=UNSCHEDULABLE)
        else:
            taints = [t for t in taints if t.get("key") != UNSCHEDULABLE]
            message = say("nodelifecycle.uncordon", node=name, taint=UNSCHEDULABLE)
        api.patch("nodes", None, name, {"spec": {"taints": taints or None}}, message=message)

    def _taint(self, api: Client, node: Obj, taints: list[Obj], now: datetime) -> None:
        name = node["metadata"]["name"]
        stamp = rfc3339(now)
        added = [
            {"key": UNREACHABLE, "effect": "NoSchedule"},
            {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": stamp},
        ]
        api.patch("nodes", None, name, {"spec": {"taints": taints + added}},
                  message=say("nodelifecycle.taint", node=name, taint=UNREACHABLE))

    def _evict(self, cache: Cache, api: Client, node: Obj, taints: list[Obj], now: datetime) -> float | None:
        """The taint manager: delete pods whose toleration of a NoExecute taint ran out."""
        wake: float | None = None
        name = node["metadata"]["name"]
        for taint in taints:
            if taint.get("effect") != "NoExecute":
                continue
            added = parse_rfc3339(taint["timeAdded"]) if taint.get("timeAdded") else now
            waiting: list[tuple[float, float]] = []  # (tolerationSeconds, seconds left) of the pods that stay for now
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
                    api.delete("pods", ns, pod_name, message=say("nodelifecycle.evict", where=f"{ns}/{pod_name}", node=name, taint=taint["key"]))
                else:
                    left = (due - now).total_seconds()
                    waiting.append((allowed or 0.0, left))
                    wake = left if wake is None else min(wake, left)
            if waiting and taint.get("key") == UNREACHABLE:
                to_mark = self._report_countdown(api, node, (now - added).total_seconds(), waiting)
                wake = to_mark if wake is None else min(wake, to_mark)
        return wake

    def _report_countdown(self, api: Client, node: Obj, elapsed: float, waiting: list[tuple[float, float]]) -> float:
        """Record how long the pods on an unreachable node have left: when the taint is added
        and every REPORT_EVERY seconds after; returns the seconds to the next mark."""
        name = node["metadata"]["name"]
        mark = REPORT_EVERY * (elapsed // REPORT_EVERY)
        if self.countdown_marks.get(name) != mark:
            self.countdown_marks[name] = mark
            toleration, left = min(waiting, key=lambda w: w[1])
            pods = f"{len(waiting)} pod" + ("" if len(waiting) == 1 else "s")
            api.step(step=None, source=api.component, target=f"kubelet/{name}", action="count down", obj=_as_node(node),
                     category="controller", message=say("nodelifecycle.countdown", node=name, toleration=f"{toleration:g}",
                                                       pods=pods, left=round(left)))
        return mark + REPORT_EVERY - elapsed


def _as_node(node: Obj) -> Obj:
    return {**node, "kind": "Node"}
