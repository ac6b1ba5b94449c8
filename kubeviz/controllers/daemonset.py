"""The DaemonSet controller of kube-controller-manager (pkg/controller/daemon).

One pod per eligible node. A node is eligible when the template's nodeSelector and
required node affinity match it and it has no NoSchedule/NoExecute taint the pod does
not tolerate — counting the tolerations the controller adds to every daemon pod
(not-ready and unreachable NoExecute without tolerationSeconds, disk-, memory- and
pid-pressure and unschedulable NoSchedule), which is why a cordoned node still runs its
DaemonSet pods. Since 1.12 the controller does not bind pods itself: it creates each pod
with a required node affinity on ``metadata.name`` (matchFields) and the default
scheduler binds it.

Level-triggered: every sync maps the DaemonSet's pods to their nodes, creates the missing
pods, deletes those on nodes that should not run one (and failed ones, with a back-off),
replaces outdated pods during a RollingUpdate (at most maxUnavailable at a time), and
writes status last. A pod on a node that no longer exists is force-deleted here; in a
real cluster the pod garbage collector (podgc) does that for bound pods.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from kubeviz.apiserver import errors
from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.apiserver.selectors import from_label_selector_object
from kubeviz.engine.cache import Cache
from kubeviz.engine.client import Client

from .claim import ControllerRefManager
from .objects import (
    controller_keys,
    controller_of,
    created_at,
    is_deleting,
    key_of,
    labels_of,
    name_of,
    namespace_of,
    new_controller_ref,
    selecting_keys,
)
from .podcontrol import create_pod, delete_pod
from .pods import is_pod_available, is_pod_ready, seconds_until_available
from .revisions import CONTROLLER_REVISION_HASH, history_sync, template_hash

Obj = dict[str, Any]

TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"
TEMPLATE_GENERATION_LABEL = "pod-template-generation"
# The tolerations AddOrUpdateDaemonPodTolerations gives every daemon pod.
DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]
NETWORK_UNAVAILABLE = {"key": "node.kubernetes.io/network-unavailable", "operator": "Exists", "effect": "NoSchedule"}
# failedPodsBackoff: 1 s doubling to 15 minutes between deletions of failed daemon pods.
FAILED_POD_BACKOFF = 1.0
FAILED_POD_BACKOFF_MAX = 900.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# ---- node matching (component-helpers: nodeaffinity, v1helper taints) -----------------------


def _requirement_matches(req: Obj, value: str | None) -> bool:
    op = req.get("operator")
    values = [str(x) for x in req.get("values") or []]
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and len(values) == 1:
        try:
            have, want = int(value), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def _term_matches(term: Obj, node: Obj) -> bool:
    """A NodeSelectorTerm: its expressions and fields all hold; an empty term matches nothing."""
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False
    labels = labels_of(node)
    for req in expressions:
        if not _requirement_matches(req, labels.get(req.get("key", ""))):
            return False
    for req in fields:
        value = name_of(node) if req.get("key") == "metadata.name" else None
        if value is None or not _requirement_matches(req, value):
            return False
    return True


def required_node_affinity_matches(pod_spec: Obj, node: Obj) -> bool:
    """nodeaffinity.GetRequiredNodeAffinity(pod).Match(node): nodeSelector and the
    required node affinity (its terms ORed)."""
    labels = labels_of(node)
    for key, value in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if required is None:
        return True
    return any(_term_matches(term, node) for term in required.get("nodeSelectorTerms") or [])


def tolerates(toleration: Obj, taint: Obj) -> bool:
    """Toleration.ToleratesTaint."""
    if toleration.get("effect") and toleration.get("effect") != taint.get("effect"):
        return False
    if toleration.get("key") and toleration.get("key") != taint.get("key"):
        return False
    op = toleration.get("operator") or "Equal"
    if op == "Exists":
        return True
    return op == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def untolerated_taint(taints: list[Obj], tolerations: list[Obj], effects: tuple[str, ...]) -> Obj | None:
    for taint in taints:
        if taint.get("effect") not in effects:
            continue
        if not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None


def with_daemon_tolerations(pod_spec: Obj) -> list[Obj]:
    """AddOrUpdateDaemonPodTolerations: a toleration with the same key, operator, value and
    effect is replaced, others are appended."""
    tolerations = [dict(t) for t in pod_spec.get("tolerations") or []]
    wanted = list(DAEMON_TOLERATIONS)
    if pod_spec.get("hostNetwork"):
        wanted.append(NETWORK_UNAVAILABLE)
    for add in wanted:
        for i, t in enumerate(tolerations):
            if (t.get("key"), t.get("operator") or "Equal", t.get("value") or "", t.get("effect") or "") == (
                    add["key"], add["operator"], "", add["effect"]):
                tolerations[i] = dict(add)
                break
        else:
            tolerations.append(dict(add))
    return tolerations


def node_should_run_daemon_pod(node: Obj, ds: Obj) -> tuple[bool, bool]:
    """NodeShouldRunDaemonPod: (should run, should continue running)."""
    pod_spec = deep_copy(((ds.get("spec") or {}).get("template") or {}).get("spec") or {})
    wanted_node = pod_spec.get("nodeName")
    if wanted_node and wanted_node != name_of(node):
        return False, False
    pod_spec["tolerations"] = with_daemon_tolerations(pod_spec)
    if not required_node_affinity_matches(pod_spec, node):
        return False, False
    taints = (node.get("spec") or {}).get("taints") or []
    if untolerated_taint(taints, pod_spec["tolerations"], ("NoSchedule", "NoExecute")) is not None:
        return False, untolerated_taint(taints, pod_spec["tolerations"], ("NoExecute",)) is None
    return True, True


def node_name_affinity(affinity: Obj | None, node_name: str) -> Obj:
    """ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes the one
    term ``metadata.name In [node]``; preferred terms and pod (anti-)affinity are kept."""
    affinity = deep_copy(affinity) if isinstance(affinity, dict) else {}
    selector = {"nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}]}
    node_affinity = affinity.get("nodeAffinity")
    if not isinstance(node_affinity, dict):
        node_affinity = affinity["nodeAffinity"] = {}
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = selector
    return affinity


def target_node_name(pod: Obj) -> str | None:
    """GetTargetNodeName: spec.nodeName, or the node named by the matchFields affinity."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return spec["nodeName"]
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in required.get("nodeSelectorTerms") or []:
        for req in term.get("matchFields") or []:
            if req.get("key") == "metadata.name" and req.get("operator") == "In" and len(req.get("values") or []) == 1:
                return req["values"][0]
    return None


