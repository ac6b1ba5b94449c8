"""What a pod needs from ConfigMaps and Secrets before its containers can start.

The kubelet mounts a pod's volumes before it starts any container, and builds each
container's environment just before creating it. A referenced ConfigMap or Secret (or key)
that does not exist stops it there, with the errors and messages the real kubelet uses
(``MountVolume.SetUp failed …``, ``couldn't find key … in ConfigMap ns/name``); references
marked ``optional: true`` never do. The kubelet reads them from its informers' cache.
"""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]
#: (plural, namespace, name) → the object, or None when it does not exist
Lookup = Callable[[str, str, str], Obj | None]

_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
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


def _decoded(plural: str, obj: Obj) -> dict[str, str]:
    """A ConfigMap's data, or a Secret's data decoded from base64, as the process sees it."""
    data = {k: str(v) for k, v in (obj.get("data") or {}).items()}
    if plural == "secrets":
        decoded = {}
        for key, value in data.items():
            try:
                decoded[key] = base64.b64decode(value).decode("utf-8", "replace")
            except (ValueError, binascii.Error):
                decoded[key] = ""
        return decoded
    return data


def _container_env(container: Obj, namespace: str, lookup: Lookup) -> list[Obj]:
    """The container's environment as its process receives it: envFrom first (keys that are
    valid variable names, with the prefix), then env, which wins."""
    values: dict[str, Obj] = {}
    for source in container.get("envFrom") or []:
        for key, plural in (("configMapRef", "configmaps"), ("secretRef", "secrets")):
            ref = source.get(key)
            obj = lookup(plural, namespace, str(ref.get("name") or "")) if isinstance(ref, dict) else None
            if obj is not None:
                prefix = str(source.get("prefix") or "")
                values.update({prefix + k: {"name": prefix + k, "value": v} for k, v in _decoded(plural, obj).items()
                               if _ENV_NAME.match(prefix + k)})
    for env in container.get("env") or []:
        if not isinstance(env, dict) or "name" not in env:
            continue
        value = env.get("value")
        value_from = env.get("valueFrom") or {}
        if "fieldRef" in value_from or "resourceFieldRef" in value_from:
            values[env["name"]] = env  # the runtime reads the pod's own fields
            continue
        for key, plural in (("configMapKeyRef", "configmaps"), ("secretKeyRef", "secrets")):
            ref = value_from.get(key)
            if isinstance(ref, dict):
                obj = lookup(plural, namespace, str(ref.get("name") or ""))
                value = _decoded(plural, obj).get(str(ref.get("key") or ""), "") if obj is not None else ""
        values[env["name"]] = {"name": env["name"], "value": str(value or "")}
    return list(values.values())


def with_resolved_env(pod: Obj, lookup: Lookup) -> Obj:
    """The pod with each container's ConfigMap and Secret references replaced by their
    values, for the runtime that prints what the process prints (``echo $LOG_LEVEL``).
    The pod itself, as stored, is unchanged."""
    containers = pod["spec"].get("containers") or []
    if not any(c.get("envFrom") or any("valueFrom" in e for e in c.get("env") or []) for c in containers):
        return pod
    namespace = pod["metadata"].get("namespace") or "default"
    resolved = [{**c, "env": _container_env(c, namespace, lookup)} for c in containers]
    return {**pod, "spec": {**pod["spec"], "containers": resolved}}
