"""A container's world as its process sees it: files, environment, name.

Files are the image's, the ones the runtime writes (``/etc/hostname``, ``/etc/hosts``,
``/etc/resolv.conf``, the service account token) and the pod's volumes at their mount
paths: ConfigMap and Secret volumes (``items``, ``subPath``), the downward API, projected
volumes, ``emptyDir`` (an empty directory), and ``hostPath`` and PersistentVolumeClaim
volumes with the files kept for them (``stored``, runtime/volumes.py). The environment is
``env``/``envFrom`` (already resolved by the kubelet), ``fieldRef``/``resourceFieldRef``
and the variables Kubernetes injects for each Service of the namespace.
"""
from __future__ import annotations

import base64
import binascii
import posixpath
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .images import resolve
from .shell import Context, Fs, NoNetwork
from .shell.interp import Network

Obj = dict[str, Any]
#: (plural, namespace, name) → the object, or None
Lookup = Callable[[str, str, str], Obj | None]
CLUSTER_DOMAIN = "cluster.local"
NAMESERVER = "10.96.0.10"
TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


def _field(pod: Obj, path: str) -> str:
    """A downward API ``fieldPath``: metadata.name, metadata.labels['app'], status.podIP…"""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    m = re.fullmatch(r"metadata\.(labels|annotations)\['([^']*)'\]", path)
    if m:
        return str((meta.get(m.group(1)) or {}).get(m.group(2), ""))
    if path in ("metadata.labels", "metadata.annotations"):
        values = meta.get(path.split(".")[1]) or {}
        return "\n".join(f'{k}="{v}"' for k, v in sorted(values.items()))
    simple = {
        "metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"), "metadata.uid": meta.get("uid"),
        "spec.nodeName": spec.get("nodeName"), "spec.serviceAccountName": spec.get("serviceAccountName") or "default",
        "status.podIP": status.get("podIP"), "status.hostIP": status.get("hostIP"),
        "status.podIPs": status.get("podIP"), "status.hostIPs": status.get("hostIP"),
    }
    return str(simple.get(path) or "")


