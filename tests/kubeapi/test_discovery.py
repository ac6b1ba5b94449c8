"""Discovery documents, as client-go reads them."""
from __future__ import annotations

import pytest


def test_version_and_legacy_discovery(kv_cluster):
    s = kv_cluster.session()
    version = s.get(f"{kv_cluster.api}/version").json()
    assert version["major"] == "1" and version["gitVersion"].startswith("v1.")
    r = s.get(f"{kv_cluster.api}/api", headers={"Accept": "application/json"})
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


AGGREGATED = "application/json;g=apidiscovery.k8s.io;v={v};as=APIGroupDiscoveryList"


@pytest.mark.parametrize("accept,version", [
    (AGGREGATED.format(v="v2") + "," + AGGREGATED.format(v="v2beta1") + ",application/json", "v2"),
    (AGGREGATED.format(v="v2beta1") + ",application/json", "v2beta1"),
])
def test_aggregated_discovery(kv_cluster, accept, version):
    s = kv_cluster.session()
    core = s.get(f"{kv_cluster.api}/api", headers={"Accept": accept})
    assert core.headers["Content-Type"] == AGGREGATED.format(v=version)
    doc = core.json()
    assert (doc["kind"], doc["apiVersion"]) == ("APIGroupDiscoveryList", f"apidiscovery.k8s.io/{version}")
    [v1] = doc["items"][0]["versions"]
    pods = next(r for r in v1["resources"] if r["resource"] == "pods")
    assert pods["responseKind"] == {"group": "", "version": "v1", "kind": "Pod"}
    assert (pods["scope"], pods["singularResource"], pods["shortNames"]) == ("Namespaced", "pod", ["po"])
    eviction = next(sub for sub in pods["subresources"] if sub["subresource"] == "eviction")
    assert eviction["responseKind"] == {"group": "policy", "version": "v1", "kind": "Eviction"}
    groups = s.get(f"{kv_cluster.api}/apis", headers={"Accept": accept}).json()
    apps = next(g for g in groups["items"] if g["metadata"]["name"] == "apps")
    deployments = next(r for r in apps["versions"][0]["resources"] if r["resource"] == "deployments")
    assert deployments["scope"] == "Namespaced" and apps["versions"][0]["freshness"] == "Current"


@pytest.mark.kubectl
@pytest.mark.parametrize("binary", ["kubectl.1.27", "kubectl.1.33"])
def test_kubectl_api_resources_from_aggregated_discovery(kv_cluster, binary):
    from tests.liveserver import kubectl_version_binary

    if kubectl_version_binary(binary) is None:
        pytest.skip(f"{binary} is not on PATH")
    out = kv_cluster.kubectl_as(binary, "api-resources", "-o", "name").stdout.split()
    assert {"pods", "deployments.apps", "jobs.batch", "leases.coordination.k8s.io"} <= set(out)
    assert kv_cluster.kubectl_as(binary, "get", "deploy", "-A", "-o", "name").returncode == 0
