"""VolumeBinding's PreFilter (pkg/scheduler/framework/plugins/volumebinding): a pod whose
PersistentVolumeClaims are missing, or unbound while their StorageClass binds at once
(``Immediate``), cannot go anywhere yet: the PV controller must bind them first. Claims of a
``WaitForFirstConsumer`` class wait for the pod instead: the scheduler picks the node and
annotates the claim with it (``volume.kubernetes.io/selected-node``). Real kube-scheduler then
waits in PreBind until the claim is bound; kubeviz binds the pod at once (a simplification).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..framework import OK, Status, unschedulable

NAME = "VolumeBinding"
SELECTED_NODE = "volume.kubernetes.io/selected-node"
ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"

Obj = dict[str, Any]


def claim_names(pod: Obj) -> list[str]:
    return [v["persistentVolumeClaim"]["claimName"] for v in (pod.get("spec") or {}).get("volumes") or []
            if (v.get("persistentVolumeClaim") or {}).get("claimName")]


def delayed_claims(pod: Obj, claim: Callable[[str], Obj | None], storage_class: Callable[[str], Obj | None]) -> list[Obj]:
    """The pod's unbound claims whose class waits for the first consumer."""
    out = []
    for name in claim_names(pod):
        pvc = claim(name)
        if pvc is None or (pvc.get("spec") or {}).get("volumeName"):
            continue
        sc = storage_class((pvc.get("spec") or {}).get("storageClassName") or "")
        if sc is not None and sc.get("volumeBindingMode") == "WaitForFirstConsumer":
            out.append(pvc)
    return out


def pre_filter(pod: Obj, claim: Callable[[str], Obj | None], storage_class: Callable[[str], Obj | None]) -> Status:
    """OK, or why no node can take the pod until its claims change."""
    for name in claim_names(pod):
        pvc = claim(name)
        if pvc is None:
            return unschedulable(NAME, f'persistentvolumeclaim "{name}" not found', unresolvable=True)
        if pvc["metadata"].get("deletionTimestamp"):
            return unschedulable(NAME, f'persistentvolumeclaim "{name}" is being deleted', unresolvable=True)
    for name in claim_names(pod):
        pvc = claim(name) or {}
        if (pvc.get("spec") or {}).get("volumeName"):
            continue
        sc = storage_class((pvc.get("spec") or {}).get("storageClassName") or "")
        if sc is None or sc.get("volumeBindingMode") != "WaitForFirstConsumer":
            return unschedulable(NAME, ERR_UNBOUND_IMMEDIATE, unresolvable=True)
    return OK
