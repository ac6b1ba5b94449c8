"""The PersistentVolume controller of kube-controller-manager (pkg/controller/volume/persistentvolume)
and the simulated dynamic provisioner.

A claim is bound to the smallest Available PersistentVolume of its class whose access modes
include the claim's and whose capacity covers its request (and whose labels its selector
matches). With none, a claim whose StorageClass names kubeviz's provisioner gets a new
volume ``pvc-<claim uid>`` (a ``hostPath`` under /var/lib/kubeviz/volumes: the PV's name is
the identity a container's files are kept by); a class with ``WaitForFirstConsumer`` waits
until the scheduler picks a node for a pod using the claim (annotation
``volume.kubernetes.io/selected-node``). A volume whose claim is gone is Released; its
``persistentVolumeReclaimPolicy`` then deletes it (Delete) or keeps it, data and all, for an
administrator (Retain). Real provisioners are separate programs watching claims; here the
controller plays that part, and nothing is really stored.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubeviz.apiserver.bootstrap import PROVISIONER
from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.apiserver.quantity import parse_quantity
from kubeviz.apiserver.selectors import from_label_selector_object
from kubeviz.clusters.models import Cluster
from kubeviz.engine.cache import Cache, key_of
from kubeviz.engine.client import Client

Obj = dict[str, Any]
SELECTED_NODE = "volume.kubernetes.io/selected-node"
BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
VOLUMES_DIR = "/var/lib/kubeviz/volumes"


def _with_kind(obj: Obj, kind: str) -> Obj:
    return obj if obj.get("kind") else {**obj, "kind": kind, "apiVersion": "v1"}


def _class_of(obj: Obj) -> str:
    return (obj.get("spec") or {}).get("storageClassName") or ""


def _request(pvc: Obj) -> Any:
    return parse_quantity((((pvc.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage", "0"))


def find_volume(pvc: Obj, volumes: Iterable[Obj]) -> Obj | None:
    """findBestMatchForClaim: the smallest fitting volume, one already pre-bound to the claim first."""
    spec = pvc.get("spec") or {}
    modes = set(spec.get("accessModes") or [])
    selector = from_label_selector_object(spec["selector"]) if spec.get("selector") else None
    uid = pvc["metadata"].get("uid")
    fits = []
    for pv in volumes:
        pv_spec = pv.get("spec") or {}
        ref = pv_spec.get("claimRef")
        if pv["metadata"].get("deletionTimestamp") or (ref and ref.get("uid") not in (None, uid)):
            continue
        if ref and (ref.get("name"), ref.get("namespace")) != (pvc["metadata"]["name"], pvc["metadata"].get("namespace")):
            continue
        if (pv.get("status") or {}).get("phase") in ("Released", "Failed"):
            continue
        if _class_of(pv) != _class_of(pvc) or not modes <= set(pv_spec.get("accessModes") or []):
            continue
        if selector is not None and not selector.matches(pv["metadata"].get("labels")):
            continue
        size = parse_quantity((pv_spec.get("capacity") or {}).get("storage", "0"))
        if size < _request(pvc):
            continue
        fits.append((not ref, size, pv["metadata"]["name"], pv))
    return min(fits, key=lambda f: f[:3])[3] if fits else None


class PersistentVolumeController:
    name = "controller-manager/persistentvolume-binder"
    actor = "controller-manager"
    watches = ("persistentvolumeclaims", "persistentvolumes", "storageclasses")

    def __init__(self, cluster: Cluster):
        self.cluster = cluster

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural == "persistentvolumeclaims":
            yield key_of(obj)
            name = (obj.get("spec") or {}).get("volumeName")
            if event == "DELETED" and name:
                yield name
            return
        if plural == "persistentvolumes":
            if event != "DELETED":
                yield key_of(obj)
            ref = (obj.get("spec") or {}).get("claimRef") or {}
            if ref.get("name"):
                yield f"{ref.get('namespace')}/{ref['name']}"
        for pvc in cache.iter("persistentvolumeclaims"):
            if (pvc.get("status") or {}).get("phase") == "Pending":
                yield key_of(pvc)

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        if "/" in key:
            self._sync_claim(cache, api, key)
        else:
            self._sync_volume(cache, api, key)
        return None

    # ---- claims -----------------------------------------------------------------------------
    def _sync_claim(self, cache: Cache, api: Client, key: str) -> None:
        pvc = cache.get("persistentvolumeclaims", key)
        if pvc is None or pvc["metadata"].get("deletionTimestamp"):
            return
        pvc = _with_kind(pvc, "PersistentVolumeClaim")
        phase = (pvc.get("status") or {}).get("phase")
        name = (pvc.get("spec") or {}).get("volumeName")
        if phase == "Bound":
            if name and cache.get("persistentvolumes", name) is None:
                self._set_claim_status(api, pvc, {"phase": "Lost"}, f"PersistentVolumeClaim {key} lost its volume {name}")
                api.event(pvc, type="Warning", reason="ClaimLost", message="Bound claim has lost its PersistentVolume. Data on the volume is lost!")
            return
        if phase == "Lost":
            return
        volumes = list(cache.iter("persistentvolumes"))
        if name:
            volumes = [pv for pv in volumes if pv["metadata"]["name"] == name]
        pv = find_volume(pvc, volumes)
        if pv is not None:
            self._bind(api, pvc, pv)
            return
        if name:
            api.event(pvc, type="Normal", reason="FailedBinding", message=f"volume \"{name}\" not found or does not match this claim")
            return
        class_name = _class_of(pvc)
        if not class_name:
            api.event(pvc, type="Normal", reason="FailedBinding",
                      message="no persistent volumes available for this claim and no storage class is set")
            return
        sc = cache.get("storageclasses", class_name)
        if sc is None:
            api.event(pvc, type="Warning", reason="ProvisioningFailed", message=f'storageclass.storage.k8s.io "{class_name}" not found')
            return
        annotations = pvc["metadata"].get("annotations") or {}
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and not annotations.get(SELECTED_NODE):
            api.event(pvc, type="Normal", reason="WaitForFirstConsumer", message="waiting for first consumer to be created before binding")
            return
        if sc.get("provisioner") != PROVISIONER:
            api.event(pvc, type="Normal", reason="ExternalProvisioning", message=(
                f"Waiting for a volume to be created either by the external provisioner '{sc.get('provisioner')}' or manually by "
                "the system administrator. If volume creation is delayed, please verify that the provisioner is running and "
                "correctly registered."))
            return
        self._provision(api, pvc, sc)

    def _provision(self, api: Client, pvc: Obj, sc: Obj) -> None:
        meta = pvc["metadata"]
        key = f"{meta.get('namespace')}/{meta['name']}"
        name = f"pvc-{meta['uid']}"
        api.event(pvc, type="Normal", reason="Provisioning", message=f'External provisioner is provisioning volume for claim "{key}"')
        spec = pvc.get("spec") or {}
        pv: Obj = {
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "annotations": {PROVISIONED_BY: PROVISIONER}},
            "spec": {
                "capacity": {"storage": spec["resources"]["requests"]["storage"]},
                "accessModes": list(spec.get("accessModes") or []),
                "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                "storageClassName": sc["metadata"]["name"], "volumeMode": spec.get("volumeMode", "Filesystem"),
                "hostPath": {"path": f"{VOLUMES_DIR}/{name}", "type": "DirectoryOrCreate"},
                "claimRef": {"kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": meta.get("namespace"),
                             "name": meta["name"], "uid": meta["uid"]},
            },
        }
        node = (meta.get("annotations") or {}).get(SELECTED_NODE)
        if node:
            pv["spec"]["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}}
        api.create("persistentvolumes", None, pv, step=None, category="controller",
                   message=f"the simulated provisioner {PROVISIONER} created volume {name} for claim {key}")
        api.event(pvc, type="Normal", reason="ProvisioningSucceeded", message=f"Successfully provisioned volume {name}")

    def _bind(self, api: Client, pvc: Obj, pv: Obj) -> None:
        meta = pvc["metadata"]
        key = f"{meta.get('namespace')}/{meta['name']}"
        pv_name = pv["metadata"]["name"]
        pv = deep_copy(_with_kind(pv, "PersistentVolume"))
        if not (pv["spec"].get("claimRef") or {}).get("uid"):
            pv["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": meta.get("namespace"),
                                      "name": meta["name"], "uid": meta["uid"], "resourceVersion": meta.get("resourceVersion", "")}
            pv["metadata"].setdefault("annotations", {})[BOUND_BY_CONTROLLER] = "yes"
            pv = api.update("persistentvolumes", pv, message=f"the PV controller reserved volume {pv_name} for claim {key}")
        if (pv.get("status") or {}).get("phase") != "Bound":
            api.update_status("persistentvolumes", {**pv, "status": {"phase": "Bound"}},
                              message=f"the PV controller marked volume {pv_name} Bound")
        claim = deep_copy(pvc)
        claim["spec"]["volumeName"] = pv_name
        annotations = claim["metadata"].setdefault("annotations", {})
        annotations[BIND_COMPLETED] = "yes"
        if not (pvc.get("spec") or {}).get("volumeName"):
            annotations[BOUND_BY_CONTROLLER] = "yes"
        claim = api.update("persistentvolumeclaims", claim, message=f"the PV controller bound claim {key} to volume {pv_name}")
        self._set_claim_status(api, claim, {
            "phase": "Bound", "accessModes": list(pv["spec"].get("accessModes") or []),
            "capacity": dict(pv["spec"].get("capacity") or {}),
        }, f"claim {key} is Bound to volume {pv_name}")

    def _set_claim_status(self, api: Client, pvc: Obj, status: Obj, message: str) -> None:
        api.update_status("persistentvolumeclaims", {**pvc, "status": status}, message=message)

    # ---- volumes ----------------------------------------------------------------------------
    def _sync_volume(self, cache: Cache, api: Client, name: str) -> None:
        pv = cache.get("persistentvolumes", name)
        if pv is None or pv["metadata"].get("deletionTimestamp"):
            return
        pv = _with_kind(pv, "PersistentVolume")
        spec, phase = pv.get("spec") or {}, (pv.get("status") or {}).get("phase")
        ref = spec.get("claimRef") or {}
        if not ref.get("name"):
            if phase != "Available":
                api.update_status("persistentvolumes", {**pv, "status": {"phase": "Available"}},
                                  message=f"the PV controller marked volume {name} Available")
            return
        if not ref.get("uid"):
            return  # pre-bound by hand: the claim's sync binds it
        claim = cache.get("persistentvolumeclaims", f"{ref.get('namespace')}/{ref['name']}")
        if claim is not None and claim["metadata"].get("uid") == ref.get("uid"):
            return
        if claim is None and phase not in ("Bound", "Released"):
            return  # just provisioned: the claim may not be in the cache yet
        if phase != "Released":
            pv = api.update_status("persistentvolumes", {**pv, "status": {"phase": "Released"}},
                                   message=f"the claim of volume {name} is gone: the volume is Released")
        policy = spec.get("persistentVolumeReclaimPolicy")
        if policy == "Delete":
            api.delete("persistentvolumes", None, name, category="controller",
                       message=f"reclaim policy Delete: the PV controller deleted volume {name} and its data")
        elif policy == "Recycle":
            fresh = deep_copy(_with_kind(pv, "PersistentVolume"))
            fresh["spec"].pop("claimRef", None)
            api.update("persistentvolumes", fresh, message=f"reclaim policy Recycle: volume {name} was scrubbed and is free again")
