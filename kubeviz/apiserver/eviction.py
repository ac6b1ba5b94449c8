"""The pods/eviction subresource (pkg/registry/core/pod/storage/eviction.go).

An Eviction is a polite delete: the API server checks the pod's PodDisruptionBudget (when
the cluster serves that kind) and then deletes the pod gracefully, with the Eviction's
deleteOptions, so its kubelet stops the containers and a controller replaces it.
"""
from __future__ import annotations

from typing import Any

from django.db import transaction

from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster

from . import errors, registry
from . import validation as v
from .resources import all_resources, by_plural
from .selectors import from_label_selector_object

Obj = dict[str, Any]
EVICTION_GROUP_VERSIONS = ("policy/v1", "policy/v1beta1")


def _check_body(body: Any, name: str) -> dict[str, Any]:
    """The Eviction object and its deleteOptions (which apply to the delete)."""
    if not isinstance(body, dict):
        raise errors.bad_request("the request body is empty: an Eviction object is required")
    kind, api_version = body.get("kind"), body.get("apiVersion")
    if kind not in (None, "Eviction") or (api_version is not None and api_version not in EVICTION_GROUP_VERSIONS):
        raise errors.bad_request(
            f"the body must be a policy/v1 Eviction, not {api_version or '?'} {kind or '?'}"
        )
    meta = body.get("metadata") or {}
    if not isinstance(meta, dict):
        raise errors.invalid("Eviction", name, [v.invalid("metadata", meta, "must be an object")], "policy")
    if meta.get("name") and meta["name"] != name:
        raise errors.bad_request("name in URL does not match name in Eviction object")
    options = body.get("deleteOptions") or {}
    if not isinstance(options, dict):
        raise errors.invalid("Eviction", name, [v.invalid("deleteOptions", options, "must be an object")], "policy")
    return dict(options)


def _can_ignore_pdb(pod: Obj) -> bool:
    """Pods that no longer count towards a budget are deleted without looking at it."""
    phase = (pod.get("status") or {}).get("phase")
    return phase in ("Succeeded", "Failed", "Pending") or bool(pod["metadata"].get("deletionTimestamp"))


@transaction.atomic
def evict(cluster: Cluster, namespace: str, name: str, body: Any, *, actor: registry.Actor = registry.SYSTEM,
          dry_run: bool = False) -> Obj:
    """Evict a pod: check its disruption budget, then delete it gracefully. Returns the
    Status the API server answers (201)."""
    options = _check_body(body, name)
    pods = by_plural("pods")
    pod = registry.get(cluster, pods, namespace, name)
    dry_run = dry_run or "All" in (options.pop("dryRun", None) or [])
    if not _can_ignore_pdb(pod):
        _check_disruption_budget(cluster, pod, dry_run=dry_run)
    registry.delete(cluster, pods, namespace, name, options=options, actor=actor, dry_run=dry_run)
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def _check_disruption_budget(cluster: Cluster, pod: Obj, *, dry_run: bool) -> None:
    """Refuse with 429 if the pod's PodDisruptionBudget allows no disruption; otherwise
    take one disruption from it (as the eviction REST does, before the delete)."""
    strategy = next((s for s in all_resources() if s.kind == "PodDisruptionBudget"), None)
    if strategy is None:
        return  # this cluster serves no PodDisruptionBudgets: nothing can forbid it
    labels = pod["metadata"].get("labels") or {}
    namespace = pod["metadata"].get("namespace", "")
    budgets = [
        pdb for pdb in registry.objects(cluster, strategy.plural, namespace)
        if from_label_selector_object((pdb.get("spec") or {}).get("selector")).matches(labels)
    ]
    if not budgets:
        return
    if len(budgets) > 1:
        raise errors.StatusError(
            500, "InternalError", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        )
    pdb = budgets[0]
    status = pdb.get("status") or {}
    budget = pdb["metadata"]["name"]
    if (status.get("observedGeneration") or 0) < (pdb["metadata"].get("generation") or 0):
        raise _too_many(f"The disruption budget {budget} is still being processed by the server.")
    if int(status.get("disruptionsAllowed") or 0) <= 0:
        raise _too_many(
            f"The disruption budget {budget} needs {int(status.get('desiredHealthy') or 0)} healthy pods "
            f"and has {int(status.get('currentHealthy') or 0)} currently"
        )
    if dry_run:
        return
    status = dict(status)
    status["disruptionsAllowed"] = int(status["disruptionsAllowed"]) - 1
    disrupted = dict(status.get("disruptedPods") or {})
    disrupted[pod["metadata"]["name"]] = clock.rfc3339(clock.now(cluster))
    status["disruptedPods"] = disrupted
    registry.update(cluster, strategy, namespace, pdb["metadata"]["name"], {**pdb, "status": status}, subresource="status")


def _too_many(cause: str) -> errors.StatusError:
    """429: kubectl drain waits and tries again (every 5 s)."""
    return errors.StatusError(
        429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.",
        causes=[{"reason": "DisruptionBudget", "message": cause}],
    )
