"""``manage.py kubeconfig`` points kubectl where the running server listens: ``--server``
first, then $HOST/$TLS_PORT, then the address ``serve`` recorded, then 127.0.0.1:8443."""
from __future__ import annotations

import io

import pytest
import yaml
from django.core.management import call_command

from kubeviz.kubeapi.kubeconfig import server_record


@pytest.mark.parametrize("recorded, env, flag, server", [
    (None, {}, None, "https://127.0.0.1:8443"),
    ({"host": "127.0.0.1", "tls_port": "9443"}, {}, None, "https://127.0.0.1:9443"),
    ({"host": "::1", "tls_port": "9443"}, {}, None, "https://[::1]:9443"),
    ({"host": "127.0.0.1", "tls_port": "9443"}, {"TLS_PORT": "7443"}, None, "https://127.0.0.1:7443"),
    ({"host": "127.0.0.1", "tls_port": "9443"}, {}, "https://kubeviz.example:6443", "https://kubeviz.example:6443"),
])
def test_kubeconfig_server(cluster, settings, tmp_path, monkeypatch, recorded, env, flag, server):
    settings.KUBEVIZ_RUN_DIR = tmp_path
    settings.KUBEVIZ_TLS_DIR = tmp_path / "tls"
    for name in ("HOST", "TLS_PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if recorded:
        server_record(**recorded)
    out = io.StringIO()
    call_command("kubeconfig", "demo", *(["--server", flag] if flag else []), stdout=out)
    config = yaml.safe_load(out.getvalue())
    assert config["clusters"][0]["cluster"]["server"] == f"{server}/k8s/demo"


def test_a_damaged_record_falls_back_to_the_default(cluster, settings, tmp_path, monkeypatch):
    settings.KUBEVIZ_RUN_DIR = tmp_path
    settings.KUBEVIZ_TLS_DIR = tmp_path / "tls"
    for name in ("HOST", "TLS_PORT"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "server.json").write_text("{not json")
    out = io.StringIO()
    call_command("kubeconfig", "demo", stdout=out)
    assert yaml.safe_load(out.getvalue())["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:8443/k8s/demo"
