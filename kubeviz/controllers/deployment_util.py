"""Replica arithmetic and revision bookkeeping of the Deployment controller
(pkg/controller/deployment/util/deployment_util.go and controller_utils.go sorting).

Pure functions over Deployment and ReplicaSet dicts: which ReplicaSet is new and which are
old, how many replicas each may have during a rollout, and which annotations record it.
"""
from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from .hashing import equal_ignore_hash
from .intstr import resolve_fenceposts, scaled_value
from .objects import annotations_of, created_at, is_deleting, meta, name_of, uid_of

Obj = dict[str, Any]

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
SKIPPED_ANNOTATIONS = {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO}
MAX_REV_HISTORY_CHARS = 2000
MAX_INT32 = 2**31 - 1


# ---- small accessors -------------------------------------------------------------------
def replicas(obj: Obj | None) -> int:
    return int(((obj or {}).get("spec") or {}).get("replicas", 1)) if obj else 0


def status_count(obj: Obj | None, field: str) -> int:
    return int(((obj or {}).get("status") or {}).get(field) or 0)


def is_rolling_update(d: Obj) -> bool:
    return ((d.get("spec") or {}).get("strategy") or {}).get("type") == "RollingUpdate"


def _rolling(d: Obj) -> Obj:
    return ((d.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}


def max_surge(d: Obj) -> int:
    if not is_rolling_update(d):
        return 0
    return resolve_fenceposts(_rolling(d).get("maxSurge"), _rolling(d).get("maxUnavailable"), replicas(d))[0]


def max_unavailable(d: Obj) -> int:
    if not is_rolling_update(d) or replicas(d) == 0:
        return 0
    unavailable = resolve_fenceposts(_rolling(d).get("maxSurge"), _rolling(d).get("maxUnavailable"), replicas(d))[1]
    return min(unavailable, replicas(d))


def has_progress_deadline(d: Obj) -> bool:
    pds = (d.get("spec") or {}).get("progressDeadlineSeconds")
    return pds is not None and pds != MAX_INT32


def has_revision_history_limit(d: Obj) -> bool:
    limit = (d.get("spec") or {}).get("revisionHistoryLimit")
    return limit is not None and limit != MAX_INT32


def revision(rs: Obj) -> int:
    """The revision annotation as a number (0 when absent); ValueError when not a number."""
    value = annotations_of(rs).get(REVISION)
    return 0 if value is None else int(value)


def max_revision(rss: list[Obj]) -> int:
    best = 0
    for rs in rss:
        try:
            best = max(best, revision(rs))
        except ValueError:
            continue
    return best


# ---- ordering --------------------------------------------------------------------------
_EPOCH = datetime.min


def _by_creation_key(rs: Obj) -> tuple[datetime, str]:
    return (created_at(rs) or _EPOCH.replace(tzinfo=None)).replace(tzinfo=None), name_of(rs)


def by_creation(rss: list[Obj]) -> list[Obj]:
    """Oldest first, then by name (controller.ReplicaSetsByCreationTimestamp)."""
    return sorted(rss, key=_by_creation_key)


def by_size_older(rss: list[Obj]) -> list[Obj]:
    """Largest first; equal sizes oldest first (ReplicaSetsBySizeOlder)."""
    return sorted(by_creation(rss), key=lambda rs: -replicas(rs))


def by_size_newer(rss: list[Obj]) -> list[Obj]:
    """Largest first; equal sizes newest first (ReplicaSetsBySizeNewer)."""
    return sorted(list(reversed(by_creation(rss))), key=lambda rs: -replicas(rs))


def by_revision(rss: list[Obj]) -> list[Obj]:
    """Lowest revision first; unparsable or equal revisions by creation (ReplicaSetsByRevision)."""
    def compare(a: Obj, b: Obj) -> int:
        try:
            ra, rb = revision(a), revision(b)
        except ValueError:
            ra = rb = 0
        if ra == rb:
            ka, kb = _by_creation_key(a), _by_creation_key(b)
            return -1 if ka < kb else 1 if ka > kb else 0
        return -1 if ra < rb else 1
    return sorted(rss, key=functools.cmp_to_key(compare))


def active(rss: list[Obj | None]) -> list[Obj]:
    """ReplicaSets that want pods (controller.FilterActiveReplicaSets)."""
    return [rs for rs in rss if rs is not None and replicas(rs) > 0]


def alive(rss: list[Obj]) -> list[Obj]:
    return [rs for rs in rss if not is_deleting(rs)]


# ---- sums -------------------------------------------------------------------------------
def sum_replicas(rss: list[Obj | None]) -> int:
    return sum(replicas(rs) for rs in rss if rs is not None)


def sum_status(rss: list[Obj | None], field: str) -> int:
    return sum(status_count(rs, field) for rs in rss if rs is not None)


# ---- new and old ReplicaSets --------------------------------------------------------------
def find_new_replica_set(d: Obj, rs_list: list[Obj]) -> Obj | None:
    """The oldest ReplicaSet whose template equals the Deployment's (ignoring the hash)."""
    template = (d.get("spec") or {}).get("template")
    for rs in by_creation(rs_list):
        if equal_ignore_hash((rs.get("spec") or {}).get("template"), template):
            return rs
    return None


def find_old_replica_sets(d: Obj, rs_list: list[Obj]) -> tuple[list[Obj], list[Obj]]:
    """(old ReplicaSets with replicas, all old ReplicaSets)."""
    new = find_new_replica_set(d, rs_list)
    all_old = [rs for rs in rs_list if new is None or uid_of(rs) != uid_of(new)]
    return [rs for rs in all_old if replicas(rs) != 0], all_old


def find_active_or_latest(new: Obj | None, old: list[Obj]) -> Obj | None:
    """The only active ReplicaSet, or the newest when none is active; None if several are."""
    if new is None and not old:
        return None
    old_sorted = list(reversed(by_creation(old)))
    everything = active([*old_sorted, new])
    if len(everything) == 0:
        return new if new is not None else old_sorted[0]
    if len(everything) == 1:
        return everything[0]
    return None


# ---- annotations ------------------------------------------------------------------------
def set_replicas_annotations(rs: Obj, desired: int, maximum: int) -> bool:
    annotations = meta(rs).setdefault("annotations", {})
    changed = False
    for key, value in ((DESIRED_REPLICAS, str(desired)), (MAX_REPLICAS, str(maximum))):
        if annotations.get(key) != value:
            annotations[key] = value
            changed = True
    return changed


def replicas_annotations_need_update(rs: Obj, desired: int, maximum: int) -> bool:
    annotations = annotations_of(rs)
    return annotations.get(DESIRED_REPLICAS) != str(desired) or annotations.get(MAX_REPLICAS) != str(maximum)


def desired_replicas_annotation(rs: Obj) -> int | None:
    try:
        return int(annotations_of(rs)[DESIRED_REPLICAS])
    except (KeyError, ValueError):
        return None


def _copy_deployment_annotations(d: Obj, rs: Obj) -> bool:
    annotations = meta(rs).setdefault("annotations", {})
    changed = False
    for key, value in annotations_of(d).items():
        if key in SKIPPED_ANNOTATIONS or annotations.get(key) == value:
            continue
        annotations[key] = value
        changed = True
    return changed


def set_new_replica_set_annotations(d: Obj, rs: Obj, new_revision: str, exists: bool) -> bool:
    """Copy the Deployment's annotations, raise the revision to ``new_revision`` (keeping the
    old number in revision-history on a rollback) and, for a ReplicaSet about to be created,
    record desired and max replicas. True if anything changed."""
    changed = _copy_deployment_annotations(d, rs)
    annotations = meta(rs).setdefault("annotations", {})
    had = REVISION in annotations
    old_revision = annotations.get(REVISION, "")
    try:
        old_number = int(old_revision) if old_revision else 0
        new_number = int(new_revision)
    except ValueError:
        return False
    if old_number < new_number:
        annotations[REVISION] = new_revision
        changed = True
        if had:
            _append_revision_history(annotations, old_revision)
    if not exists and set_replicas_annotations(rs, replicas(d), replicas(d) + max_surge(d)):
        changed = True
    return changed


def _append_revision_history(annotations: dict[str, str], old_revision: str) -> None:
    history = annotations.get(REVISION_HISTORY, "")
    if not history:
        annotations[REVISION_HISTORY] = old_revision
        return
    entries = history.split(",")
    total = len(history) + len(old_revision) + 1
    start = 0
    while total > MAX_REV_HISTORY_CHARS and start < len(entries):
        total -= len(entries[start]) + 1
        start += 1
    if total <= MAX_REV_HISTORY_CHARS:
        annotations[REVISION_HISTORY] = ",".join([*entries[start:], old_revision])


# ---- how many replicas --------------------------------------------------------------------
def new_rs_new_replicas(d: Obj, all_rss: list[Obj | None], new: Obj) -> int:
    """The size the new ReplicaSet may grow to now (NewRSNewReplicas)."""
    if is_rolling_update(d):
        surge = scaled_value(_rolling(d).get("maxSurge"), replicas(d), True)
        current = sum_replicas(all_rss)
        max_total = replicas(d) + surge
        if current >= max_total:
            return replicas(new)
        scale_up = min(max_total - current, replicas(d) - replicas(new))
        return replicas(new) + scale_up
    return replicas(d)


def is_saturated(d: Obj, rs: Obj | None) -> bool:
    """The new ReplicaSet holds all desired replicas and they are all available."""
    if rs is None:
        return False
    desired = desired_replicas_annotation(rs)
    return desired is not None and replicas(rs) == replicas(d) == desired and status_count(rs, "availableReplicas") == replicas(d)


def _round_to_int32(value: float) -> int:
    return int(value - 0.5) if value < 0 else int(value + 0.5)


def replica_set_fraction(rs: Obj, d: Obj) -> int:
    """How many replicas ``rs`` gains or loses in a proportional scale (getReplicaSetFraction)."""
    if replicas(d) == 0:
        return -replicas(rs)
    deployment_replicas = replicas(d) + max_surge(d)
    try:
        annotated = int(annotations_of(rs)[MAX_REPLICAS])
    except (KeyError, ValueError):
        annotated = status_count(d, "replicas")
    if annotated == 0:
        return 0
    return _round_to_int32(replicas(rs) * deployment_replicas / annotated) - replicas(rs)


def get_proportion(rs: Obj | None, d: Obj, to_add: int, added: int) -> int:
    if rs is None or replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = replica_set_fraction(rs, d)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)
