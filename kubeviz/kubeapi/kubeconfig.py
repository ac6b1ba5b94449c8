"""The kubeconfig for one cluster: its HTTPS /k8s/<name> URL, CA and bearer token."""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import yaml
from django.conf import settings

from kubeviz.apiserver.tokens import cluster_token
from kubeviz.clusters.models import Cluster

from .tls import tls_ensure


def _record_path() -> Path:
    return Path(settings.KUBEVIZ_RUN_DIR) / "server.json"


def server_record(*, host: str, tls_port: str) -> None:
    """Note where ``serve`` listens, for ``kubeconfig`` run from another shell."""
    path = _record_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"host": host, "tls_port": str(tls_port)}))
    tmp.replace(path)


def _recorded() -> dict[str, str]:
    try:
        found = json.loads(_record_path().read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def default_server() -> str:
    """Where kubectl should go: $HOST and $TLS_PORT when set, else where the running
    ``serve`` recorded it listens, else 127.0.0.1:8443."""
    recorded = _recorded()
    host = os.environ.get("HOST") or str(recorded.get("host") or "127.0.0.1")
    port = os.environ.get("TLS_PORT") or str(recorded.get("tls_port") or "8443")
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"https://{host}:{port}"


def kubeconfig_render(cluster: Cluster, server: str | None = None) -> str:
    server = server or default_server()
    name = f"kubeviz-{cluster.name}"
    entry: dict = {"server": f"{server.rstrip('/')}/k8s/{cluster.name}"}
    if server.startswith("https://"):
        files = tls_ensure(settings.KUBEVIZ_TLS_DIR, [os.environ.get("HOST", "127.0.0.1")])
        entry["certificate-authority-data"] = base64.b64encode(files.ca_cert.read_bytes()).decode()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": entry}],
        "users": [{"name": name, "user": {"token": cluster_token(cluster)}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name, "namespace": "default"}}],
        "current-context": name,
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)
