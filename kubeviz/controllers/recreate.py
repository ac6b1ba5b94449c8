"""The Recreate strategy (recreate.go): scale every old ReplicaSet to zero, wait until
their pods are gone (not merely terminating), then create and scale up the new one."""
from __future__ import annotations

from typing import Any

from .conditions import deployment_complete
from .deployment_context import DeploymentSync
from .deployment_sync import cleanup_deployment
from .deployment_util import active, replicas, sum_status
from .newrs import get_all_replica_sets_and_sync_revision
from .objects import uid_of
from .progress import sync_rollout_status
from .scaling import scale_replica_set_and_record_event

Obj = dict[str, Any]


def rollout_recreate(ds: DeploymentSync, pod_map: dict[str, list[Obj]]) -> None:
    new, old = get_all_replica_sets_and_sync_revision(ds, False)
    all_rss: list[Obj | None] = [*old, new]
    scaled_down = False
    for rs in active(old):
        scaled_down = scale_replica_set_and_record_event(ds, rs, 0)[0] or scaled_down
    if scaled_down:
        return sync_rollout_status(ds, all_rss, new)
    if old_pods_running(new, old, pod_map):
        return sync_rollout_status(ds, all_rss, new)
    if new is None:
        new, old = get_all_replica_sets_and_sync_revision(ds, True)
        all_rss = [*old, new]
    assert new is not None
    scale_replica_set_and_record_event(ds, new, replicas(ds.d))
    if deployment_complete(ds.d, ds.d.get("status") or {}):
        cleanup_deployment(ds, old)
    sync_rollout_status(ds, all_rss, new)


def old_pods_running(new: Obj | None, old_rss: list[Obj], pod_map: dict[str, list[Obj]]) -> bool:
    """Any old ReplicaSet still reports pods, or any non-terminal pod of an old one exists."""
    if sum_status(old_rss, "replicas") > 0:
        return True
    for rs_uid, pods in pod_map.items():
        if new is not None and rs_uid == uid_of(new):
            continue
        if any((pod.get("status") or {}).get("phase") not in ("Failed", "Succeeded") for pod in pods):
            return True
    return False