# ---- the controller ---------------------------------------------------------------------------


def _phase(pod: Obj) -> str:
    return (pod.get("status") or {}).get("phase") or ""


def _by_creation(pods: list[Obj]) -> list[Obj]:
    """podByCreationTimestampAndPhase: scheduled pods first, then the oldest, then by name."""
    return sorted(pods, key=lambda p: (not (p.get("spec") or {}).get("nodeName"), created_at(p) or _EPOCH, name_of(p)))


def _max_unavailable(ds: Obj, desired: int) -> int:
    ru = (((ds.get("spec") or {}).get("updateStrategy") or {}).get("rollingUpdate") or {})
    value = ru.get("maxUnavailable", 1)
    if isinstance(value, str) and re.match(r"^[0-9]+%$", value):
        # GetScaledValueFromIntOrPercent, rounded up; at least one when it would be zero.
        scaled = -(-int(value[:-1]) * desired // 100)
        return max(scaled, 1) if desired else scaled
    return int(value) if isinstance(value, int) else 1


class DaemonSetController:
    name = "controller-manager/daemonset"
    actor = "controller-manager"
    watches = ("daemonsets", "pods", "nodes", "controllerrevisions")

    def __init__(self, cluster: Any = None) -> None:
        self.cluster = cluster
        # (daemonset key, node) -> (next allowed deletion of a failed pod, current delay)
        self._failed_backoff: dict[tuple[str, str], tuple[datetime, float]] = {}

    # ---- event handlers: only enqueue keys ----------------------------------------------
    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural == "daemonsets":
            return [key_of(obj)]
        if plural == "nodes":
            if event == "MODIFIED" and old is not None and labels_of(obj) == labels_of(old) and obj.get("spec") == old.get("spec"):
                return []  # shouldIgnoreNodeUpdate: only status (heartbeats, conditions) changed
            return [key_of(ds) for ds in cache.iter("daemonsets")]
        if plural == "controllerrevisions":
            return controller_keys(cache, "daemonsets", "DaemonSet", obj, old)
        return self._keys_for_pod(cache, event, obj, old)

    def _keys_for_pod(self, cache: Cache, event: str, pod: Obj, old: Obj | None) -> list[str]:
        keys = controller_keys(cache, "daemonsets", "DaemonSet", pod, old)
        if event != "DELETED" and controller_of(pod) is None:
            selecting_keys(cache, "daemonsets", pod, keys)
        return keys

    # ---- reconcile ---------------------------------------------------------------------
    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        cached = cache.get("daemonsets", key)
        if cached is None:
            self._failed_backoff = {k: v for k, v in self._failed_backoff.items() if k[0] != key}
            return None
        ds = deep_copy(cached)
        if is_deleting(ds):
            return None
        spec = ds.get("spec") or {}
        selector = from_label_selector_object(spec.get("selector"))
        manager = ControllerRefManager(
            api, ds, plural="pods", owner_plural="daemonsets", api_version="apps/v1", kind="DaemonSet",
            match=lambda pod: selector.matches(labels_of(pod)),
        )
        pods = manager.claim(list(cache.iter("pods", namespace_of(ds))))
        nodes = sorted(cache.iter("nodes"), key=name_of)
        hash_ = template_hash(spec.get("template"))
        now = api.now()

        history_sync(api, cache, ds, kind="DaemonSet", hash_=hash_,
                     hashes_in_use={labels_of(p).get(CONTROLLER_REVISION_HASH, "") for p in pods})
        node_to_pods = self._node_to_pods(pods)
        creates, deletes, forced, wake = self._manage(api, key, ds, nodes, node_to_pods, now)
        if not creates and not deletes and not forced:
            # As the real controller, roll only once the pods it expects are all observed.
            deletes = self._rolling_update(ds, nodes, node_to_pods, hash_, now)
        self._apply(api, ds, creates, deletes, forced, hash_)

        # Status from the cache, as updateDaemonSetStatus: this sync's own creates and
        # deletes show up in the next sync, which their watch events trigger.
        status = calculate_status(ds, nodes, node_to_pods, hash_, now)
        if status != (ds.get("status") or {}):
            ds["status"] = status
            api.update_status("daemonsets", ds, message=(
                f"the daemonset controller reports DaemonSet {key}: {status['desiredNumberScheduled']} desired, "
                f"{status['currentNumberScheduled']} scheduled, {status['numberReady']} ready"))
        min_ready = int(spec.get("minReadySeconds") or 0)
        waits = [w for w in (seconds_until_available(p, min_ready, now) for p in pods) if w is not None]
        if wake is not None:
            waits.append(wake)
        return min(waits) if waits else None

    def _node_to_pods(self, pods: list[Obj]) -> dict[str, list[Obj]]:
        """getNodesToDaemonPods: pods by target node, without deleted terminal pods."""
        out: dict[str, list[Obj]] = {}
        for pod in pods:
            if is_deleting(pod) and _phase(pod) in ("Succeeded", "Failed"):
                continue
            node = target_node_name(pod)
            if node:
                out.setdefault(node, []).append(pod)
        return out

    def _manage(self, api: Client, key: str, ds: Obj, nodes: list[Obj], node_to_pods: dict[str, list[Obj]],
                now: datetime) -> tuple[list[str], list[Obj], list[Obj], float | None]:
        """podsShouldBeOnNode for every node: nodes needing a pod, pods to delete, pods to
        force-delete (their node is gone), and when to look again (a failed-pod back-off)."""
        creates: list[str] = []
        deletes: list[Obj] = []
        wake: float | None = None
        for node in nodes:
            node_name = name_of(node)
            should_run, should_continue = node_should_run_daemon_pod(node, ds)
            daemon_pods = node_to_pods.get(node_name, [])
            if should_run and not daemon_pods:
                creates.append(node_name)
            elif should_continue:
                running = []
                for pod in daemon_pods:
                    if is_deleting(pod):
                        continue
                    if _phase(pod) == "Failed":
                        delay = self._failed_pod_delay(key, node_name, now)
                        if delay > 0:
                            wake = delay if wake is None else min(wake, delay)
                            continue
                        api.event(ds, type="Warning", reason="FailedDaemonPod", message=(
                            f"Found failed daemon pod {namespace_of(pod)}/{name_of(pod)} on node {node_name}, will try to kill it"))
                        deletes.append(pod)
                    elif _phase(pod) == "Succeeded":
                        deletes.append(pod)
                    else:
                        running.append(pod)
                # Without surge, more than one running pod on a node: keep the oldest.
                deletes += _by_creation(running)[1:]
            elif daemon_pods:
                deletes += [p for p in daemon_pods if not is_deleting(p)]
        known = {name_of(n) for n in nodes}
        forced = [p for node, pods in sorted(node_to_pods.items()) if node not in known for p in pods]
        return creates, deletes, forced, wake

    def _failed_pod_delay(self, key: str, node: str, now: datetime) -> float:
        """flowcontrol.Backoff for failed daemon pods: seconds still to wait (0: go ahead)."""
        entry = self._failed_backoff.get((key, node))
        if entry is not None and now < entry[0]:
            return (entry[0] - now).total_seconds()
        delay = FAILED_POD_BACKOFF if entry is None else min(entry[1] * 2, FAILED_POD_BACKOFF_MAX)
        self._failed_backoff[(key, node)] = (now + timedelta(seconds=delay), delay)
        return 0.0

    def _rolling_update(self, ds: Obj, nodes: list[Obj], node_to_pods: dict[str, list[Obj]], hash_: str,
                        now: datetime) -> list[Obj]:
        """rollingUpdate with maxSurge 0: delete outdated pods, at most maxUnavailable
        unavailable at a time (an unavailable outdated pod may always go)."""
        strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
        if strategy.get("type") != "RollingUpdate":
            return []
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
        desired = [n for n in nodes if node_should_run_daemon_pod(n, ds)[0]]
        max_unavailable = _max_unavailable(ds, len(desired))
        unavailable = 0
        allowed: list[Obj] = []
        candidates: list[Obj] = []
        for node in desired:
            pods = [p for p in node_to_pods.get(name_of(node), []) if not is_deleting(p)]
            new = [p for p in pods if labels_of(p).get(CONTROLLER_REVISION_HASH) == hash_]
            old = [p for p in pods if labels_of(p).get(CONTROLLER_REVISION_HASH) != hash_]
            if not pods:
                unavailable += 1
            elif old:
                pod = _by_creation(old)[0]
                if is_pod_available(pod, min_ready, now):
                    candidates.append(pod)
                else:
                    allowed.append(pod)
            elif not is_pod_available(new[0], min_ready, now):
                unavailable += 1
        remaining = max(max_unavailable - unavailable - len(allowed), 0)
        return allowed + candidates[:remaining]

    def _apply(self, api: Client, ds: Obj, creates: list[str], deletes: list[Obj], forced: list[Obj], hash_: str) -> None:
        """syncNodes: create the missing pods, then delete."""
        key = key_of(ds)
        ref = new_controller_ref(ds, "apps/v1", "DaemonSet")
        for node_name in creates:
            template = self._pod_template(ds, node_name, hash_)
            try:
                create_pod(api, ds, template, ref, message=(
                    f"DaemonSet {key} has no pod on node {node_name}: the daemonset controller asks the API server "
                    f"to create one, with a node affinity for {node_name} that the scheduler will honour"))
            except errors.StatusError:
                break  # FailedCreate was recorded; a later sync tries again
        for pod in deletes:
            try:
                delete_pod(api, ds, pod, message=(
                    f"DaemonSet {key} deletes Pod {name_of(pod)}: it should not run on node {target_node_name(pod)}, "
                    f"or it failed, is a duplicate or runs an outdated template"))
            except errors.StatusError:
                continue
        for pod in forced:
            try:
                api.delete("pods", namespace_of(pod), name_of(pod), options={"gracePeriodSeconds": 0}, message=(
                    f"DaemonSet {key} force-deletes Pod {name_of(pod)}: its node {target_node_name(pod)} no longer exists"))
            except errors.StatusError:
                continue
            api.event(ds, type="Normal", reason="SuccessfulDelete", message=f"Deleted pod: {name_of(pod)}")

    def _pod_template(self, ds: Obj, node_name: str, hash_: str) -> Obj:
        """CreatePodTemplate + the node affinity of the node it is for."""
        template = deep_copy((ds.get("spec") or {}).get("template") or {})
        meta = template.setdefault("metadata", {})
        labels = dict(meta.get("labels") or {})
        generation = ((ds.get("metadata") or {}).get("annotations") or {}).get(TEMPLATE_GENERATION_ANNOTATION)
        if generation:
            labels[TEMPLATE_GENERATION_LABEL] = str(generation)
        labels[CONTROLLER_REVISION_HASH] = hash_
        meta["labels"] = labels
        spec = template.setdefault("spec", {})
        spec["tolerations"] = with_daemon_tolerations(spec)
        spec["affinity"] = node_name_affinity(spec.get("affinity"), node_name)
        return template


def calculate_status(ds: Obj, nodes: list[Obj], node_to_pods: dict[str, list[Obj]], hash_: str, now: datetime) -> Obj:
    """updateDaemonSetStatus: counted per node; omitempty counters left out when zero."""
    min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
    generation = ((ds.get("metadata") or {}).get("annotations") or {}).get(TEMPLATE_GENERATION_ANNOTATION)
    desired = current = ready = available = updated = misscheduled = 0
    for node in nodes:
        should_run, _ = node_should_run_daemon_pod(node, ds)
        pods = node_to_pods.get(name_of(node), [])
        if should_run:
            desired += 1
            if not pods:
                continue
            current += 1
            pod = _by_creation(pods)[0]
            if is_pod_ready(pod):
                ready += 1
                if is_pod_available(pod, min_ready, now):
                    available += 1
            pod_labels = labels_of(pod)
            if pod_labels.get(CONTROLLER_REVISION_HASH) == hash_ or (
                    generation and pod_labels.get(TEMPLATE_GENERATION_LABEL) == str(generation)
                    and CONTROLLER_REVISION_HASH not in pod_labels):
                updated += 1
        elif pods:
            misscheduled += 1
    status: Obj = dict(ds.get("status") or {})
    status.update({
        "currentNumberScheduled": current, "numberMisscheduled": misscheduled,
        "desiredNumberScheduled": desired, "numberReady": ready,
        "observedGeneration": (ds.get("metadata") or {}).get("generation", 1),
    })
    for field, value in (("updatedNumberScheduled", updated), ("numberAvailable", available),
                         ("numberUnavailable", desired - available)):
        if value:
            status[field] = value
        else:
            status.pop(field, None)
    return status
