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


def _status(r, code: int, reason: str) -> dict:
    assert r.status_code == code, r.text
    status = r.json()
    assert (status["kind"], status["status"], status["reason"], status["code"]) == ("Status", "Failure", reason, code)
    return status


def _chunks(body: bytes):
    yield from (body[i:i + 7] for i in range(0, len(body), 7))


CM = "/api/v1/namespaces/default/configmaps"
DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
WATCH = {"watch": "1"}


def _deploy(**spec) -> bytes:
    body = json.loads(json.dumps(DEPLOY))
    body["spec"].update(spec)
    return json.dumps(body).encode()


def _pod_spec(**fields) -> bytes:
    body = json.loads(json.dumps(DEPLOY))
    body["spec"]["template"]["spec"].update(fields)
    return json.dumps(body).encode()


# (method, path, query, body, content type, code, reason, text in the message, cause field)
HOSTILE = [
    ("POST", CM, {}, b'{"metadata":{"name":"s"},"data":{"a":"\\ud800"}}', "application/json", 400, "BadRequest", "lone UTF-16 surrogate", None),
    ("POST", CM, {}, b'{"metadata":{"name":"s"},"data":{"\\udc00":"a"}}', "application/json", 400, "BadRequest", "lone UTF-16 surrogate", None),
    ("POST", CM, {}, b'metadata: {name: s}\ndata: {a: "\\ud800"}\n', "application/yaml", 400, "BadRequest", "lone UTF-16 surrogate", None),
    ("POST", CM, {}, b'{"metadata": "x"}', "application/json", 400, "BadRequest", "cannot unmarshal string into Go struct field ConfigMap.metadata", None),
    ("POST", CM, {}, b'{"metadata": ["x"]}', "application/json", 400, "BadRequest", "cannot unmarshal array", None),
    ("POST", CM, {}, b'{"metadata": {"name": "a", "labels": 5}}', "application/json", 400, "BadRequest", "cannot unmarshal number", None),
    ("POST", DEPLOYS, {}, b'{"metadata": {"name": "a"}, "spec": []}', "application/json", 400, "BadRequest", "cannot unmarshal array", None),
    ("GET", "/api/v1/pods", {"limit": "1", "continue": "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MWU5OTksInN0YXJ0IjoieCJ9"},
     None, None, 400, "BadRequest", "continue key is not valid", None),
    ("GET", CM, {**WATCH, "resourceVersion": "99999999999999999999999"}, None, None, 422, "Invalid", "value out of range", "resourceVersion"),
    ("GET", CM, {**WATCH, "resourceVersion": "abc"}, None, None, 422, "Invalid", "invalid syntax", "resourceVersion"),
    ("POST", CM, {}, b"x", "multipart/form-data", 400, "BadRequest", "malformed HTTP", None),
    ("PATCH", CM + "/kube-root-ca.crt", {}, b'{"data":{}}', "", 415, "UnsupportedMediaType", "", None),
    ("POST", DEPLOYS, {}, _deploy(replicas=2147483648), "application/json", 400, "BadRequest",
     "cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32", None),
    ("POST", DEPLOYS, {}, _deploy(replicas=10**30), "application/json", 400, "BadRequest", "of type int32", None),
    ("POST", DEPLOYS, {}, _deploy(revisionHistoryLimit=-2147483649), "application/json", 400, "BadRequest", "spec.revisionHistoryLimit of type int32", None),
    ("POST", DEPLOYS, {}, _pod_spec(terminationGracePeriodSeconds=2**63), "application/json", 400, "BadRequest",
     "PodSpec.spec.template.spec.terminationGracePeriodSeconds of type int64", None),
    ("POST", DEPLOYS, {}, _pod_spec(containers=[{"name": "c", "image": "nginx", "ports": [{"containerPort": 2**31}]}]),
     "application/json", 400, "BadRequest", "ContainerPort.spec.template.spec.containers.ports.containerPort of type int32", None),
    ("POST", CM, {}, b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n" + b"".join(b"  k%d: x\n" % i for i in range(60000)),
     "application/yaml", 400, "BadRequest", "not valid YAML: document 1: ", None),
]


