"""StorageClass (storage.k8s.io/v1), PersistentVolume and PersistentVolumeClaim (core/v1).

Strategies after pkg/registry/storage/storageclass and pkg/registry/core/persistentvolume(claim),
validation after pkg/apis/core/validation (ValidatePersistentVolume, ValidatePersistentVolumeClaim)
and the DefaultStorageClass admission plugin, which gives a claim without
``storageClassName`` the class annotated ``storageclass.kubernetes.io/is-default-class``.
A volume here has no real backing: the simulated provisioner makes PersistentVolumes with a
``hostPath`` under /var/lib/kubeviz/volumes/<pv name>, and the PV's name is the identity
container files can be kept by.
"""
from __future__ import annotations

from typing import Any

from .. import validation as v
from ..quantity import parse_quantity
from ..resources import register
from ..strategy import Context, Obj, Strategy
from .podspec import validate_selector

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"]
BINDING_MODES = ["Immediate", "WaitForFirstConsumer"]
VOLUME_MODES = ["Block", "Filesystem"]
#: the volume sources a PersistentVolume may name (one is required)
VOLUME_SOURCES = (
    "hostPath", "local", "nfs", "csi", "iscsi", "fc", "awsElasticBlockStore", "gcePersistentDisk",
    "azureDisk", "azureFile", "cephfs", "rbd", "cinder", "flexVolume", "glusterfs", "portworxVolume",
    "scaleIO", "storageos", "vsphereVolume", "photonPersistentDisk", "quobyte", "flocker",
)


def is_default_class(sc: Obj) -> bool:
    return ((sc.get("metadata") or {}).get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION) == "true"


def default_class(classes: list[Obj]) -> Obj | None:
    """GetDefaultClass: of several default classes, the newest (then by name) wins."""
    defaults = [c for c in classes if is_default_class(c)]
    if not defaults:
        return None
    return max(defaults, key=lambda c: (c["metadata"].get("creationTimestamp") or "", c["metadata"]["name"]))


def _access_modes(modes: Any, field: str) -> list[v.FieldError]:
    if not modes:
        return [v.required(field, "at least 1 access mode is required")]
    if not isinstance(modes, list):
        return [v.invalid(field, modes, "must be a list of access modes")]
    errs = [v.not_supported(field, m, ACCESS_MODES) for m in modes if m not in ACCESS_MODES]
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        errs.append(v.forbidden(field, "may not use ReadWriteOncePod with other access modes"))
    return errs


def _storage_quantity(value: Any, field: str) -> list[v.FieldError]:
    errs = v.quantity(value, field)
    if errs:
        return errs
    if parse_quantity(value) <= 0:
        return [v.invalid(field, value, "must be greater than zero")]
    return []


