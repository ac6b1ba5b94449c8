"""The RollingUpdate strategy (rolling.go): grow the new ReplicaSet as far as maxSurge
allows, shrink old ones as far as maxUnavailable allows, one move per sync.

Old ReplicaSets lose their unhealthy replicas first (cleanupUnhealthyReplicas), since
removing those cannot make the Deployment less available; then old replicas go while more
than replicas − maxUnavailable pods stay available.
"""
from __future__ import annotations

from typing import Any

from .conditions import deployment_complete
from .deployment_context import DeploymentSync
from .deployment_sync import cleanup_deployment
from .deployment_util import (
    active,
    by_creation,
    max_unavailable,
    new_rs_new_replicas,
    replicas,
    status_count,
    sum_replicas,
    sum_status,
)
from .newrs import get_all_replica_sets_and_sync_revision
from .progress import sync_rollout_status
from .scaling import scale_replica_set_and_record_event

Obj = dict[str, Any]


def rollout_rolling(ds: DeploymentSync) -> None:
    new, old = get_all_replica_sets_and_sync_revision(ds, True)
    assert new is not None
    all_rss: list[Obj | None] = [*old, new]
    if reconcile_new_replica_set(ds, all_rss, new):
        return sync_rollout_status(ds, all_rss, new)
    if reconcile_old_replica_sets(ds, all_rss, active(old), new):
        return sync_rollout_status(ds, all_rss, new)
    if deployment_complete(ds.d, ds.d.get("status") or {}):
        cleanup_deployment(ds, old)
    sync_rollout_status(ds, all_rss, new)


def reconcile_new_replica_set(ds: DeploymentSync, all_rss: list[Obj | None], new: Obj) -> bool:
    want = replicas(ds.d)
    if replicas(new) == want:
        return False
    if replicas(new) > want:
        return scale_replica_set_and_record_event(ds, new, want)[0]
    return scale_replica_set_and_record_event(ds, new, new_rs_new_replicas(ds.d, all_rss, new))[0]


def reconcile_old_replica_sets(ds: DeploymentSync, all_rss: list[Obj | None], old_rss: list[Obj], new: Obj) -> bool:
    if sum_replicas(old_rss) == 0:
        return False
    min_available = replicas(ds.d) - max_unavailable(ds.d)
    new_unavailable = replicas(new) - status_count(new, "availableReplicas")
    max_scaled_down = sum_replicas(all_rss) - min_available - new_unavailable
    if max_scaled_down <= 0:
        return False
    cleaned = cleanup_unhealthy_replicas(ds, old_rss, max_scaled_down)
    if cleaned is None:
        return False
    old_rss, cleaned_count = cleaned
    scaled = scale_down_old_replica_sets_for_rolling_update(ds, [*old_rss, new], old_rss)
    return cleaned_count + scaled > 0


def cleanup_unhealthy_replicas(ds: DeploymentSync, old_rss: list[Obj], max_cleanup: int) -> tuple[list[Obj], int] | None:
    """Scale old ReplicaSets down by their unavailable replicas, oldest first.

    None when a ReplicaSet reports more available pods than it now wants (its status lags
    a scale-down): Kubernetes refuses to "scale down" upwards and skips this round.
    """
    old_rss = by_creation(old_rss)
    total = 0
    for i, rs in enumerate(old_rss):
        if total >= max_cleanup:
            break
        unhealthy = replicas(rs) - status_count(rs, "availableReplicas")
        if replicas(rs) == 0 or unhealthy == 0:
            continue
        count = min(max_cleanup - total, unhealthy)
        if count < 0:
            return None
        _, old_rss[i] = scale_replica_set_and_record_event(ds, rs, replicas(rs) - count)
        total += count
    return old_rss, total


def scale_down_old_replica_sets_for_rolling_update(ds: DeploymentSync, all_rss: list[Obj | None], old_rss: list[Obj]) -> int:
    """Scale old ReplicaSets down, oldest first, while availability stays above the minimum."""
    min_available = replicas(ds.d) - max_unavailable(ds.d)
    available = sum_status(all_rss, "availableReplicas")
    if available <= min_available:
        return 0
    target = available - min_available
    total = 0
    for rs in by_creation(old_rss):
        if total >= target:
            break
        if replicas(rs) == 0:
            continue
        count = min(replicas(rs), target - total)
        scale_replica_set_and_record_event(ds, rs, replicas(rs) - count)
        total += count
    return total
