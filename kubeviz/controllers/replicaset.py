"""The ReplicaSet controller of kube-controller-manager (pkg/controller/replicaset).

Level-triggered: a sync compares ``spec.replicas`` with the active pods the ReplicaSet
owns (claiming orphans that match its selector, releasing pods that no longer do),
creates the missing pods in slow-start batches (1, 2, 4, …) or deletes the surplus,
most deletable first, and writes status last — only when it changed.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
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
    selecting_keys,
    uid_of,
)
from .podcontrol import create_pod, delete_pod
from .pods import is_pod_active, seconds_until_available
from .ranking import pods_to_delete
from .replicaset_status import calculate_status, status_changed, with_observed_generation

Obj = dict[str, Any]

BURST_REPLICAS = 500  # --replicaset-controller burst: at most this many creates/deletes per sync
SLOW_START_INITIAL_BATCH = 1


def slow_start_batch(count: int, initial: int, fn: Callable[[], None]) -> tuple[int, errors.StatusError | None]:
    """Call ``fn`` ``count`` times in batches of 1, 2, 4…; stop after a batch with a failure.

    Returns (successes, first error). Within a batch every call is attempted, as the
    real controller runs a batch concurrently.
    """
    remaining, successes = count, 0
    batch = min(remaining, initial)
    while batch > 0:
        failures: list[errors.StatusError] = []
        for _ in range(batch):
            try:
                fn()
            except errors.StatusError as exc:
                failures.append(exc)
        successes += batch - len(failures)
        if failures:
            return successes, failures[0]
        remaining -= batch
        batch = min(2 * batch, remaining)
    return successes, None


class ReplicaSetController:
    name = "controller-manager/replicaset"
    actor = "controller-manager"
    watches = ("replicasets", "pods")

    def __init__(self, burst_replicas: int = BURST_REPLICAS) -> None:
        self.burst_replicas = burst_replicas
        self.backoff = Backoff()

    # ---- event handlers: only enqueue keys ----------------------------------------------
    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural == "replicasets":
            return [key_of(obj)]
        return self._keys_for_pod(cache, event, obj, old)

    def _keys_for_pod(self, cache: Cache, event: str, pod: Obj, old: Obj | None) -> list[str]:
        """The pod's controller (and its previous one); for an orphan, every ReplicaSet
        whose selector matches it, since one of them may adopt it."""
        keys = controller_keys(cache, "replicasets", "ReplicaSet", pod, old)
        orphan_changed = event == "ADDED" or old is None or (
            labels_of(pod) != labels_of(old) or controller_of(pod) != controller_of(old))
        if event != "DELETED" and controller_of(pod) is None and orphan_changed:
            selecting_keys(cache, "replicasets", pod, keys)
        return keys

    # ---- reconcile ---------------------------------------------------------------------
    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        cached = cache.get("replicasets", key)
        if cached is None:
            self.backoff.forget(key)
            return None
        rs = deep_copy(cached)
        selector = from_label_selector_object((rs.get("spec") or {}).get("selector"))
        active = [p for p in cache.iter("pods", namespace_of(rs)) if is_pod_active(p)]
        manager = ControllerRefManager(
            api, rs, plural="pods", owner_plural="replicasets", api_version="apps/v1", kind="ReplicaSet",
            match=lambda pod: selector.matches(labels_of(pod)),
        )
        owned = manager.claim(active)

        error = None
        if not is_deleting(rs):
            error = self.manage_replicas(cache, api, rs, owned)

        now = api.now()
        status = with_observed_generation(rs, calculate_status(rs, owned, error, now))
        if status_changed(rs, status):
            rs["status"] = status
            api.update_status("replicasets", rs, message=_status_message(rs, status))
        if error is not None:
            return self.backoff.failure(key)
        self.backoff.forget(key)
        return _next_availability_check(rs, owned, now)

    def manage_replicas(self, cache: Cache, api: Client, rs: Obj, owned: list[Obj]) -> str | None:
        """Create or delete pods to match spec.replicas; the first error's message, if any."""
        spec = rs.get("spec") or {}
        want = int(spec.get("replicas", 1))
        diff = len(owned) - want
        where = f"{namespace_of(rs)}/{name_of(rs)}"
        if diff < 0:
            count = min(-diff, self.burst_replicas)
            template = spec.get("template") or {}
            ref = new_controller_ref(rs, "apps/v1", "ReplicaSet")
            have = [len(owned)]

            def create() -> None:
                create_pod(api, rs, template, ref, message=(
                    f"ReplicaSet {where} wants {want} pods and has {have[0]}: the replicaset controller asks "
                    f"the API server to create a Pod from its template"))
                have[0] += 1

            _, err = slow_start_batch(count, SLOW_START_INITIAL_BATCH, create)
            if err is not None and not _namespace_terminating(err):
                return err.message
            return None
        if diff > 0:
            count = min(diff, self.burst_replicas)
            victims = pods_to_delete(owned, self._related_pods(cache, rs), count, api.now())
            first: str | None = None
            for pod in victims:
                try:
                    delete_pod(api, rs, pod, message=(
                        f"ReplicaSet {where} wants {want} pods and has {len(owned)}: the replicaset controller "
                        f"asks the API server to delete Pod {name_of(pod)}"))
                except errors.StatusError as exc:
                    if exc.code != 404 and first is None:
                        first = exc.message
            return first
        return None

    def _related_pods(self, cache: Cache, rs: Obj) -> list[Obj]:
        """Pods of every ReplicaSet with the same controller (getIndirectlyRelatedPods)."""
        ref = controller_of(rs)
        if ref is None:
            return []
        related: list[Obj] = []
        seen: set[str] = set()
        for sibling in cache.iter("replicasets", namespace_of(rs)):
            if (controller_of(sibling) or {}).get("uid") != ref.get("uid"):
                continue
            selector = from_label_selector_object((sibling.get("spec") or {}).get("selector"))
            for pod in cache.iter("pods", namespace_of(rs), selector):
                if uid_of(pod) not in seen:
                    seen.add(uid_of(pod))
                    related.append(pod)
        return related


def _namespace_terminating(err: errors.StatusError) -> bool:
    return err.reason == "Forbidden" and "being terminated" in err.message


def _next_availability_check(rs: Obj, pods: list[Obj], now: Any) -> float | None:
    """Seconds until the next ready pod passes minReadySeconds, to recount availability."""
    min_ready = int((rs.get("spec") or {}).get("minReadySeconds") or 0)
    waits = [w for w in (seconds_until_available(p, min_ready, now) for p in pods) if w is not None]
    return min(waits) if waits else None


def _status_message(rs: Obj, status: Obj) -> str:
    return (
        f"the replicaset controller reports ReplicaSet {namespace_of(rs)}/{name_of(rs)}: "
        f"{status.get('replicas', 0)} pods, {status.get('readyReplicas', 0)} ready, "
        f"{status.get('availableReplicas', 0)} available"
    )
