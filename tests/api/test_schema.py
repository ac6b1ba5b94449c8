"""The REST API's contract as its OpenAPI document states it: security schemes, the one
error body, 405 for undeclared methods, and action enums that match what is dispatched."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

ERROR_REF = "#/components/schemas/Status"


@pytest.fixture
def schema(client) -> dict:
    r = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    return r.json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            yield path, method, op


def test_security_schemes_are_declared(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["clusterToken"] == {**schemes["clusterToken"], "type": "http", "scheme": "bearer"}
    assert (schemes["csrfHeader"]["in"], schemes["csrfHeader"]["name"]) == ("header", "X-CSRFToken")
    assert (schemes["csrfCookie"]["in"], schemes["csrfCookie"]["name"]) == ("cookie", "csrftoken")
    assert schemes["cookieAuth"]["in"] == "cookie"
    assert schemes["personalToken"] == {**schemes["personalToken"], "type": "http", "scheme": "bearer"}
    session = {"cookieAuth": [], "csrfCookie": [], "csrfHeader": []}
    for path, method, op in operations(schema):
        token = [{"clusterToken": []}] if "{cluster}" in path else []
        if path.startswith("/api/tokens/"):  # a token cannot manage tokens: session only
            assert op["security"] == ([{"cookieAuth": []}] if method == "get" else [session]), path
            continue
        token.append({"personalToken": []})
        # Attempts, exams, sittings and classes are someone's: no anonymous read (401 without credentials).
        anonymous = [] if path.startswith(("/api/attempts", "/api/exams", "/api/sittings", "/api/classes")) else [{}]
        if method in ("get", "head"):
            assert op["security"] == [*token, {"cookieAuth": []}, *anonymous], path
        else:
            assert op["security"] == [*token, session], path


def test_every_operation_documents_its_errors_with_the_one_body(schema):
    for path, method, op in operations(schema):
        if "{cluster}" not in path:
            continue
        codes = {"401", "404"} if method == "get" else {"400", "401", "403", "404", "409", "422"}
        assert codes <= set(op["responses"]), (method, path)
        for code, response in op["responses"].items():
            if code >= "400":
                assert response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}, (method, path, code)
    status = schema["components"]["schemas"]["Status"]
    assert {"kind", "apiVersion", "status", "message", "reason", "code"} <= set(status["required"])


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/api/clusters/demo/reset/"),
    ("put", "/api/clusters/demo/clock/"),
    ("delete", "/api/clusters/demo/nodes/"),
    ("get", "/api/clusters/demo/token/rotate/"),
    ("patch", "/api/clusters/demo/nodes/node-1/cordon/"),
    ("put", "/api/clusters/"),
    ("put", "/api/templates/"),
])
def test_undeclared_methods_are_405_before_any_credential_check(cluster, method, url):
    r = getattr(APIClient(enforce_csrf_checks=True), method)(url)
    assert r.status_code == 405
    assert r.json()["reason"] == "MethodNotAllowed" and method.upper() not in r["Allow"]


def _enum(op: dict, name: str) -> list[str]:
    return next(p["schema"]["enum"] for p in op["parameters"] if p["name"] == name)


@pytest.mark.parametrize(("path", "url", "param"), [
    ("/api/clusters/{cluster}/nodes/{name}/{action}/", "/api/clusters/demo/nodes/node-1/{}/", "action"),
    ("/api/clusters/{cluster}/pods/{namespace}/{name}/{action}/", "/api/clusters/demo/pods/default/nope/{}/", "action"),
    ("/api/clusters/{cluster}/components/{component}/{action}/", "/api/clusters/demo/components/scheduler/{}/", "action"),
    ("/api/clusters/{cluster}/components/{component}/{action}/", "/api/clusters/demo/components/{}/stop/", "component"),
])
def test_actions_are_enums_and_others_are_refused_with_the_documented_body(schema, cluster, api_client, path, url, param):
    values = _enum(schema["paths"][path]["post"], param)
    assert values
    api = api_client
    for value in values:  # every listed value is dispatched (a missing pod is the API server's 404)
        body = api.post(url.format(value)).json()
        assert not body.get("message", "").startswith("unknown"), (value, body)
    r = api.post(url.format("explode"))
    body = r.json()
    assert r.status_code == 404 and body["kind"] == "Status" and body["reason"] == "NotFound"
    assert body["message"].startswith("unknown ") and '"explode": one of ' in body["message"]
    assert all(v in body["message"] for v in values)


def test_field_errors_name_their_fields(cluster, api_client):
    r = api_client.post("/api/clusters/demo/clock/", {"mode": "warp", "speed": 500}, format="json")
    body = r.json()
    assert r.status_code == 400 and body["reason"] == "BadRequest"
    assert sorted(c["field"] for c in body["details"]["causes"]) == ["mode", "speed"]


def test_the_docs_page_loads_nothing_from_another_host(client):
    """Swagger UI comes from the vendored sidecar package: /api/docs/ works offline."""
    import re

    from django.contrib.staticfiles import finders

    r = client.get("/api/docs/")
    assert r.status_code == 200
    page = r.content.decode()
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page)
    refs += re.findall(r"""["'](https?://[^"']+|//[^"']+)["']""", page)
    assert any("swagger-ui" in ref for ref in refs), refs
    assert [ref for ref in refs if re.match(r"^(https?:)?//", ref)] == []
    for ref in refs:
        if ref.startswith("/static/"):
            assert finders.find(ref.removeprefix("/static/")), ref
