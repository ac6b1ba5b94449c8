"""Bad input of every kind: a clear Status, and nothing written (no revision, no step 2)."""
from __future__ import annotations

import json

import pytest
import requests

DEPLOY = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
    },
}


def _no_writes(cluster, revision: int, seq: int) -> None:
    assert cluster.revision() == revision
    assert [s for s in cluster.steps(seq) if s["step"] != 1] == []


@pytest.mark.parametrize("body,content_type,code,reason,needle", [
    ('{"apiVersion": "apps/v1", "kind": ', "application/json", 400, "BadRequest", "line 1, column 35"),
    ("metadata:\n  name: [web\n", "application/yaml", 400, "BadRequest", "line 3"),
    ("a: &x [1]\nb: *x\n", "application/yaml", 400, "BadRequest", "anchors are not allowed"),
    ("[" * 200 + "]" * 200, "application/json", 400, "BadRequest", "nesting deeper than"),
    ('{"metadata": {"name": "web"}, "spec": "oops"}', "application/json", 400, "BadRequest", "spec"),
    ('{"metadata": {"name": "web"}}', "text/plain", 415, "UnsupportedMediaType", "unknown format"),
])
def test_malformed_bodies(kv_cluster, body, content_type, code, reason, needle):
    revision, seq = kv_cluster.revision(), kv_cluster.last_seq()
    r = kv_cluster.session().post(
        f"{kv_cluster.api}/apis/apps/v1/namespaces/default/deployments", data=body.encode(),
        headers={"Content-Type": content_type},
    )
    assert r.status_code == code
    status = r.json()
    assert (status["kind"], status["status"], status["reason"], status["code"]) == ("Status", "Failure", reason, code)
    assert needle in status["message"]
    _no_writes(kv_cluster, revision, seq)


@pytest.mark.parametrize("chunked", [False, True])
def test_body_over_3_mib_is_413_before_parsing(kv_cluster, chunked):
    revision, seq = kv_cluster.revision(), kv_cluster.last_seq()
    big = b'{"metadata": {"name": "x"}, "data": {"k": "' + b"a" * (3 * 1024 * 1024) + b'"}}'
    data = iter([big[i:i + 65536] for i in range(0, len(big), 65536)]) if chunked else big
    r = kv_cluster.session().post(
        f"{kv_cluster.api}/api/v1/namespaces/default/configmaps", data=data, headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["reason"] == "RequestEntityTooLarge"
    _no_writes(kv_cluster, revision, seq)


def test_invalid_object_is_422_with_causes(kv_cluster):
    revision, seq = kv_cluster.revision(), kv_cluster.last_seq()
    bad = json.loads(json.dumps(DEPLOY))
    bad["metadata"]["name"] = "Web_1"
    bad["spec"]["replicas"] = -1
    bad["spec"]["template"]["spec"]["containers"][0]["image"] = ""
    r = kv_cluster.session().post(f"{kv_cluster.api}/apis/apps/v1/namespaces/default/deployments", json=bad)
    assert r.status_code == 422
    status = r.json()
    assert status["reason"] == "Invalid"
    assert status["message"].startswith('Deployment.apps "Web_1" is invalid: [')
    fields = {(c["field"], c["reason"]) for c in status["details"]["causes"]}
    assert {
        ("metadata.name", "FieldValueInvalid"),
        ("spec.replicas", "FieldValueInvalid"),
        ("spec.template.spec.containers[0].image", "FieldValueRequired"),
    } <= fields
    _no_writes(kv_cluster, revision, seq)
    refused = [s for s in kv_cluster.steps(seq) if s["step"] == 1 and s["action"] == "create"]
    assert len(refused) == 1 and "refused with 422 Invalid" in refused[0]["message"]


@pytest.mark.parametrize("path,code", [
    ("/api/v1/namespaces/default/widgets", 404),
    ("/apis/example.com/v1/namespaces/default/widgets", 404),
    ("/api/v1/namespaces/nowhere/configmaps", 404),
])
def test_unknown_resource_or_namespace_is_404(kv_cluster, path, code):
    revision, seq = kv_cluster.revision(), kv_cluster.last_seq()
    r = kv_cluster.session().post(f"{kv_cluster.api}{path}", json={"metadata": {"name": "x"}})
    assert r.status_code == code
    assert r.json()["kind"] == "Status" and r.json()["reason"] == "NotFound"
    _no_writes(kv_cluster, revision, seq)


def test_too_many_documents_and_no_tracebacks(kv_cluster):
    body = "\n---\n".join(f"a: {i}" for i in range(150))
    r = kv_cluster.session().post(
        f"{kv_cluster.api}/api/v1/namespaces/default/configmaps", data=body, headers={"Content-Type": "application/yaml"},
    )
    assert r.status_code == 400
    assert "Traceback" not in r.text


def test_unauthenticated_request_is_401_status(kv_cluster):
    r = requests.post(
        f"{kv_cluster.api}/apis/apps/v1/namespaces/default/deployments", json=DEPLOY, verify=str(kv_cluster.server.ca),
    )
    assert r.status_code == 401
    assert r.json()["reason"] == "Unauthorized"
