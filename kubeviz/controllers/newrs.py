"""Finding or creating the new ReplicaSet of a Deployment (sync.go getNewReplicaSet).

The new ReplicaSet is the one whose pod template equals the Deployment's; rolling back
to an old template therefore revives that old ReplicaSet, which takes the next revision
number. Otherwise a ReplicaSet ``<deployment>-<pod-template-hash>`` is created.
"""
from __future__ import annotations

from typing import Any

from kubeviz.apiserver import errors
from kubeviz.apiserver.jsoncopy import deep_copy

from .conditions import (
    FAILED_RS_CREATE,
    FOUND_NEW_RS,
    NEW_RS_CREATED,
    PROGRESSING,
    get_condition,
    new_condition,
    set_condition,
)
from .deployment_context import DeploymentSync, SyncError
from .deployment_util import (
    REVISION,
    find_new_replica_set,
    find_old_replica_sets,
    has_progress_deadline,
    max_revision,
    new_rs_new_replicas,
    set_new_replica_set_annotations,
)
from .hashing import POD_TEMPLATE_HASH, compute_hash, equal_ignore_hash
from .objects import annotations_of, controller_of, name_of, namespace_of, new_controller_ref, uid_of

Obj = dict[str, Any]


def get_all_replica_sets_and_sync_revision(ds: DeploymentSync, create: bool) -> tuple[Obj | None, list[Obj]]:
    """(new ReplicaSet or None, all old ReplicaSets), with revisions brought up to date."""
    _, all_old = find_old_replica_sets(ds.d, ds.rs_list)
    new = get_new_replica_set(ds, all_old, create)
    return new, all_old


def get_new_replica_set(ds: DeploymentSync, old_rss: list[Obj], create: bool) -> Obj | None:
    d = ds.d
    existing = find_new_replica_set(d, ds.rs_list)
    new_revision = str(max_revision(old_rss) + 1)
    if existing is not None:
        return _sync_existing(ds, existing, new_revision)
    if not create:
        return None
    return _create(ds, old_rss, new_revision)


def _sync_existing(ds: DeploymentSync, existing: Obj, new_revision: str) -> Obj:
    d = ds.d
    rs = deep_copy(existing)
    annotations_updated = set_new_replica_set_annotations(d, rs, new_revision, True)
    min_ready = int((d.get("spec") or {}).get("minReadySeconds") or 0)
    if annotations_updated or int(rs["spec"].get("minReadySeconds") or 0) != min_ready:
        _set_min_ready(rs, min_ready)
        updated = ds.api.update("replicasets", rs, message=(
            f"the deployment controller updates ReplicaSet {name_of(rs)}, the current template of Deployment "
            f"{ds.where}, to revision {annotations_of(rs).get(REVISION)}"))
        return ds.track(updated)
    ds.write_revision(annotations_of(rs).get(REVISION, ""))
    if has_progress_deadline(d) and get_condition(ds.status, PROGRESSING) is None:
        set_condition(ds.status, new_condition(
            PROGRESSING, "True", FOUND_NEW_RS, f'Found new replica set "{name_of(rs)}"', ds.api.stamp()))
        ds.write_status(f"the deployment controller found ReplicaSet {name_of(rs)} for Deployment {ds.where}")
    return rs


def _set_min_ready(rs: Obj, min_ready: int) -> None:
    if min_ready:
        rs["spec"]["minReadySeconds"] = min_ready
    else:
        rs["spec"].pop("minReadySeconds", None)


def new_replica_set_body(d: Obj, replicas: int) -> Obj:
    """The ReplicaSet for the Deployment's current template: hash label on its name,
    labels, selector and template; controlled by the Deployment."""
    spec = d.get("spec") or {}
    template = deep_copy(spec.get("template") or {})
    pod_hash = compute_hash(template, (d.get("status") or {}).get("collisionCount"))
    tmeta = template.setdefault("metadata", {})
    tmeta["labels"] = {**(tmeta.get("labels") or {}), POD_TEMPLATE_HASH: pod_hash}
    selector = deep_copy(spec.get("selector") or {})
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), POD_TEMPLATE_HASH: pod_hash}
    rs_spec: Obj = {"replicas": replicas, "selector": selector, "template": template}
    _set_min_ready({"spec": rs_spec}, int(spec.get("minReadySeconds") or 0))
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "name": f"{name_of(d)}-{pod_hash}", "namespace": namespace_of(d),
            "labels": dict(tmeta["labels"]),
            "ownerReferences": [new_controller_ref(d, "apps/v1", "Deployment")],
        },
        "spec": rs_spec,
    }


def _create(ds: DeploymentSync, old_rss: list[Obj], new_revision: str) -> Obj:
    d = ds.d
    body = new_replica_set_body(d, 0)
    count = new_rs_new_replicas(d, [*old_rss, body], body)
    body["spec"]["replicas"] = count
    set_new_replica_set_annotations(d, body, new_revision, False)
    name = name_of(body)
    already_exists = False
    try:
        created = ds.api.create("replicasets", namespace_of(d), body, step=None, category="controller", message=(
            f"Deployment {ds.where} has a new pod template: the deployment controller asks the API server to "
            f"create ReplicaSet {name} (revision {new_revision}) with {count} replicas"))
    except errors.StatusError as exc:
        if exc.reason == "AlreadyExists":
            created = _existing_or_collision(ds, name, exc)
            already_exists = True
        else:
            _creation_failed(ds, name, exc)
    ds.track(created)
    if not already_exists and count > 0:
        ds.event("ScalingReplicaSet", f"Scaled up replica set {name_of(created)} from 0 to {count}")
    ds.write_revision(new_revision)
    if not already_exists and has_progress_deadline(d):
        set_condition(ds.status, new_condition(
            PROGRESSING, "True", NEW_RS_CREATED, f'Created new replica set "{name_of(created)}"', ds.api.stamp()))
        ds.write_status(f"the deployment controller notes the new ReplicaSet {name_of(created)} of Deployment {ds.where}")
    return created


def _existing_or_collision(ds: DeploymentSync, name: str, exc: errors.StatusError) -> Obj:
    """A ReplicaSet of that name exists: ours (a stale cache) or a hash collision, which
    bumps status.collisionCount so the next sync hashes differently."""
    rs = ds.cache.get("replicasets", f"{namespace_of(ds.d)}/{name}")
    if rs is None:
        raise SyncError(exc.message)
    ref = controller_of(rs)
    if ref is not None and ref.get("uid") == uid_of(ds.d) and equal_ignore_hash(
            (ds.d.get("spec") or {}).get("template"), (rs.get("spec") or {}).get("template")):
        return rs
    ds.status["collisionCount"] = int(ds.status.get("collisionCount") or 0) + 1
    ds.write_status(f"the deployment controller found a hash collision for ReplicaSet {name} and bumps collisionCount")
    raise SyncError(exc.message)


def _creation_failed(ds: DeploymentSync, name: str, exc: errors.StatusError) -> None:
    if exc.reason == "Forbidden" and "being terminated" in exc.message:
        raise SyncError(exc.message)
    message = f'Failed to create new replica set "{name}": {exc.message}'
    if has_progress_deadline(ds.d):
        set_condition(ds.status, new_condition(PROGRESSING, "False", FAILED_RS_CREATE, message, ds.api.stamp()))
        try:
            ds.write_status(f"the deployment controller reports that ReplicaSet {name} could not be created")
        except errors.StatusError:
            pass
    ds.event(FAILED_RS_CREATE, message, type="Warning")
    raise SyncError(message)
