"""What a pod needs from ConfigMaps and Secrets before its containers can start.

The kubelet mounts a pod's volumes before it starts any container, and builds each
container's environment just before creating it. A referenced ConfigMap or Secret (or key)
that does not exist stops it there, with the errors and messages the real kubelet uses
(``MountVolume.SetUp failed …``, ``couldn't find key … in ConfigMap ns/name``); references
marked ``optional: true`` never do. The kubelet reads them from its informers' cache.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]
#: (plural, namespace, name) → the object, or None when it does not exist
Lookup = Callable[[str, str, str], Obj | None]

_KINDS = {"configmaps": ("configmap", "ConfigMap"), "secrets": ("secret", "Secret")}


@dataclass
class Missing:
    """Why a pod cannot start yet: volumes that cannot be mounted (volume → error) and
    containers whose environment cannot be built (container → error)."""

    volumes: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.volumes or self.env)


def _not_found(plural: str, name: str) -> str:
    return f'{_KINDS[plural][0]} "{name}" not found'


def _volume_sources(volume: Obj) -> list[tuple[str, str, bool]]:
    """(plural, name, optional) of every ConfigMap and Secret a volume reads."""
    found: list[tuple[str, str, bool]] = []
    if isinstance(volume.get("secret"), dict):
        s = volume["secret"]
        found.append(("secrets", str(s.get("secretName") or ""), bool(s.get("optional"))))
    if isinstance(volume.get("configMap"), dict):
        c = volume["configMap"]
        found.append(("configmaps", str(c.get("name") or ""), bool(c.get("optional"))))
    for source in ((volume.get("projected") or {}).get("sources") or []):
        for key, plural in (("secret", "secrets"), ("configMap", "configmaps")):
            if isinstance(source.get(key), dict):
                found.append((plural, str(source[key].get("name") or ""), bool(source[key].get("optional"))))
    return found


def _env_error(container: Obj, namespace: str, lookup: Lookup) -> str | None:
    """The first error building the container's environment (makeEnvironmentVariables)."""
    for source in container.get("envFrom") or []:
        for key, plural in (("configMapRef", "configmaps"), ("secretRef", "secrets")):
            ref = source.get(key)
            if isinstance(ref, dict) and not ref.get("optional") and lookup(plural, namespace, str(ref.get("name") or "")) is None:
                return _not_found(plural, str(ref.get("name") or ""))
    for env in container.get("env") or []:
        value_from = env.get("valueFrom") or {}
        for key, plural in (("configMapKeyRef", "configmaps"), ("secretKeyRef", "secrets")):
            ref = value_from.get(key)
            if not isinstance(ref, dict) or ref.get("optional"):
                continue
            name, wanted = str(ref.get("name") or ""), str(ref.get("key") or "")
            obj = lookup(plural, namespace, name)
            if obj is None:
                return _not_found(plural, name)
            if wanted not in (obj.get("data") or {}) and wanted not in (obj.get("binaryData") or {}) \
                    and wanted not in (obj.get("stringData") or {}):
                return f"couldn't find key {wanted} in {_KINDS[plural][1]} {namespace}/{name}"
    return None


def missing_config(pod: Obj, lookup: Lookup) -> Missing:
    """What ``pod`` references that does not exist yet (nothing: it may start)."""
    namespace = pod["metadata"].get("namespace") or "default"
    missing = Missing()
    for volume in pod["spec"].get("volumes") or []:
        for plural, name, optional in _volume_sources(volume):
            if not optional and lookup(plural, namespace, name) is None:
                missing.volumes[volume.get("name", "")] = _not_found(plural, name)
                break
    for container in pod["spec"].get("containers") or []:
        error = _env_error(container, namespace, lookup)
        if error:
            missing.env[container["name"]] = error
    return missing
