"""Creating and deleting a controller's pods, with the Events Kubernetes records
(controller_utils.go RealPodControl)."""
from __future__ import annotations

from typing import Any

from kubeviz.apiserver import errors
from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.engine.client import Client

from .objects import name_of, namespace_of

Obj = dict[str, Any]


def pod_from_template(template: Obj, owner: Obj, controller_ref: Obj) -> Obj:
    """GetPodFromTemplate: the template's labels, annotations and finalizers, a generated
    name ``<owner>-xxxxx`` and the owner's controllerRef."""
    tmeta = template.get("metadata") or {}
    metadata: Obj = {"generateName": f"{name_of(owner)}-"}
    for field in ("labels", "annotations", "finalizers"):
        if tmeta.get(field):
            metadata[field] = deep_copy(tmeta[field])
    metadata["ownerReferences"] = [dict(controller_ref)]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": deep_copy(template.get("spec") or {})}


def create_pod(api: Client, owner: Obj, template: Obj, controller_ref: Obj, *, message: str) -> Obj:
    """Create one pod; SuccessfulCreate or FailedCreate on the owner. Raises on failure."""
    if not ((template.get("metadata") or {}).get("labels")):
        exc = errors.StatusError(422, "Invalid", "unable to create pods, no labels")
        api.event(owner, type="Warning", reason="FailedCreate", message=f"Error creating: {exc.message}")
        raise exc
    pod = pod_from_template(template, owner, controller_ref)
    try:
        created = api.create("pods", namespace_of(owner), pod, message=message)
    except errors.StatusError as exc:
        api.event(owner, type="Warning", reason="FailedCreate", message=f"Error creating: {exc.message}")
        raise
    api.event(owner, type="Normal", reason="SuccessfulCreate", message=f"Created pod: {name_of(created)}")
    return created


def delete_pod(api: Client, owner: Obj, pod: Obj, *, message: str) -> None:
    """Delete one pod; SuccessfulDelete or FailedDelete on the owner. A pod already gone
    raises its 404 without an Event, as DeletePod does."""
    try:
        api.delete("pods", namespace_of(pod), name_of(pod), message=message)
    except errors.StatusError as exc:
        if exc.code != 404:
            api.event(owner, type="Warning", reason="FailedDelete", message=f"Error deleting: {exc.message}")
        raise
    api.event(owner, type="Normal", reason="SuccessfulDelete", message=f"Deleted pod: {name_of(pod)}")
