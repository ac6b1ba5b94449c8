"""The StatefulSet controller of kube-controller-manager (pkg/controller/statefulset).

Pods with a stable identity: ``<set>-<ordinal>`` for the ordinals ``start … start+replicas-1``
(``spec.ordinals.start``, 0 by default), each labelled with its name
(``statefulset.kubernetes.io/pod-name``), its index (``apps.kubernetes.io/pod-index``) and
its revision (``controller-revision-hash``), with ``hostname`` = its name and
``subdomain`` = ``spec.serviceName`` so a headless Service gives it a stable DNS name.

With ``podManagementPolicy: OrderedReady`` (the default) the controller is monotonic: it
creates ordinal *i* only once 0…i-1 are Running and Ready, deletes surplus pods from the
highest ordinal down, one at a time, and waits while any pod is unhealthy or
terminating. ``Parallel`` creates and deletes all at once. A RollingUpdate replaces pods
whose revision is outdated from the highest ordinal down to ``partition``, one at a time,
each only after the others are healthy. Failed pods are deleted and recreated under the
same name. Each ``volumeClaimTemplates`` entry gives pod *i* its own claim
``<template>-<set>-<i>``, created before the pod and kept when the set scales down or is
deleted (the default ``Retain`` of ``persistentVolumeClaimRetentionPolicy``; its ``Delete``
is not simulated), so a recreated pod finds its old volume again. A pod recreated below the partition gets the new template, since kubeviz keeps no
ControllerRevision history.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from kubeviz.apiserver import errors
from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.apiserver.selectors import from_label_selector_object
from kubeviz.engine.cache import Cache
from kubeviz.engine.client import Client

from .backoff import Backoff
from .claim import ControllerRefManager
from .objects import (
    controller_keys,
    controller_of,
    is_deleting,
    key_of,
    labels_of,
    name_of,
    namespace_of,
    new_controller_ref,
)
from .podcontrol import pod_from_template
from .pods import is_pod_available, is_pod_ready, seconds_until_available
from .revisions import CONTROLLER_REVISION_HASH, history_sync, template_hash

Obj = dict[str, Any]

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
_PARENT = re.compile(r"^(.*)-([0-9]+)$")


def parent_and_ordinal(pod: Obj) -> tuple[str, int]:
    """getParentNameAndOrdinal: ``web-2`` → (``web``, 2); (``""``, -1) for other names."""
    match = _PARENT.match(name_of(pod))
    if not match:
        return "", -1
    return match.group(1), int(match.group(2))


def _phase(pod: Obj) -> str:
    return (pod.get("status") or {}).get("phase") or ""


def is_running_and_ready(pod: Obj) -> bool:
    return _phase(pod) == "Running" and is_pod_ready(pod)


def is_healthy(pod: Obj) -> bool:
    return is_running_and_ready(pod) and not is_deleting(pod)


def revision_of(pod: Obj) -> str:
    return labels_of(pod).get(CONTROLLER_REVISION_HASH, "")


class _Wait(Exception):
    """OrderedReady: stop this sync here and wait for the pods to catch up."""


class StatefulSetController:
    name = "controller-manager/statefulset"
    actor = "controller-manager"
    watches = ("statefulsets", "pods", "controllerrevisions")

    def __init__(self, cluster: Any = None) -> None:
        self.cluster = cluster
        self.backoff = Backoff()

    # ---- event handlers: only enqueue keys ----------------------------------------------
    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural == "statefulsets":
            return [key_of(obj)]
        if plural == "controllerrevisions":
            return controller_keys(cache, "statefulsets", "StatefulSet", obj, old)
        keys = controller_keys(cache, "statefulsets", "StatefulSet", obj, old)
        if event != "DELETED" and controller_of(obj) is None:
            parent, _ = parent_and_ordinal(obj)
            owner = cache.get("statefulsets", f"{namespace_of(obj)}/{parent}")
            if owner is not None and key_of(owner) not in keys:
                keys.append(key_of(owner))
        return keys

    # ---- reconcile ---------------------------------------------------------------------
    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        cached = cache.get("statefulsets", key)
        if cached is None:
            self.backoff.forget(key)
            return None
        sts = deep_copy(cached)
        if is_deleting(sts):
            return None
        spec = sts.get("spec") or {}
        selector = from_label_selector_object(spec.get("selector"))
        manager = ControllerRefManager(
            api, sts, plural="pods", owner_plural="statefulsets", api_version="apps/v1", kind="StatefulSet",
            match=lambda pod: selector.matches(labels_of(pod)) and parent_and_ordinal(pod)[0] == name_of(sts),
        )
        pods = manager.claim(list(cache.iter("pods", namespace_of(sts))))
        now = api.now()
        status = dict(sts.get("status") or {})
        hash_ = template_hash(spec.get("template"))
        update_revision = f"{name_of(sts)}-{hash_}"
        history_sync(api, cache, sts, kind="StatefulSet", hash_=hash_,
                     hashes_in_use={revision_of(p).removeprefix(f"{name_of(sts)}-") for p in pods})
        current_revision = status.get("currentRevision") or update_revision

        failed = False
        try:
            self._update(api, sts, pods, update_revision, now)
        except _Wait:
            pass
        except errors.StatusError:
            failed = True  # the Event says why; try again after a back-off

        new_status = calculate_status(sts, pods, current_revision, update_revision, now)
        if new_status != status:
            sts["status"] = new_status
            api.update_status("statefulsets", sts, message=(
                f"the statefulset controller reports StatefulSet {key}: {new_status['replicas']} pods, "
                f"{new_status.get('readyReplicas', 0)} ready, {new_status.get('updatedReplicas', 0)} updated"))
        if failed:
            return self.backoff.failure(key)
        self.backoff.forget(key)
        min_ready = int(spec.get("minReadySeconds") or 0)
        waits = [w for w in (seconds_until_available(p, min_ready, now) for p in pods) if w is not None]
        return min(waits) if waits else None

    def _update(self, api: Client, sts: Obj, pods: list[Obj], update_revision: str, now: datetime) -> None:
        """updateStatefulSet: replicas in order, then condemned pods from the top, then the
        rolling update. Raises _Wait where an OrderedReady set has to wait."""
        spec = sts.get("spec") or {}
        count = int(spec.get("replicas", 1))
        start = int((spec.get("ordinals") or {}).get("start") or 0)
        monotonic = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
        min_ready = int(spec.get("minReadySeconds") or 0)
        replicas: list[Obj | None] = [None] * count
        condemned: list[Obj] = []
        for pod in pods:
            _, ordinal = parent_and_ordinal(pod)
            if start <= ordinal < start + count:
                replicas[ordinal - start] = pod
            elif ordinal >= 0:
                condemned.append(pod)
        condemned.sort(key=lambda p: parent_and_ordinal(p)[1])
        first_unhealthy = next((p for p in [*replicas, *condemned] if p is not None and not is_healthy(p)), None)

        for i, pod in enumerate(replicas):
            ordinal = start + i
            if pod is not None and _phase(pod) in ("Failed", "Succeeded"):
                if not is_deleting(pod):
                    self._delete(api, sts, pod, f"Pod {name_of(pod)} has {_phase(pod).lower()}: it is deleted and "
                                                 f"will be recreated with the same name")
                if monotonic:
                    raise _Wait
                continue
            if pod is None:
                self._create(api, sts, ordinal, update_revision, count, start)
                if monotonic:
                    raise _Wait  # wait for it to be Running and Ready
                continue
            if is_deleting(pod):
                if monotonic:
                    raise _Wait  # StatefulSet is waiting for the pod to terminate
                continue
            if monotonic and not is_running_and_ready(pod):
                raise _Wait  # StatefulSet is waiting for the pod to be Running and Ready
            if monotonic and not is_pod_available(pod, min_ready, now):
                raise _Wait

        for pod in reversed(condemned):
            if is_deleting(pod):
                if monotonic:
                    raise _Wait
                continue
            if monotonic and not is_running_and_ready(pod) and pod is not first_unhealthy:
                raise _Wait
            self._delete(api, sts, pod, f"ordinal {parent_and_ordinal(pod)[1]} is beyond spec.replicas "
                                        f"({count}): the highest ordinal goes first")
            if monotonic:
                raise _Wait

        strategy = spec.get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        for target in range(count - 1, partition - 1, -1):
            pod = replicas[target] if 0 <= target < count else None
            if pod is None:
                continue
            if revision_of(pod) != update_revision and not is_deleting(pod):
                self._delete(api, sts, pod, f"Pod {name_of(pod)} runs an outdated template: the rolling update "
                                            f"replaces it (highest ordinal first, down to partition {partition})")
                raise _Wait
            if not is_healthy(pod):
                raise _Wait

    def _create(self, api: Client, sts: Obj, ordinal: int, revision: str, count: int, start: int) -> None:
        """newVersionedStatefulSetPod + CreateStatefulPod, with the Event of recordPodEvent."""
        spec = sts.get("spec") or {}
        ref = new_controller_ref(sts, "apps/v1", "StatefulSet")
        pod = pod_from_template(spec.get("template") or {}, sts, ref)
        name = f"{name_of(sts)}-{ordinal}"
        meta = pod["metadata"]
        meta.pop("generateName", None)
        meta["name"] = name
        labels = dict(meta.get("labels") or {})
        labels[POD_NAME_LABEL] = name
        labels[POD_INDEX_LABEL] = str(ordinal)
        labels[CONTROLLER_REVISION_HASH] = revision
        meta["labels"] = labels
        pod["spec"]["hostname"] = name
        if spec.get("serviceName"):
            pod["spec"]["subdomain"] = spec["serviceName"]
        self._claims(api, sts, pod, ordinal)
        where = f"{namespace_of(sts)}/{name_of(sts)}"
        waiting = " (OrderedReady: the lower ordinals are all Running and Ready)" if ordinal > start and \
            spec.get("podManagementPolicy", "OrderedReady") != "Parallel" else ""
        try:
            api.create("pods", namespace_of(sts), pod, message=(
                f"StatefulSet {where} wants {count} pods: the statefulset controller asks the API server to create "
                f"Pod {name}{waiting}"))
        except errors.StatusError as exc:
            api.event(sts, type="Warning", reason="FailedCreate",
                      message=f"create Pod {name} in StatefulSet {name_of(sts)} failed error: {exc.message}")
            raise
        api.event(sts, type="Normal", reason="SuccessfulCreate",
                  message=f"create Pod {name} in StatefulSet {name_of(sts)} successful")

    def _claims(self, api: Client, sts: Obj, pod: Obj, ordinal: int) -> None:
        """createPersistentVolumeClaims + updateStorage: the pod's claims exist (made from the
        templates if not), and its volumes name them."""
        spec = sts.get("spec") or {}
        volumes = [v for v in pod["spec"].get("volumes") or []
                   if v.get("name") not in {t["metadata"]["name"] for t in spec.get("volumeClaimTemplates") or []}]
        for template in spec.get("volumeClaimTemplates") or []:
            tpl = template["metadata"]["name"]
            claim = f"{tpl}-{name_of(sts)}-{ordinal}"
            volumes.append({"name": tpl, "persistentVolumeClaim": {"claimName": claim}})
            try:
                api.get("persistentvolumeclaims", namespace_of(sts), claim)
                continue
            except errors.StatusError as exc:
                if exc.code != 404:
                    raise
            labels = {**(template["metadata"].get("labels") or {}), **((spec.get("selector") or {}).get("matchLabels") or {})}
            body = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": {"name": claim, "namespace": namespace_of(sts), "labels": labels,
                                 **({"annotations": template["metadata"]["annotations"]} if template["metadata"].get("annotations") else {})},
                    "spec": deep_copy(template.get("spec") or {})}
            api.create("persistentvolumeclaims", namespace_of(sts), body, step=None, category="controller", message=(
                f"StatefulSet {namespace_of(sts)}/{name_of(sts)}: the statefulset controller creates claim {claim} "
                f"for Pod {name_of(sts)}-{ordinal} (kept when the pod goes)"))
            api.event(sts, type="Normal", reason="SuccessfulCreate",
                      message=f"create Claim {claim} Pod {name_of(sts)}-{ordinal} in StatefulSet {name_of(sts)} success")
        if volumes:
            pod["spec"]["volumes"] = volumes

    def _delete(self, api: Client, sts: Obj, pod: Obj, why: str) -> None:
        where = f"{namespace_of(sts)}/{name_of(sts)}"
        try:
            api.delete("pods", namespace_of(pod), name_of(pod), message=(
                f"StatefulSet {where}: the statefulset controller asks the API server to delete Pod {name_of(pod)}: {why}"))
        except errors.StatusError as exc:
            if exc.code == 404:
                return
            api.event(sts, type="Warning", reason="FailedDelete",
                      message=f"delete Pod {name_of(pod)} in StatefulSet {name_of(sts)} failed error: {exc.message}")
            raise
        api.event(sts, type="Normal", reason="SuccessfulDelete",
                  message=f"delete Pod {name_of(pod)} in StatefulSet {name_of(sts)} successful")


def calculate_status(sts: Obj, pods: list[Obj], current_revision: str, update_revision: str, now: datetime) -> Obj:
    """computeReplicaStatus + completeRollingUpdate. Counts what the cache shows; this
    sync's own creates and deletes are counted by the next sync, which they trigger."""
    spec = sts.get("spec") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    replicas = ready = available = current = updated = 0
    for pod in pods:
        if _phase(pod):
            replicas += 1
        if is_running_and_ready(pod):
            ready += 1
            if is_pod_available(pod, min_ready, now):
                available += 1
        if _phase(pod) and not is_deleting(pod):
            if revision_of(pod) == current_revision:
                current += 1
            if revision_of(pod) == update_revision:
                updated += 1
    strategy = (spec.get("updateStrategy") or {}).get("type", "RollingUpdate")
    if strategy == "RollingUpdate" and updated == replicas and ready == replicas:
        current_revision, current = update_revision, updated
    status: Obj = {
        "observedGeneration": (sts.get("metadata") or {}).get("generation", 1),
        "replicas": replicas,
        "availableReplicas": available,
        "currentRevision": current_revision,
        "updateRevision": update_revision,
        "collisionCount": int((sts.get("status") or {}).get("collisionCount") or 0),
    }
    for field, value in (("readyReplicas", ready), ("currentReplicas", current), ("updatedReplicas", updated)):
        if value:
            status[field] = value
    return status