@pytest.mark.parametrize("method,path,query,body,content_type,code,reason,needle,field", HOSTILE)
@pytest.mark.parametrize("chunked", [False, True])
def test_hostile_input_is_a_status_and_writes_nothing(kv_cluster, method, path, query, body, content_type, code, reason, needle, field, chunked):
    if chunked and body is None:
        pytest.skip("no body to send in chunks")
    revision, seq = kv_cluster.revision(), kv_cluster.last_seq()
    headers = {"Content-Type": content_type} if content_type is not None else {}
    data = _chunks(body) if chunked and body is not None else body
    r = kv_cluster.session().request(method, f"{kv_cluster.api}{path}", params=query, data=data, headers=headers, timeout=30)
    status = _status(r, code, reason)
    assert needle in status["message"]
    if field:
        assert [c["field"] for c in status["details"]["causes"]] == [field]
    _no_writes(kv_cluster, revision, seq)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_url_longer_than_the_server_reads_is_414(kv_cluster, scheme):
    revision = kv_cluster.revision()
    base = kv_cluster.server.http if scheme == "http" else kv_cluster.server.https
    r = kv_cluster.session().get(f"{base}/k8s/{kv_cluster.name}/api/v1/pods", params={"labelSelector": "a" * 20000}, timeout=30)
    _status(r, 414, "RequestURITooLong")
    assert kv_cluster.revision() == revision


def test_chunked_bodies_are_read_whole(kv_cluster):
    s = kv_cluster.session()
    json_type = {"Content-Type": "application/json"}
    r = s.post(f"{kv_cluster.api}{CM}", data=_chunks(b'{"metadata":{"name":"chunked"},"data":{"a":"1"}}'), headers=json_type)
    assert r.status_code == 201, r.text
    r = s.patch(f"{kv_cluster.api}{CM}/chunked", data=_chunks(b'{"data":{"a":"2"}}'),
                headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200 and r.json()["data"] == {"a": "2"}
    revision = kv_cluster.revision()
    r = s.delete(f"{kv_cluster.api}{CM}/chunked", data=_chunks(b'{"kind":"DeleteOptions","apiVersion":"v1","dryRun":["All"]}'), headers=json_type)
    assert r.status_code == 200
    assert kv_cluster.revision() == revision
    assert s.get(f"{kv_cluster.api}{CM}/chunked").json()["data"] == {"a": "2"}


def test_negative_limit_lists_everything(kv_cluster):
    s = kv_cluster.session()
    for name in ("a", "b"):
        assert s.post(f"{kv_cluster.api}{CM}", json={"metadata": {"name": name}}).status_code == 201
    r = s.get(f"{kv_cluster.api}{CM}", params={"limit": "-1"})
    assert r.status_code == 200
    assert {"a", "b"} <= {i["metadata"]["name"] for i in r.json()["items"]}
    assert "continue" not in r.json()["metadata"]


def test_a_stored_surrogate_is_answered_escaped(cluster):
    """A value written before surrogates were refused still lists, gets and tables."""
    from rest_framework.test import APIClient

    from kubeviz.apiserver import registry
    from kubeviz.apiserver.resources import by_plural
    from kubeviz.apiserver.tokens import cluster_token

    registry.create(cluster, by_plural("configmaps"), "default", {"metadata": {"name": "old"}, "data": {"k": "\ud800"}})
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {cluster_token(cluster)}")
    base = f"/k8s/{cluster.name}/api/v1"
    table = "application/json;as=Table;v=v1;g=meta.k8s.io"
    for path, accept in [(f"{base}/namespaces/default/configmaps/old", ""), (f"{base}/namespaces/default/configmaps", ""),
                         (f"{base}/configmaps", ""), (f"{base}/configmaps?includeObject=Object", table)]:
        r = client.get(path, HTTP_ACCEPT=accept) if accept else client.get(path)
        assert r.status_code == 200
        assert b'"k":"\\ud800"' in r.content
