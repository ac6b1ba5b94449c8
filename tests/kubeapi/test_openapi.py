"""OpenAPI v2 and v3 from the kinds' schemas: kubectl explain for every served kind."""
from __future__ import annotations

import pytest

from kubeviz.apiserver.resources import all_resources
from tests.liveserver import kubectl_version_binary

KUBECTLS = ["kubectl.1.27", "kubectl.1.33"]


@pytest.fixture(scope="module")
def kv(live_server_kv):
    return live_server_kv.new_cluster()


def _kubectl(kv, binary: str, *args: str):
    if kubectl_version_binary(binary) is None:
        pytest.skip(f"{binary} is not on PATH")
    return kv.kubectl_as(binary, *args)


def test_v3_index_points_at_each_group_version_under_the_cluster_prefix(kv):
    s = kv.session()
    paths = s.get(f"{kv.api}/openapi/v3").json()["paths"]
    assert {"api/v1", "apis/apps/v1", "apis/batch/v1"} <= set(paths)
    url = paths["apis/apps/v1"]["serverRelativeURL"]
    assert url.startswith(f"/k8s/{kv.name}/openapi/v3/apis/apps/v1?hash=")
    doc = s.get(f"{kv.server.https}{url}").json()
    deployment = doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [{"group": "apps", "kind": "Deployment", "version": "v1"}]
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]
    assert s.get(f"{kv.api}/openapi/v3/apis/nope/v1").status_code == 404


def test_v2_in_json_and_python_client(kv):
    import json

    api = kv.python_client()
    response = api.call_api("GET", f"{api.configuration.host}/openapi/v2",
                            header_params={"Accept": "application/json", **api.default_headers,
                                           "Authorization": api.configuration.auth_settings()["BearerToken"]["value"]})
    response.read()
    assert response.status == 200
    data = json.loads(response.data)
    assert data["definitions"]["io.k8s.api.core.v1.Pod"]["x-kubernetes-group-version-kind"][0]["kind"] == "Pod"
    # gnostic protobuf is not spoken: an empty body, which client-go reads as an empty document.
    r = kv.session().get(f"{kv.api}/openapi/v2", headers={"Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"})
    assert r.status_code == 200 and r.content == b""


@pytest.mark.kubectl
@pytest.mark.parametrize("binary", KUBECTLS)
def test_explain_every_served_kind(kv, binary):
    for s in all_resources():
        # kubectl explain reads "a.b.c" as a resource and a field path, so a group is named
        # with --api-version (events.events.k8s.io would be core events' field "events.k8s.io").
        args = [s.plural, f"--api-version={s.group}/{s.version}"] if s.group else [s.plural, f"--api-version={s.version}"]
        out = _kubectl(kv, binary, "explain", *args).stdout
        assert f"KIND:       {s.kind}" in out or f"KIND:     {s.kind}" in out, out
        assert "DESCRIPTION:" in out and "FIELDS:" in out


@pytest.mark.kubectl
@pytest.mark.parametrize("binary", KUBECTLS)
def test_explain_field_and_recursive(kv, binary):
    out = _kubectl(kv, binary, "explain", "deployment.spec.strategy").stdout
    assert "FIELD: strategy <DeploymentStrategy>" in out or "RESOURCE: strategy <Object>" in out, out
    assert "rollingUpdate" in out and "RollingUpdate (default) or Recreate" in out
    out = _kubectl(kv, binary, "explain", "pods.spec.containers", "--recursive").stdout
    assert "livenessProbe" in out and "httpGet" in out
