"""The kubeconfig for one cluster: its HTTPS /k8s/<name> URL, CA and bearer token."""
from __future__ import annotations

import base64
import os

import yaml
from django.conf import settings

from kubeviz.apiserver.tokens import cluster_token
from kubeviz.etcd.models import Cluster

from .tls import tls_ensure


def default_server() -> str:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("TLS_PORT", "8443")
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
