"""deploy/kubernetes/: kubeviz's own production layout, applied with kubectl to a kubeviz
cluster (kubeviz simulating its own deployment); and the readiness endpoint it probes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

MANIFESTS = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"


@pytest.mark.kubectl
def test_the_manifests_apply_to_a_kubeviz_cluster(kv_cluster, kubectl_bin):
    out = kv_cluster.kubectl("apply", "-f", str(MANIFESTS)).stdout
    for created in ("configmap/kubeviz-settings", "secret/kubeviz-secrets", "deployment.apps/kubeviz-web",
                    "deployment.apps/kubeviz-worker", "service/kubeviz-web"):
        assert f"{created} created" in out, out
    deployments = json.loads(kv_cluster.kubectl("get", "deployments", "-o", "json").stdout)["items"]
    by_name = {d["metadata"]["name"]: d for d in deployments}
    assert {n: d["spec"]["replicas"] for n, d in by_name.items() if n.startswith("kubeviz-")} == {
        "kubeviz-web": 2, "kubeviz-worker": 2}
    [web] = by_name["kubeviz-web"]["spec"]["template"]["spec"]["containers"]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    service = json.loads(kv_cluster.kubectl("get", "service", "kubeviz-web", "-o", "json").stdout)
    assert service["spec"]["selector"] == by_name["kubeviz-web"]["spec"]["selector"]["matchLabels"]
    # Applying again changes nothing. (The Secret reads "configured" every time, as on a real
    # cluster: its stringData is write-only, so kubectl's three-way merge always re-sends it.)
    again = kv_cluster.kubectl("apply", "-f", str(MANIFESTS)).stdout
    for name in ("configmap/kubeviz-settings", "deployment.apps/kubeviz-web", "deployment.apps/kubeviz-worker",
                 "service/kubeviz-web"):
        assert f"{name} unchanged" in again, again


def test_readyz_answers_when_the_database_does(client):
    response = client.get("/readyz")
    assert (response.status_code, response.content) == (200, b"ok\n")


def test_readyz_is_503_without_the_database(client, monkeypatch):
    from kubeviz.web import health

    monkeypatch.setattr(health, "database_ready", lambda: False)
    assert client.get("/readyz").status_code == 503
