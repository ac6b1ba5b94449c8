"""Discovery documents, as client-go reads them."""
from __future__ import annotations

import pytest


def test_version_and_legacy_discovery(kv_cluster):
    s = kv_cluster.session()
    version = s.get(f"{kv_cluster.api}/version").json()
    assert version["major"] == "1" and version["gitVersion"].startswith("v1.")
    # Asked for aggregated discovery, we answer plain JSON so client-go falls back.
    r = s.get(f"{kv_cluster.api}/api", headers={"Accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"})
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {**r.json(), "kind": "APIVersions", "versions": ["v1"]}
    groups = s.get(f"{kv_cluster.api}/apis").json()
    assert groups["kind"] == "APIGroupList"
    assert "apps" in [g["name"] for g in groups["groups"]]


@pytest.mark.parametrize("path,resource,short,namespaced,kind", [
    ("api/v1", "pods", ["po"], True, "Pod"),
    ("api/v1", "nodes", ["no"], False, "Node"),
    ("api/v1", "services", ["svc"], True, "Service"),
    ("api/v1", "namespaces", ["ns"], False, "Namespace"),
    ("api/v1", "configmaps", ["cm"], True, "ConfigMap"),
    ("api/v1", "endpoints", ["ep"], True, "Endpoints"),
    ("api/v1", "events", ["ev"], True, "Event"),
    ("apis/apps/v1", "deployments", ["deploy"], True, "Deployment"),
    ("apis/apps/v1", "replicasets", ["rs"], True, "ReplicaSet"),
])
def test_resource_lists(kv_cluster, path, resource, short, namespaced, kind):
    doc = kv_cluster.session().get(f"{kv_cluster.api}/{path}").json()
    assert doc["kind"] == "APIResourceList"
    entry = next(r for r in doc["resources"] if r["name"] == resource)
    assert entry["shortNames"] == short
    assert entry["namespaced"] is namespaced
    assert entry["kind"] == kind
    assert {"get", "list", "create", "delete", "watch"} <= set(entry["verbs"])


def test_subresources_and_categories(kv_cluster):
    s = kv_cluster.session()
    core = {r["name"]: r for r in s.get(f"{kv_cluster.api}/api/v1").json()["resources"]}
    assert {"pods/status", "pods/binding", "pods/log", "pods/eviction"} <= set(core)
    assert core["pods"]["categories"] == ["all"]
    apps = {r["name"]: r for r in s.get(f"{kv_cluster.api}/apis/apps/v1").json()["resources"]}
    scale = apps["deployments/scale"]
    assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1", "Scale")


def test_openapi_is_absent_so_kubectl_skips_client_validation(kv_cluster):
    s = kv_cluster.session()
    assert s.get(f"{kv_cluster.api}/openapi/v3").status_code == 404
    r = s.get(f"{kv_cluster.api}/openapi/v2")
    assert r.status_code == 200 and r.content == b""


@pytest.mark.parametrize("path,kind", [
    ("version/", None),
    ("api/", "APIVersions"),
    ("api/v1/", "APIResourceList"),
    ("apis/", "APIGroupList"),
    ("apis/apps/", "APIGroup"),
    ("apis/apps/v1/", "APIResourceList"),
    ("api/v1/namespaces/default/pods/", "PodList"),
])
def test_a_trailing_slash_answers_as_without_it(kv_cluster, path, kind):
    s = kv_cluster.session()
    r = s.get(f"{kv_cluster.api}/{path}")
    assert r.status_code == 200, r.text[:200]
    without = s.get(f"{kv_cluster.api}/{path.rstrip('/')}").json()
    assert r.json().get("kind") == kind == without.get("kind")


@pytest.mark.parametrize("endpoint", ["healthz", "livez", "readyz"])
def test_health_endpoints_answer_as_kube_apiserver(kv_cluster, endpoint):
    s = kv_cluster.session()
    plain = s.get(f"{kv_cluster.api}/{endpoint}")
    assert (plain.status_code, plain.text) == (200, "ok")
    assert plain.headers["Content-Type"].startswith("text/plain")
    verbose = s.get(f"{kv_cluster.api}/{endpoint}?verbose").text.splitlines()
    assert verbose[0] == "[+]ping ok" and "[+]etcd ok" in verbose
    assert verbose[-1] == f"{endpoint} check passed"
    assert s.get(f"{kv_cluster.api}/{endpoint}/etcd").text == "ok"
    assert s.get(f"{kv_cluster.api}/{endpoint}/nonsense").status_code == 404


def test_health_needs_the_clusters_token(kv_cluster):
    import requests

    r = requests.get(f"{kv_cluster.api}/readyz", verify=False)
    assert r.status_code == 401 and r.json()["kind"] == "Status"
