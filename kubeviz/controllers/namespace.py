"""The namespace controller: empties a namespace being deleted, then lets it go.

As pkg/controller/namespace/deletion: ``kubectl delete namespace`` only marks the
namespace Terminating. This controller deletes everything in it (pods first, as with
OrderedNamespaceDeletion, so no workload object disappears while its pods still run),
waits while pods stop within their grace period, reports progress in the namespace's
status conditions, and finally removes its ``kubernetes`` finalizer through the
namespaces/finalize subresource, which lets the API server remove the namespace.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kubeviz.apiserver.resources import all_resources
from kubeviz.apiserver.strategy import Strategy
from kubeviz.clusters.clock import parse_rfc3339
from kubeviz.clusters.models import Cluster
from kubeviz.engine.cache import Cache
from kubeviz.engine.client import Client

Obj = dict[str, Any]

FINALIZER = "kubernetes"
# How long to wait for objects held by finalizers (finalizerEstimateSeconds).
FINALIZER_ESTIMATE_SECONDS = 15
# Retries after an unexpected failure back off from 1 s to a minute (the work queue's rate limiter).
RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 60.0

# The conditions the deleter maintains, in order, with their "all is well" reason and message.
CONDITIONS: dict[str, tuple[str, str]] = {
    "NamespaceDeletionDiscoveryFailure": ("ResourcesDiscovered", "All resources successfully discovered"),
    "NamespaceDeletionGroupVersionParsingFailure": ("ParsedGroupVersions", "All legacy kube types successfully parsed"),
    "NamespaceDeletionContentFailure": ("ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
    "NamespaceContentRemaining": ("ContentRemoved", "All content successfully removed"),
    "NamespaceFinalizersRemaining": ("ContentHasNoFinalizers", "All content-preserving finalizers finished"),
}


@dataclass
class Remaining:
    """What is left of one resource (or all of them) after a round of deletes."""

    estimate: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)  # "pods." -> instances left
    finalizers: dict[str, int] = field(default_factory=dict)  # finalizer -> instances held
    errors: list[str] = field(default_factory=list)

    def add(self, other: Remaining) -> None:
        self.estimate = max(self.estimate, other.estimate)
        for k, n in other.counts.items():
            self.counts[k] = self.counts.get(k, 0) + n
        for k, n in other.finalizers.items():
            self.finalizers[k] = self.finalizers.get(k, 0) + n
        self.errors += other.errors


def _resource_name(strategy: Strategy) -> str:
    """``pods.`` and ``deployments.apps``, as the conditions name them."""
    return f"{strategy.plural}.{strategy.group}"


def _gvr(strategy: Strategy) -> str:
    return f"{strategy.group}/{strategy.version}, Resource={strategy.plural}"


def deletion_conditions(remaining: Remaining, old: list[Obj], stamp: str) -> list[Obj]:
    """The namespace's conditions after a round (namespaceConditionUpdater.Update):
    failing ones with their reasons, the rest in their "all is well" form."""
    failing: dict[str, tuple[str, str]] = {}
    if remaining.errors:
        failing["NamespaceDeletionContentFailure"] = (
            "ContentDeletionFailed",
            f"Failed to delete all resource types, {len(remaining.errors)} remaining: {', '.join(sorted(remaining.errors))}",
        )
    if remaining.counts:
        items = sorted(f"{name} has {n} resource instances" for name, n in remaining.counts.items())
        failing["NamespaceContentRemaining"] = ("SomeResourcesRemain", f"Some resources are remaining: {', '.join(items)}")
    if remaining.finalizers:
        items = sorted(f"{name} in {n} resource instances" for name, n in remaining.finalizers.items())
        failing["NamespaceFinalizersRemaining"] = (
            "SomeFinalizersRemain", f"Some content in the namespace has finalizers remaining: {', '.join(items)}",
        )
    by_type = {c.get("type"): dict(c) for c in old}
    result = [c for c in old if c.get("type") not in CONDITIONS]
    for ctype, (ok_reason, ok_message) in CONDITIONS.items():
        status, (reason, message) = ("True", failing[ctype]) if ctype in failing else ("False", (ok_reason, ok_message))
        current = by_type.get(ctype)
        if current is None:
            current = {"type": ctype, "status": status, "lastTransitionTime": stamp, "reason": reason, "message": message}
        elif current.get("status") != status:
            current.update(status=status, lastTransitionTime=stamp, reason=reason, message=message)
        else:
            current.update(reason=reason, message=message)
        result.append(current)
    return result


class NamespaceController:
    name = "controller-manager/namespace"
    actor = "controller-manager"
    watches = ("namespaces",)

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.failures: dict[str, int] = {}

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if event != "DELETED" and obj["metadata"].get("deletionTimestamp"):
            yield obj["metadata"]["name"]

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        ns = cache.get("namespaces", key)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            self.failures.pop(key, None)
            return None
        # Several writers touch a namespace while it terminates: start from the latest.
        ns = api.get("namespaces", None, key)
        if (ns.get("status") or {}).get("phase") != "Terminating":
            ns = api.update_status("namespaces", {**ns, "status": {**(ns.get("status") or {}), "phase": "Terminating"}},
                                   message=f"the namespace controller marked namespace {key} Terminating")
        if not (ns.get("spec") or {}).get("finalizers"):
            self._delete_namespace(api, ns)
            return None
        remaining = self._delete_content(api, ns)
        conditions = deletion_conditions(remaining, (ns.get("status") or {}).get("conditions") or [], api.stamp())
        if conditions != (ns.get("status") or {}).get("conditions"):
            summary = "; ".join(c["message"] for c in conditions if c["status"] == "True") or "all content removed"
            ns = api.update_status("namespaces", {**ns, "status": {**(ns.get("status") or {}), "conditions": conditions}},
                                   message=f"the namespace controller reported the deletion of namespace {key}: {summary}")
        if remaining.errors:
            failures = self.failures[key] = self.failures.get(key, 0) + 1
            return min(RETRY_SECONDS * 2 ** (failures - 1), MAX_RETRY_SECONDS)
        self.failures.pop(key, None)
        if remaining.estimate > 0:
            # ResourcesRemainingError: look again in about half the estimate.
            return remaining.estimate / 2 + 1
        kept = [f for f in ns["spec"]["finalizers"] if f != FINALIZER]
        if kept == ns["spec"]["finalizers"]:
            return None  # ours is done; another finalizer's owner has to act
        ns = api.finalize({**ns, "spec": {**ns["spec"], "finalizers": kept}},
                          message=f"the namespace controller removed the {FINALIZER} finalizer of namespace {key}: it is empty")
        if not kept and not ns["metadata"].get("finalizers") and _exists(api, key):
            self._delete_namespace(api, ns)
        return None

    def _delete_namespace(self, api: Client, ns: Obj) -> None:
        name = ns["metadata"]["name"]
        api.delete("namespaces", None, name, options={"preconditions": {"uid": ns["metadata"].get("uid")}},
                   message=f"the namespace controller deleted namespace {name}: it is empty and finalized")

    def _delete_content(self, api: Client, ns: Obj) -> Remaining:
        """Delete every namespaced object, pods first; report what is left and how long
        to wait for it."""
        name = ns["metadata"]["name"]
        deleted_at = parse_rfc3339(ns["metadata"]["deletionTimestamp"])
        elapsed = (api.now() - deleted_at).total_seconds()
        resources = [s for s in all_resources() if s.namespaced and "delete" in s.verbs]
        pods = [s for s in resources if s.plural == "pods" and not s.group]
        total = Remaining()
        for strategy in pods:
            total.add(self._delete_resource(api, strategy, name, elapsed))
        if total.counts:
            return total
        for strategy in resources:
            if strategy not in pods:
                total.add(self._delete_resource(api, strategy, name, elapsed))
        return total

    def _delete_resource(self, api: Client, strategy: Strategy, namespace: str, elapsed: float) -> Remaining:
        items = api.list(strategy.plural, namespace)
        estimate = 0.0
        if strategy.plural == "pods" and not strategy.group:
            # The longest grace period of a pod still running, until that much time has passed.
            estimate = max((float(p["spec"].get("terminationGracePeriodSeconds", 30) or 0) for p in items
                            if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")), default=0.0)
            if elapsed >= estimate:
                estimate = 0.0
        for item in items:
            if item["metadata"].get("deletionTimestamp"):
                continue
            api.delete(strategy.plural, namespace, item["metadata"]["name"], options={"propagationPolicy": "Background"},
                       message=f"the namespace controller deleted {strategy.kind} {namespace}/{item['metadata']['name']}: "
                               f"namespace {namespace} is being deleted")
        left = api.list(strategy.plural, namespace) if items else []
        if not left:
            return Remaining()
        finalizers: dict[str, int] = {}
        for item in left:
            for f in item["metadata"].get("finalizers") or []:
                finalizers[f] = finalizers.get(f, 0) + 1
        counts = {_resource_name(strategy): len(left)}
        if estimate:
            return Remaining(estimate, counts, finalizers)
        if finalizers:
            return Remaining(FINALIZER_ESTIMATE_SECONDS, counts, finalizers)
        return Remaining(0.0, counts, {}, [f"unexpected items still remain in namespace: {namespace} for gvr: {_gvr(strategy)}"])


def _exists(api: Client, name: str) -> bool:
    return any(n["metadata"]["name"] == name for n in api.list("namespaces", field_selector=f"metadata.name={name}"))