def _resource(container: Obj, ref: Obj) -> str:
    from kubeviz.apiserver.quantity import QuantityError, to_int

    kind, _, name = str(ref.get("resource", "")).partition(".")
    value = ((container.get("resources") or {}).get(kind) or {}).get(name)
    if value is None:
        return "0"
    divisor = str(ref.get("divisor") or "1")
    try:
        if name == "cpu":
            millis = to_int(str(value)) if not str(value).endswith("m") else int(str(value)[:-1])
            millis = millis * 1000 if not str(value).endswith("m") else millis
            div = int(divisor[:-1]) if divisor.endswith("m") else int(divisor) * 1000
            return str(-(-millis // div))
        return str(-(-to_int(str(value)) // to_int(divisor)))
    except (QuantityError, ValueError, ZeroDivisionError):
        return "0"


def _service_env(services: list[Obj]) -> dict[str, str]:
    """``<NAME>_SERVICE_HOST``, ``<NAME>_SERVICE_PORT``, ``<NAME>_PORT_<port>_TCP…`` for each
    Service with a cluster IP (what the kubelet injects; enableServiceLinks)."""
    env: dict[str, str] = {}
    for svc in sorted(services, key=lambda s: s["metadata"]["name"]):
        spec = svc.get("spec") or {}
        ip = spec.get("clusterIP")
        ports = spec.get("ports") or []
        if ip in (None, "", "None") or not ports:
            continue
        name = svc["metadata"]["name"].upper().replace("-", "_")
        first = ports[0]
        env[f"{name}_SERVICE_HOST"] = ip
        env[f"{name}_SERVICE_PORT"] = str(first.get("port"))
        for p in ports:
            proto = str(p.get("protocol") or "TCP")
            if p.get("name"):
                env[f"{name}_SERVICE_PORT_{p['name'].upper().replace('-', '_')}"] = str(p.get("port"))
            prefix = f"{name}_PORT_{p.get('port')}_{proto}"
            env[prefix] = f"{proto.lower()}://{ip}:{p.get('port')}"
            env[f"{prefix}_PROTO"] = proto.lower()
            env[f"{prefix}_PORT"] = str(p.get("port"))
            env[f"{prefix}_ADDR"] = ip
        env[f"{name}_PORT"] = f"{str(first.get('protocol') or 'TCP').lower()}://{ip}:{first.get('port')}"
    return env


def environment(pod: Obj, container: Obj, services: list[Obj] | None = None) -> dict[str, str]:
    """The process's environment: Service variables first, then the container's own, which win."""
    spec = pod.get("spec") or {}
    env: dict[str, str] = {}
    if services is not None and spec.get("enableServiceLinks", True) is not False:
        env.update(_service_env(services))
    elif services is not None:
        env.update(_service_env([s for s in services if s["metadata"]["name"] == "kubernetes"]))
    env["HOSTNAME"] = _hostname(pod)
    for item in container.get("env") or []:
        if not isinstance(item, dict) or "name" not in item:
            continue
        value_from = item.get("valueFrom") or {}
        if "fieldRef" in value_from:
            env[item["name"]] = _field(pod, str((value_from["fieldRef"] or {}).get("fieldPath", "")))
        elif "resourceFieldRef" in value_from:
            env[item["name"]] = _resource(container, value_from["resourceFieldRef"] or {})
        elif "value" in item or not value_from:
            env[item["name"]] = _expand_refs(str(item.get("value") or ""), env)
    return env


def _expand_refs(value: str, env: dict[str, str]) -> str:
    """``$(VAR)`` in an env value names an earlier variable (``$$`` escapes)."""
    if "$(" not in value:
        return value
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)),
                  value)


def _hostname(pod: Obj) -> str:
    spec = pod.get("spec") or {}
    return str(spec.get("hostname") or (pod.get("metadata") or {}).get("name") or "")


def _decoded(plural: str, obj: Obj) -> dict[str, str]:
    data = {k: str(v) for k, v in (obj.get("data") or {}).items()}
    if plural == "secrets":
        out = {}
        for key, value in data.items():
            try:
                out[key] = base64.b64decode(value).decode("utf-8", "replace")
            except (ValueError, binascii.Error):
                out[key] = ""
        return out
    return data


def _volume_files(pod: Obj, volume: Obj, lookup: Lookup | None) -> dict[str, str] | None:
    """A volume's files, relative to its root; None for a volume that is an empty directory."""
    namespace = (pod.get("metadata") or {}).get("namespace") or "default"
    for key, plural, name_key in (("configMap", "configmaps", "name"), ("secret", "secrets", "secretName")):
        source = volume.get(key)
        if isinstance(source, dict):
            obj = lookup(plural, namespace, str(source.get(name_key) or "")) if lookup else None
            return _items(_decoded(plural, obj) if obj else {}, source.get("items"))
    if isinstance(volume.get("downwardAPI"), dict):
        return {i.get("path", ""): _field(pod, str((i.get("fieldRef") or {}).get("fieldPath", "")))
                for i in volume["downwardAPI"].get("items") or []}
    if isinstance(volume.get("projected"), dict):
        files: dict[str, str] = {}
        for source in volume["projected"].get("sources") or []:
            if "serviceAccountToken" in source:
                files[(source["serviceAccountToken"] or {}).get("path", "token")] = _token(pod)
            else:
                files.update(_volume_files(pod, source, lookup) or {})
        return files
    return None


def _items(data: dict[str, str], items: list[Obj] | None) -> dict[str, str]:
    if not items:
        return data
    return {str(i.get("path") or i.get("key")): data[i["key"]] for i in items if i.get("key") in data}


def _token(pod: Obj) -> str:
    meta = pod.get("metadata") or {}
    return "eyJhbGciOiJSUzI1NiJ9.kubeviz-simulated-token." + str(meta.get("uid", ""))[:8]


def container_context(pod: Obj, container: Obj, *, lookup: Lookup | None = None, services: list[Obj] | None = None,
                      network: Network | None = None, started: datetime | None = None,
                      token: Callable[[Obj], str | None] | None = None,
                      stored: Callable[[Obj], dict[str, str] | None] | None = None) -> Context:
    """The context the container's commands run in (a fresh filesystem each time, but for
    what ``stored(volume)`` gives of a volume that outlives pods). ``token`` gives the pod's
    projected ServiceAccount token, as the kubelet asks the API server for one (a
    placeholder without it)."""
    meta = pod.get("metadata") or {}
    namespace = meta.get("namespace") or "default"
    hostname = _hostname(pod)
    ref = resolve(str(container.get("image", "")))
    files = dict(ref.image.files) if ref.image else {}
    ip = (pod.get("status") or {}).get("podIP") or "127.0.0.1"
    subdomain = (pod.get("spec") or {}).get("subdomain")
    fqdn = f"{hostname}.{subdomain}.{namespace}.svc.{CLUSTER_DOMAIN}" if subdomain else ""
    files["/etc/hostname"] = hostname + "\n"
    files["/etc/hosts"] = f"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n{ip}\t{fqdn + '	' if fqdn else ''}{hostname}\n"
    files["/etc/resolv.conf"] = (f"search {namespace}.svc.{CLUSTER_DOMAIN} svc.{CLUSTER_DOMAIN} {CLUSTER_DOMAIN}\n"
                                 f"nameserver {NAMESERVER}\noptions ndots:5\n")
    readonly: list[str] = []
    if (pod.get("spec") or {}).get("automountServiceAccountToken", True) is not False:
        files[f"{TOKEN_DIR}/token"] = (token(pod) if token else None) or _token(pod)
        files[f"{TOKEN_DIR}/namespace"] = namespace
        files[f"{TOKEN_DIR}/ca.crt"] = "-----BEGIN CERTIFICATE-----\n(kubeviz: simulated cluster CA)\n-----END CERTIFICATE-----\n"
        readonly.append(TOKEN_DIR)
    volumes = {v.get("name"): v for v in (pod.get("spec") or {}).get("volumes") or [] if isinstance(v, dict)}
    dirs: list[str] = []
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(mount.get("name"))
        if volume is None:
            continue
        target = posixpath.normpath(str(mount.get("mountPath") or "/"))
        content = _volume_files(pod, volume, lookup)
        sub = str(mount.get("subPath") or "")
        if content is None:
            dirs.append(target)
            kept = stored(volume) if stored is not None else None
            for rel, text in (kept or {}).items():
                if not sub or rel.startswith(sub.rstrip("/") + "/"):
                    files[posixpath.join(target, rel[len(sub.rstrip("/")) + 1:] if sub else rel)] = text
        elif sub:
            if sub in content:
                files[target] = content[sub]
            else:
                dirs.append(target)
        else:
            dirs.append(target)
            for rel, text in content.items():
                files[posixpath.join(target, rel)] = text
        if mount.get("readOnly") or content is not None:
            readonly.append(target)
    fs = Fs(files, readonly=tuple(readonly))
    for d in dirs:
        fs.mkdir(d, parents=True)
    return Context(fs=fs, env=environment(pod, container, services), hostname=hostname,
                   network=network or NoNetwork(), user=ref.image.user if ref.image else "root", started=started,
                   cwd=str(container.get("workingDir") or "/"), stdin_open=bool(container.get("stdin")),
                   image=str(ref.image.repository if ref.image else "") + ":" + ref.tag)