class StorageClassStrategy(Strategy):
    def default(self, obj: Obj, ctx: Context) -> None:
        obj.setdefault("reclaimPolicy", "Delete")
        obj.setdefault("volumeBindingMode", "Immediate")

    def validate(self, obj: Obj) -> list[v.FieldError]:
        errs: list[v.FieldError] = []
        provisioner = obj.get("provisioner")
        if not provisioner:
            errs.append(v.required("provisioner"))
        elif not isinstance(provisioner, str):
            errs.append(v.invalid("provisioner", provisioner, "must be a string"))
        else:
            errs += [v.invalid("provisioner", provisioner, msg) for msg in v.qualified_name(provisioner.lower())]
        if obj.get("reclaimPolicy") not in ("Delete", "Retain"):
            errs.append(v.not_supported("reclaimPolicy", obj.get("reclaimPolicy"), ["Delete", "Retain"]))
        if obj.get("volumeBindingMode") not in BINDING_MODES:
            errs.append(v.not_supported("volumeBindingMode", obj.get("volumeBindingMode"), BINDING_MODES))
        return errs

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        errs: list[v.FieldError] = []
        if new.get("provisioner") != old.get("provisioner"):
            errs.append(v.forbidden("provisioner", "updates to provisioner are forbidden."))
        if (new.get("parameters") or {}) != (old.get("parameters") or {}):
            errs.append(v.forbidden("parameters", "updates to parameters are forbidden."))
        if new.get("reclaimPolicy") != old.get("reclaimPolicy"):
            errs.append(v.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
        if new.get("volumeBindingMode") != old.get("volumeBindingMode"):
            errs.append(v.invalid("volumeBindingMode", new.get("volumeBindingMode"), "field is immutable"))
        return errs


class PersistentVolumeStrategy(Strategy):
    def prepare_for_create(self, obj: Obj, ctx: Context) -> None:
        obj["status"] = {"phase": "Pending"}

    def default(self, obj: Obj, ctx: Context) -> None:
        spec = obj.setdefault("spec", {})
        if isinstance(spec, dict):
            spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
            spec.setdefault("volumeMode", "Filesystem")

    def validate(self, obj: Obj) -> list[v.FieldError]:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [v.required("spec")]
        errs = _access_modes(spec.get("accessModes"), "spec.accessModes")
        capacity = spec.get("capacity")
        if not capacity:
            errs.append(v.required("spec.capacity"))
        elif not isinstance(capacity, dict) or set(capacity) != {"storage"}:
            errs.append(v.not_supported("spec.capacity", sorted(capacity) if isinstance(capacity, dict) else capacity, ["storage"]))
        else:
            errs += _storage_quantity(capacity["storage"], "spec.capacity[storage]")
        policy = spec.get("persistentVolumeReclaimPolicy")
        if policy not in RECLAIM_POLICIES:
            errs.append(v.not_supported("spec.persistentVolumeReclaimPolicy", policy, RECLAIM_POLICIES))
        if spec.get("volumeMode") not in VOLUME_MODES:
            errs.append(v.not_supported("spec.volumeMode", spec.get("volumeMode"), VOLUME_MODES))
        sources = [s for s in VOLUME_SOURCES if spec.get(s) is not None]
        if not sources:
            errs.append(v.required("spec", "must specify a volume type"))
        elif len(sources) > 1:
            errs.append(v.forbidden(f"spec.{sources[1]}", "may not specify more than 1 volume type"))
        elif sources[0] == "hostPath" and not (spec["hostPath"] or {}).get("path"):
            errs.append(v.required("spec.hostPath.path"))
        return errs

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
        errs: list[v.FieldError] = []
        for source in VOLUME_SOURCES:
            if source in old_spec and new_spec.get(source) != old_spec.get(source):
                errs.append(v.forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"))
                break
        if new_spec.get("volumeMode") != old_spec.get("volumeMode"):
            errs.append(v.invalid("spec.volumeMode", new_spec.get("volumeMode"), "field is immutable"))
        return errs


class PersistentVolumeClaimStrategy(Strategy):
    def prepare_for_create(self, obj: Obj, ctx: Context) -> None:
        obj["status"] = {"phase": "Pending"}

    def default(self, obj: Obj, ctx: Context) -> None:
        spec = obj.setdefault("spec", {})
        if not isinstance(spec, dict):
            return
        spec.setdefault("volumeMode", "Filesystem")
        if "storageClassName" not in spec and not spec.get("volumeName"):
            # The DefaultStorageClass admission plugin.
            found = default_class(ctx.read("storageclasses", None))
            if found is not None:
                spec["storageClassName"] = found["metadata"]["name"]

    def validate(self, obj: Obj) -> list[v.FieldError]:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [v.required("spec")]
        errs = _access_modes(spec.get("accessModes"), "spec.accessModes")
        if spec.get("selector") is not None:
            errs += validate_selector(spec["selector"], "spec.selector")
        requests = (spec.get("resources") or {}).get("requests") or {}
        if "storage" not in requests:
            errs.append(v.required("spec.resources[storage]"))
        else:
            errs += _storage_quantity(requests["storage"], "spec.resources[storage]")
        if spec.get("volumeMode") not in VOLUME_MODES:
            errs.append(v.not_supported("spec.volumeMode", spec.get("volumeMode"), VOLUME_MODES))
        return errs

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        """Only the requested size (expansion, of a bound claim) and a volumeName not yet set
        may change."""
        old_spec, new_spec = dict(old.get("spec") or {}), dict(new.get("spec") or {})
        for spec in (old_spec, new_spec):
            spec.pop("resources", None)
            spec.pop("volumeAttributesClassName", None)
        if not old_spec.get("volumeName"):
            new_spec.pop("volumeName", None)
            old_spec.pop("volumeName", None)
        if old_spec != new_spec:
            return [v.forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims")]
        old_size = ((old.get("spec") or {}).get("resources") or {}).get("requests", {}).get("storage")
        new_size = ((new.get("spec") or {}).get("resources") or {}).get("requests", {}).get("storage")
        if old_size != new_size and not v.quantity(new_size, "") and not v.quantity(old_size, ""):
            if (old.get("status") or {}).get("phase") != "Bound":
                return [v.forbidden("spec.resources.requests.storage", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims")]
            if parse_quantity(new_size) < parse_quantity(old_size):
                return [v.forbidden("spec.resources.requests.storage", "field can not be less than status.capacity")]
        return []


register(StorageClassStrategy(
    kind="StorageClass", plural="storageclasses", singular="storageclass", group="storage.k8s.io",
    namespaced=False, short_names=("sc",), subresources=(),
))
register(PersistentVolumeStrategy(
    kind="PersistentVolume", plural="persistentvolumes", singular="persistentvolume", namespaced=False,
    short_names=("pv",),
))
register(PersistentVolumeClaimStrategy(
    kind="PersistentVolumeClaim", plural="persistentvolumeclaims", singular="persistentvolumeclaim",
    short_names=("pvc",),
))
