"""kube-scheduler: watches pods and nodes, and gives every pending pod a node.

Handlers only enqueue: a new pod without a node, or the unschedulable pods an event may
help. ``sync`` takes one pod through a scheduling cycle (algorithm.schedule_pod) over the
nodes of its informer cache, then either posts a Binding (steps 4 and 5) or records why
the pod cannot be placed (PodScheduled=False, a FailedScheduling Event) and backs off.
Reads come from the cache; writes go through the API server.
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.clusters.models import Cluster
from kubeviz.engine.cache import Cache, key_of
from kubeviz.engine.client import Client
from kubeviz.flow.catalogue import say

from . import explain
from .algorithm import Attempt, schedule_pod
from .framework import DEFAULT_SCHEDULER_NAME, SnapshotCache, is_terminal, with_node_name
from .plugins import volume_binding
from .queue import ASSIGNED_POD_DELETE, PVC_CHANGE, SchedulingQueue, node_changes, pod_spec_changed
from .resources import RequestsMemo
from .services import decision_save

Obj = dict[str, Any]


def _meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def _spec(obj: Obj) -> Obj:
    return obj.get("spec") or {}


def is_assigned(pod: Obj) -> bool:
    return bool(_spec(pod).get("nodeName"))


def responsible_for(pod: Obj) -> bool:
    """A pod this scheduler must place: no node, not being deleted, ours by schedulerName."""
    return (
        not is_assigned(pod)
        and not _meta(pod).get("deletionTimestamp")
        and (_spec(pod).get("schedulerName") or DEFAULT_SCHEDULER_NAME) == DEFAULT_SCHEDULER_NAME
        and not is_terminal(pod)
    )


class Scheduler:
    name = "scheduler"
    actor = "scheduler"
    watches = ("pods", "nodes", "persistentvolumeclaims")

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.queue = SchedulingQueue()
        #: pods this scheduler bound whose binding the cache may not show yet (uid → pod)
        self.assumed: dict[str, Obj] = {}
        self.requests = RequestsMemo()
        self.snapshots = SnapshotCache(self.requests)
        #: where the next cycle starts filtering (sched.nextStartNodeIndex)
        self.next_start_index = 0

    # ---- handlers -------------------------------------------------------------------------
    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural == "persistentvolumeclaims":
            return self.queue.move({PVC_CHANGE})
        if plural == "nodes":
            if event == "DELETED":
                return []
            return self.queue.move(node_changes(old if event != "ADDED" else None, obj))
        return self._handle_pod(event, obj, old)

    def _handle_pod(self, event: str, pod: Obj, old: Obj | None) -> list[str]:
        uid = _meta(pod).get("uid", "")
        if event == "DELETED":
            self.queue.forget(uid)
            self.assumed.pop(uid, None)
            return self.queue.move({ASSIGNED_POD_DELETE}) if is_assigned(pod) and not is_terminal(pod) else []
        if is_assigned(pod):
            self.queue.forget(uid)
            if uid in self.assumed:
                del self.assumed[uid]  # the informer caught up with our binding
            if old is not None and is_terminal(pod) and not is_terminal(old):
                # A finished pod leaves the scheduler's view: its resources are free.
                return self.queue.move({ASSIGNED_POD_DELETE})
            return []
        if not responsible_for(pod):
            self.queue.forget(uid)
            return []
        if event == "MODIFIED" and self.queue.unschedulable(uid):
            if not pod_spec_changed(old, pod):
                return []  # our own status update: the pod is already waiting in the queue
            self.queue.mark_moved(uid)
        return [key_of(pod)]

    # ---- sync ------------------------------------------------------------------------------
    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        pod = cache.get("pods", key)
        if pod is None or not responsible_for(pod):
            return None
        uid = _meta(pod).get("uid", "")
        if _spec(pod).get("schedulingGates"):
            return None  # SchedulingGates (PreEnqueue): not in the queue until the gates go
        now = api.now()
        wait = self.queue.wait(uid, now)
        if wait > 0:
            return wait
        number = self.queue.begin(uid, key)
        api.step(step=3, source="apiserver", target="scheduler", action="watch", obj=_with_kind(pod),
                 message=explain.watch_message(pod, number))

        snapshot = self.snapshots.snapshot(cache, assumed=self._assumed(cache))
        rng = random.Random(f"{self.cluster.seed}:scheduler:{uid}:{number}")
        claim, storage_class = self._volume_readers(cache, pod)
        attempt = schedule_pod(pod, snapshot, rng=rng, nominated=self._nominated(cache), start_index=self.next_start_index,
                               volumes=volume_binding.pre_filter(pod, claim, storage_class))
        if len(snapshot):
            self.next_start_index = (attempt.start_index + attempt.processed) % len(snapshot)
        if attempt.chosen:
            for pvc in volume_binding.delayed_claims(pod, claim, storage_class):
                self._select_node(api, pvc, attempt.chosen)
            return self._bind(api, pod, attempt, number)
        return self._fail(api, pod, attempt, number, snapshot)

    def _bind(self, api: Client, pod: Obj, attempt: Attempt, number: int) -> None:
        meta = _meta(pod)
        ns, name, node = meta["namespace"], meta["name"], attempt.chosen
        summary = explain.binding_summary(attempt)
        api.bind(ns, name, node, message=say("scheduler.bind", summary=summary))
        api.event(_with_kind(pod), type="Normal", reason="Scheduled", message=f"Successfully assigned {ns}/{name} to {node}")
        self._explain(api, pod, attempt, number, summary)
        self.assumed[meta.get("uid", "")] = with_node_name(pod, node)
        self.queue.forget(meta.get("uid", ""))
        return None

    def _fail(self, api: Client, pod: Obj, attempt: Attempt, number: int, snapshot: Any) -> float:
        message = explain.failed_scheduling_message(attempt)
        result = attempt.preemption
        if result is not None and result.victims:
            self._evict(api, pod, result)
        self._set_unschedulable(api, pod, message, result.nominated_node if result is not None else None)
        api.event(_with_kind(pod), type="Warning", reason="FailedScheduling", message=explain.event_message(message))
        self._explain(api, pod, attempt, number, message)
        # The attempt ends with the reason in plain words (kube-scheduler's own is above).
        words = explain.unschedulable_words(attempt, snapshot, self.requests.of(pod)[0])
        api.step(step=None, source="scheduler", target="apiserver", action="unschedulable", obj=_with_kind(pod),
                 category="scheduler", message=words)
        return self.queue.failed(_meta(pod).get("uid", ""), api.now(), attempt.unschedulable_plugins)

    def _evict(self, api: Client, pod: Obj, result: Any) -> None:
        """Preemption: mark each victim DisruptionTarget, delete it, say so in an Event."""
        scheduler_name = _spec(pod).get("schedulerName") or DEFAULT_SCHEDULER_NAME
        for victim in result.victims:
            vmeta = _meta(victim)
            where = f"{vmeta.get('namespace')}/{vmeta.get('name')}"
            status_copy = _status_without_rv(victim)
            _set_condition(status_copy["status"], {
                "type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler",
                "message": f"{scheduler_name}: preempting to accommodate a higher priority pod",
            }, api.stamp())
            api.update_status("pods", status_copy, message=say("scheduler.victim", where=where),
                              category="scheduler")
            api.delete("pods", vmeta.get("namespace"), vmeta["name"], category="scheduler",
                       message=say("scheduler.preempt", where=where, preemptor=f"{_meta(pod).get('namespace')}/{_meta(pod)['name']}"))
            api.event(_with_kind(victim), type="Normal", reason="Preempted",
                      message=f"Preempted by pod {_meta(pod).get('uid')} on node {result.nominated_node}")

    def _set_unschedulable(self, api: Client, pod: Obj, message: str, nominated: str | None) -> None:
        """PodScheduled=False (reason Unschedulable) and the nominated node, if either changed."""
        new = _status_without_rv(pod)
        status = new["status"]
        changed = _set_condition(status, {
            "type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message,
        }, api.stamp())
        if nominated is not None and (status.get("nominatedNodeName") or "") != nominated:
            changed = True
            if nominated:
                status["nominatedNodeName"] = nominated
            else:
                status.pop("nominatedNodeName", None)
        if changed:
            meta = _meta(pod)
            api.update_status("pods", new, category="scheduler",
                              message=say("scheduler.unschedulable", where=f"{meta.get('namespace')}/{meta.get('name')}", reason=message))

    def _explain(self, api: Client, pod: Obj, attempt: Attempt, number: int, message: str) -> None:
        meta = _meta(pod)
        record = explain.explanation(attempt, attempt_number=number, time=api.stamp(), message=message)
        decision_save(cluster=self.cluster, namespace=meta["namespace"], name=meta["name"], uid=meta.get("uid", ""),
                      explanation=record, created=api.now())

    def _select_node(self, api: Client, pvc: Obj, node: str) -> None:
        """WaitForFirstConsumer: tell the provisioner where the claim's first pod goes."""
        meta = _meta(pvc)
        api.patch("persistentvolumeclaims", meta.get("namespace"), meta["name"],
                  {"metadata": {"annotations": {volume_binding.SELECTED_NODE: node}}}, category="scheduler",
                  message=f"the scheduler chose {node} for the first pod of claim {meta.get('namespace')}/{meta['name']}: "
                          "its volume can now be provisioned there")

    @staticmethod
    def _volume_readers(cache: Cache, pod: Obj) -> tuple[Any, Any]:
        namespace = _meta(pod).get("namespace")
        return (lambda name: cache.get("persistentvolumeclaims", f"{namespace}/{name}"),
                lambda name: cache.get("storageclasses", name) if name else None)

    # ---- what the cycle sees ----------------------------------------------------------------
    def _assumed(self, cache: Cache) -> list[Obj]:
        """The pods we bound that the cache does not show as bound yet."""
        pods = []
        for uid, assumed in list(self.assumed.items()):
            current = cache.get("pods", key_of(assumed))
            if current is None or _meta(current).get("uid") != uid or is_assigned(current):
                del self.assumed[uid]
                continue
            pods.append(assumed)
        return pods

    def _nominated(self, cache: Cache) -> list[Obj]:
        return [p for p in cache.nominated_pods() if responsible_for(p)]


def _with_kind(pod: Obj) -> Obj:
    if pod.get("kind"):
        return pod
    return {**pod, "kind": "Pod", "apiVersion": pod.get("apiVersion", "v1")}


def _status_without_rv(pod: Obj) -> Obj:
    """A copy to write the status of, without resourceVersion: kube-scheduler patches status."""
    new = deep_copy(_with_kind(pod))
    new.setdefault("metadata", {}).pop("resourceVersion", None)
    new.setdefault("status", {})
    return new


def _set_condition(status: Obj, condition: Obj, now: str) -> bool:
    """UpdatePodCondition: add or replace by type; keep lastTransitionTime if status is the same.
    Returns whether anything changed."""
    conditions = status.setdefault("conditions", [])
    new = {"type": condition["type"], "status": condition["status"], "lastProbeTime": None, "lastTransitionTime": now}
    for f in ("reason", "message"):
        if condition.get(f):
            new[f] = condition[f]
    for i, old in enumerate(conditions):
        if old.get("type") == condition["type"]:
            if old.get("status") == new["status"]:
                new["lastTransitionTime"] = old.get("lastTransitionTime")
            if old == new:
                return False
            conditions[i] = new
            return True
    conditions.append(new)
    return True
