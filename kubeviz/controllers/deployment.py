"""The Deployment controller of kube-controller-manager (pkg/controller/deployment).

A Deployment never touches pods: it owns ReplicaSets, one per pod template (revision),
and moves replicas between them according to its strategy. Its handlers enqueue the
Deployment for its own events, for events of the ReplicaSets it owns (or could adopt),
and — for Recreate — when the last of its pods is gone.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.apiserver.selectors import from_label_selector_object
from kubeviz.engine.cache import Cache
from kubeviz.engine.client import Client

from .backoff import Backoff
from .claim import ControllerRefManager
from .deployment_context import DeploymentSync, SyncError
from .deployment_sync import check_paused_conditions, sync, sync_status_only
from .objects import (
    controller_of,
    is_controlled_by,
    is_deleting,
    key_of,
    labels_of,
    meta,
    namespace_of,
    resolve_controller_ref,
)
from .recreate import rollout_recreate
from .rolling import rollout_rolling
from .scaling import is_scaling_event

Obj = dict[str, Any]


def _selector(d: Obj) -> Any:
    return from_label_selector_object((d.get("spec") or {}).get("selector"))


def _strategy(d: Obj) -> str:
    return ((d.get("spec") or {}).get("strategy") or {}).get("type") or ""


def pod_map(cache: Cache, d: Obj, rs_list: list[Obj]) -> dict[str, list[Obj]]:
    """The Deployment's pods (terminating ones included) grouped by owning ReplicaSet uid."""
    by_uid: dict[str, list[Obj]] = {meta(rs).get("uid", ""): [] for rs in rs_list}
    for pod in cache.iter("pods", namespace_of(d), _selector(d)):
        ref = controller_of(pod)
        if ref is not None and ref.get("uid") in by_uid:
            by_uid[ref["uid"]].append(pod)
    return by_uid


class DeploymentController:
    name = "controller-manager/deployment"
    actor = "controller-manager"
    watches = ("deployments", "replicasets", "pods")

    def __init__(self) -> None:
        self.backoff = Backoff()

    # ---- event handlers: only enqueue keys ----------------------------------------------
    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural == "deployments":
            return [key_of(obj)]
        if plural == "replicasets":
            return self._keys_for_replica_set(cache, event, obj, old)
        if plural == "pods" and event == "DELETED":
            return self._keys_for_deleted_pod(cache, obj)
        return []

    def _keys_for_replica_set(self, cache: Cache, event: str, rs: Obj, old: Obj | None) -> list[str]:
        namespace = namespace_of(rs)
        keys: list[str] = []
        for version in (rs, old):
            if version is not None:
                d = resolve_controller_ref(cache, "deployments", "Deployment", namespace, controller_of(version))
                if d is not None and key_of(d) not in keys:
                    keys.append(key_of(d))
        orphan_changed = event == "ADDED" or old is None or (
            labels_of(rs) != labels_of(old) or controller_of(rs) != controller_of(old))
        if event != "DELETED" and controller_of(rs) is None and orphan_changed:
            for d in cache.iter("deployments", namespace):
                if _selector(d).matches(labels_of(rs)) and key_of(d) not in keys:
                    keys.append(key_of(d))
        return keys

    def _keys_for_deleted_pod(self, cache: Cache, pod: Obj) -> list[str]:
        """A Recreate rollout waits for its old pods to be gone: look again when none is left."""
        namespace = namespace_of(pod)
        rs = resolve_controller_ref(cache, "replicasets", "ReplicaSet", namespace, controller_of(pod))
        d = resolve_controller_ref(cache, "deployments", "Deployment", namespace, controller_of(rs) if rs else None)
        if d is None or _strategy(d) != "Recreate":
            return []
        owned = [r for r in cache.iter("replicasets", namespace, _selector(d)) if is_controlled_by(r, d)]
        if any(pod_map(cache, d, owned).values()):
            return []
        return [key_of(d)]

    # ---- reconcile ---------------------------------------------------------------------
    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        cached = cache.get("deployments", key)
        if cached is None:
            self.backoff.forget(key)
            return None
        ds = DeploymentSync(cache, api, deep_copy(cached))
        try:
            sync_deployment(ds)
        except SyncError:
            return self.backoff.failure(key)
        self.backoff.forget(key)
        return ds.requeue


def claim_replica_sets(ds: DeploymentSync) -> list[Obj]:
    """The ReplicaSets this Deployment owns, adopting matching orphans and releasing
    ReplicaSets whose labels no longer match (getReplicaSetsForDeployment)."""
    selector = _selector(ds.d)
    manager = ControllerRefManager(
        ds.api, ds.d, plural="replicasets", owner_plural="deployments", api_version="apps/v1", kind="Deployment",
        match=lambda rs: selector.matches(labels_of(rs)),
    )
    return manager.claim(ds.cache.list("replicasets", namespace_of(ds.d)))


def sync_deployment(ds: DeploymentSync) -> None:
    """syncDeployment: pause > scaling event > rollout by strategy."""
    d = ds.d
    if (d.get("spec") or {}).get("selector") == {}:
        ds.event("SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.", type="Warning")
        if int(ds.status.get("observedGeneration") or 0) < int(meta(d).get("generation") or 0):
            ds.status["observedGeneration"] = int(meta(d).get("generation") or 0)
            ds.write_status(f"the deployment controller observed Deployment {ds.where}")
        return
    ds.rs_list = claim_replica_sets(ds)
    pods = pod_map(ds.cache, d, ds.rs_list)
    if is_deleting(d):
        return sync_status_only(ds)
    check_paused_conditions(ds)
    if (ds.d.get("spec") or {}).get("paused"):
        return sync(ds)
    if is_scaling_event(ds):
        return sync(ds)
    if _strategy(ds.d) == "Recreate":
        return rollout_recreate(ds, pods)
    return rollout_rolling(ds)
