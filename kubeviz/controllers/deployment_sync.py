"""Scaling-only and status-only syncs of a Deployment, pausing, and history cleanup (sync.go).

A paused Deployment, or one whose only change is its replica count, is "synced" rather
than rolled out: its ReplicaSets are resized but no new one is created.
"""
from __future__ import annotations

from typing import Any

from kubeviz.apiserver import errors

from .conditions import (
    PAUSED,
    PROGRESSING,
    RESUMED,
    TIMED_OUT,
    calculate_status,
    get_condition,
    new_condition,
    set_condition,
)
from .deployment_context import DeploymentSync
from .deployment_util import (
    alive,
    by_revision,
    has_progress_deadline,
    has_revision_history_limit,
    replicas,
    status_count,
)
from .newrs import get_all_replica_sets_and_sync_revision
from .objects import is_deleting, meta, name_of, namespace_of
from .scaling import scale

Obj = dict[str, Any]


def sync_status_only(ds: DeploymentSync) -> None:
    new, old = get_all_replica_sets_and_sync_revision(ds, False)
    sync_deployment_status(ds, [*old, new], new)


def sync(ds: DeploymentSync) -> None:
    """Reconcile a scaling event or a paused Deployment."""
    new, old = get_all_replica_sets_and_sync_revision(ds, False)
    scale(ds, new, old)
    if (ds.d.get("spec") or {}).get("paused"):
        cleanup_deployment(ds, old)
    sync_deployment_status(ds, [*old, new], new)


def check_paused_conditions(ds: DeploymentSync) -> None:
    """Progressing=Unknown while paused (DeploymentPaused) and on resume (DeploymentResumed),
    so the time spent paused never counts against progressDeadlineSeconds."""
    if not has_progress_deadline(ds.d):
        return
    cond = get_condition(ds.d.get("status"), PROGRESSING)
    if cond is not None and cond.get("reason") == TIMED_OUT:
        return
    paused_recorded = cond is not None and cond.get("reason") == PAUSED
    paused = bool((ds.d.get("spec") or {}).get("paused"))
    if paused and not paused_recorded:
        set_condition(ds.status, new_condition(PROGRESSING, "Unknown", PAUSED, "Deployment is paused", ds.api.stamp()))
        ds.write_status(f"the deployment controller notes that Deployment {ds.where} is paused")
    elif not paused and paused_recorded:
        set_condition(ds.status, new_condition(PROGRESSING, "Unknown", RESUMED, "Deployment is resumed", ds.api.stamp()))
        ds.write_status(f"the deployment controller notes that Deployment {ds.where} is resumed")


def cleanup_deployment(ds: DeploymentSync, old_rss: list[Obj]) -> None:
    """Delete the oldest scaled-down ReplicaSets beyond revisionHistoryLimit."""
    if not has_revision_history_limit(ds.d):
        return
    cleanable = alive(old_rss)
    diff = len(cleanable) - int(ds.d["spec"]["revisionHistoryLimit"])
    if diff <= 0:
        return
    for rs in by_revision(cleanable)[:diff]:
        generation = int(meta(rs).get("generation") or 0)
        if (status_count(rs, "replicas") != 0 or replicas(rs) != 0
                or generation > status_count(rs, "observedGeneration") or is_deleting(rs)):
            continue
        try:
            ds.api.delete("replicasets", namespace_of(rs), name_of(rs), message=(
                f"Deployment {ds.where} keeps {ds.d['spec']['revisionHistoryLimit']} old revisions: the deployment "
                f"controller deletes ReplicaSet {name_of(rs)}"))
        except errors.StatusError as exc:
            if exc.code != 404:
                raise
        ds.forget(rs)


def sync_deployment_status(ds: DeploymentSync, all_rss: list[Obj | None], new: Obj | None) -> None:
    status = calculate_status(all_rss, new, ds.d, ds.api.stamp())
    if (ds.d.get("status") or {}) == status:
        return
    ds.d["status"] = status
    ds.write_status(
        f"the deployment controller reports Deployment {ds.where}: {status.get('replicas', 0)} pods, "
        f"{status.get('availableReplicas', 0)} available")
