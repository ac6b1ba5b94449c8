"""Scaling a Deployment's ReplicaSets (sync.go scale, scaleReplicaSet, isScalingEvent).

A change of ``spec.replicas`` alone is a scaling event, not a rollout: with one active
ReplicaSet it simply takes the new size; in the middle of a rolling update every active
ReplicaSet grows or shrinks in proportion, so a rollout's risk is not hurried along.
"""
from __future__ import annotations

from typing import Any

from kubeviz.apiserver.jsoncopy import deep_copy

from .deployment_context import DeploymentSync
from .deployment_util import (
    active,
    by_size_newer,
    by_size_older,
    desired_replicas_annotation,
    find_active_or_latest,
    get_proportion,
    is_rolling_update,
    is_saturated,
    max_surge,
    replicas,
    replicas_annotations_need_update,
    set_replicas_annotations,
    sum_replicas,
)
from .newrs import get_all_replica_sets_and_sync_revision
from .objects import name_of

Obj = dict[str, Any]


def scale_replica_set(ds: DeploymentSync, rs: Obj, new_scale: int) -> tuple[bool, Obj]:
    """Set the size (and desired/max annotations) of one ReplicaSet; ScalingReplicaSet event."""
    desired, maximum = replicas(ds.d), replicas(ds.d) + max_surge(ds.d)
    size_changes = replicas(rs) != new_scale
    if not size_changes and not replicas_annotations_need_update(rs, desired, maximum):
        return False, rs
    old_scale = replicas(rs)
    rs_copy = deep_copy(rs)
    rs_copy["spec"]["replicas"] = new_scale
    set_replicas_annotations(rs_copy, desired, maximum)
    direction = "up" if old_scale < new_scale else "down"
    if size_changes:
        message = (f"the deployment controller scales ReplicaSet {name_of(rs)} of Deployment {ds.where} "
                   f"{direction} from {old_scale} to {new_scale}")
    else:
        message = f"the deployment controller records desired replicas {desired} on ReplicaSet {name_of(rs)}"
    updated = ds.track(ds.api.update("replicasets", rs_copy, message=message))
    if size_changes:
        ds.event("ScalingReplicaSet", f"Scaled {direction} replica set {name_of(updated)} from {old_scale} to {new_scale}")
    return size_changes, updated


def scale_replica_set_and_record_event(ds: DeploymentSync, rs: Obj, new_scale: int) -> tuple[bool, Obj]:
    if replicas(rs) == new_scale:
        return False, rs
    return scale_replica_set(ds, rs, new_scale)


def scale(ds: DeploymentSync, new: Obj | None, old_rss: list[Obj]) -> None:
    d = ds.d
    latest = find_active_or_latest(new, old_rss)
    if latest is not None:
        if replicas(latest) != replicas(d):
            scale_replica_set_and_record_event(ds, latest, replicas(d))
        return
    if is_saturated(d, new):
        for old in active(old_rss):
            scale_replica_set_and_record_event(ds, old, 0)
        return
    if not is_rolling_update(d):
        return
    all_rss = active([*old_rss, new])
    allowed = replicas(d) + max_surge(d) if replicas(d) > 0 else 0
    to_add = allowed - sum_replicas(all_rss)
    if to_add > 0:
        all_rss = by_size_newer(all_rss)
    elif to_add < 0:
        all_rss = by_size_older(all_rss)
    added = 0
    sizes: dict[str, int] = {}
    for rs in all_rss:
        if to_add != 0:
            proportion = get_proportion(rs, d, to_add, added)
            sizes[name_of(rs)] = replicas(rs) + proportion
            added += proportion
        else:
            sizes[name_of(rs)] = replicas(rs)
    for i, rs in enumerate(all_rss):
        if i == 0 and to_add != 0:
            sizes[name_of(rs)] = max(sizes[name_of(rs)] + to_add - added, 0)
        scale_replica_set(ds, rs, sizes[name_of(rs)])


def is_scaling_event(ds: DeploymentSync) -> bool:
    """An active ReplicaSet records a different desired size than the Deployment asks for."""
    new, old = get_all_replica_sets_and_sync_revision(ds, False)
    for rs in active([*old, new]):
        desired = desired_replicas_annotation(rs)
        if desired is not None and desired != replicas(ds.d):
            return True
    return False
