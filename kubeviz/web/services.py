"""Writes from the dashboard's buttons: the deployment actions (scale, set image, rollout
undo) and reading an uploaded manifest. Applying manifests is ``kubeviz.apiserver.apply``.
Everything goes through the API server, and each request is recorded as step 1 from the
client (a dashboard button)."""
from __future__ import annotations

from typing import Any

from django.db import transaction

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.apply import LAST_APPLIED, MAX_MANIFEST_BYTES, ApplyError, Obj
from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.apiserver.patch import JSON_PATCH, MERGE_PATCH
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.models import Cluster
from kubeviz.flow.services import step_record

from .selectors import REVISION_ANNOTATION, owned_replicasets

POD_TEMPLATE_HASH = "pod-template-hash"
BUTTON = registry.Actor("client", "button")


# ---- deployment actions -------------------------------------------------------------------


def _button_request(cluster: Cluster, verb: str, obj: Obj, message: str, actor: registry.Actor) -> None:
    """Step 1 of a button's request; ``message`` goes on from the client's name."""
    meta = obj.get("metadata") or {}
    step_record(
        cluster=cluster, step=1, source="client", target="apiserver", action=verb, client=actor.client,
        obj={"kind": obj.get("kind", ""), "metadata": {"namespace": meta.get("namespace", ""), "name": meta.get("name", ""),
                                                       "uid": meta.get("uid", "")}},
        message=f"{actor.subject} {message}",
    )


@transaction.atomic
def deployment_scale(*, cluster: Cluster, namespace: str, name: str, replicas: int, actor: registry.Actor = BUTTON) -> Obj:
    """``kubectl scale deployment/<name> --replicas=<n>``."""
    if not 0 <= replicas <= 1000:
        raise errors.bad_request("replicas must be between 0 and 1000 on the dashboard")
    strategy = by_plural("deployments")
    current = registry.get(cluster, strategy, namespace, name)
    _button_request(cluster, "patch", current,
                    f"asked the API server to scale Deployment {namespace}/{name} to {replicas} "
                    f"replica{'s' if replicas != 1 else ''} (was {(current.get('spec') or {}).get('replicas', 0)})", actor)
    return registry.patch(cluster, strategy, namespace, name, MERGE_PATCH, {"spec": {"replicas": replicas}}, actor=actor)


@transaction.atomic
def deployment_set_image(*, cluster: Cluster, namespace: str, name: str, image: str, container: str = "",
                         actor: registry.Actor = BUTTON) -> Obj:
    """``kubectl set image deployment/<name> <container>=<image>``: a new pod template, so
    the deployment controller starts a rolling update."""
    image = image.strip()
    if not image:
        raise errors.bad_request("an image is required")
    strategy = by_plural("deployments")
    current = registry.get(cluster, strategy, namespace, name)
    containers = (((current.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    if not containers:
        raise errors.bad_request(f"Deployment {namespace}/{name} has no containers")
    target = next((c for c in containers if c.get("name") == container), None) if container else containers[0]
    if target is None:
        raise errors.bad_request(f'unable to find container named "{container}"')
    old = target.get("image", "")
    target["image"] = image
    _button_request(cluster, "update", current,
                    f"asked the API server to change the image of container {target.get('name')} in "
                    f"Deployment {namespace}/{name} from {old} to {image}: a new pod template, so a rolling update", actor)
    # The body carries the resourceVersion we read: a concurrent change is a 409, not lost.
    return registry.update(cluster, strategy, namespace, name, current, actor=actor)


_UNDO_SKIP_ANNOTATIONS = {
    LAST_APPLIED,
    REVISION_ANNOTATION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
}


def _revision(obj: Obj) -> int:
    try:
        return int(((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION_ANNOTATION, 0))
    except (TypeError, ValueError):
        return 0


def _without_hash(template: Obj) -> Obj:
    template = deep_copy(template or {})
    labels = (template.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(POD_TEMPLATE_HASH, None)
    return template


@transaction.atomic
def deployment_rollout_undo(*, cluster: Cluster, namespace: str, name: str, to_revision: int = 0,
                            actor: registry.Actor = BUTTON) -> str:
    """``kubectl rollout undo deployment/<name>``: copy the pod template of the ReplicaSet of
    the previous revision back into the Deployment (kubectl's DeploymentRollbacker)."""
    strategy = by_plural("deployments")
    current = registry.get(cluster, strategy, namespace, name)
    if (current.get("spec") or {}).get("paused"):
        raise errors.bad_request("you cannot rollback a paused deployment; resume it first with kubectl rollout resume")
    replicasets = owned_replicasets(cluster, current)
    chosen: Obj | None = None
    if to_revision > 0:
        chosen = next((rs for rs in replicasets if _revision(rs) == to_revision), None)
        if chosen is None:
            raise errors.bad_request(f"unable to find specified revision {to_revision} in history")
    else:
        # The latest revision is the one running now; undo goes to the one before it.
        latest, previous = 0, 0
        for rs in replicasets:
            v = _revision(rs)
            if v > latest:
                previous, latest = latest, v
            elif v > previous:
                previous = v
        chosen = next((rs for rs in replicasets if previous > 0 and _revision(rs) == previous), None)
        if chosen is None:
            raise errors.bad_request(f'no rollout history found for deployment "{name}"')
    revision = _revision(chosen)
    template = _without_hash((chosen.get("spec") or {}).get("template"))
    if _without_hash((current.get("spec") or {}).get("template")) == template:
        return f"skipped rollback (current template already matches revision {revision})"
    annotations = {
        k: v for k, v in ((chosen.get("metadata") or {}).get("annotations") or {}).items()
        if k not in _UNDO_SKIP_ANNOTATIONS
    }
    _button_request(cluster, "patch", current,
                    f"asked the API server to roll Deployment {namespace}/{name} back to revision "
                    f"{revision}: the pod template of ReplicaSet {chosen['metadata']['name']} is copied back", actor)
    registry.patch(cluster, strategy, namespace, name, JSON_PATCH, [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "add", "path": "/metadata/annotations", "value": annotations},  # add replaces, and works without any
    ], actor=actor)
    return f"deployment.apps/{name} rolled back to revision {revision}"


def manifest_read_upload(upload: Any) -> tuple[str, ApplyError | None]:
    """The text of an uploaded manifest file, refused unread when it is over the cap."""
    size = getattr(upload, "size", 0) or 0
    if size > MAX_MANIFEST_BYTES:
        return "", ApplyError(
            f"the file is {size} bytes; the limit is {MAX_MANIFEST_BYTES} bytes (1 MiB). Nothing was applied.")
    raw = upload.read(MAX_MANIFEST_BYTES + 1)
    if len(raw) > MAX_MANIFEST_BYTES:
        return "", ApplyError(f"the file is larger than {MAX_MANIFEST_BYTES} bytes (1 MiB). Nothing was applied.")
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return "", ApplyError(f"the file is not UTF-8 text (byte {exc.start}). Nothing was applied.")
