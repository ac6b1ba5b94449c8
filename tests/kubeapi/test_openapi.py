"""OpenAPI v2 and v3 from the kinds' schemas: kubectl explain for every served kind."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

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
    # Asked for gnostic protobuf (client-go's OpenAPISchema), the same definitions in that form.
    r = kv.session().get(f"{kv.api}/openapi/v2", headers={"Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/com.github.proto-openapi.spec.v2")
    assert b"io.k8s.api.batch.v1.CronJob" in r.content and b"x-kubernetes-group-version-kind" in r.content


# (resource, --api-version, a path at depth, a field kubectl must list under it): every served kind.
DEPTH = [
    ("pods", "v1", "spec.containers.livenessProbe", "periodSeconds"),
    ("services", "v1", "spec.ports", "targetPort"),
    ("configmaps", "v1", "metadata.ownerReferences", "blockOwnerDeletion"),
    ("secrets", "v1", "metadata.managedFields", "fieldsV1"),
    ("namespaces", "v1", "status", "phase"),
    ("nodes", "v1", "spec.taints", "effect"),
    ("endpoints", "v1", "subsets", "notReadyAddresses"),
    ("events", "v1", "involvedObject", "fieldPath"),
    ("podtemplates", "v1", "template.spec.containers", "imagePullPolicy"),
    ("serviceaccounts", "v1", "imagePullSecrets", "name"),
    ("persistentvolumes", "v1", "spec.nodeAffinity.required.nodeSelectorTerms", "matchExpressions"),
    ("persistentvolumeclaims", "v1", "spec.resources", "requests"),
    ("resourcequotas", "v1", "spec.scopeSelector.matchExpressions", "scopeName"),
    ("limitranges", "v1", "spec.limits", "defaultRequest"),
    ("deployments", "apps/v1", "spec.strategy.rollingUpdate", "maxSurge"),
    ("replicasets", "apps/v1", "spec.selector.matchExpressions", "operator"),
    ("statefulsets", "apps/v1", "spec.volumeClaimTemplates.spec.resources", "requests"),
    ("daemonsets", "apps/v1", "spec.template.spec.tolerations", "tolerationSeconds"),
    ("controllerrevisions", "apps/v1", "metadata.ownerReferences", "controller"),
    ("jobs", "batch/v1", "spec.template.spec", "restartPolicy"),
    ("cronjobs", "batch/v1", "spec.jobTemplate.spec.template", "spec"),
    ("horizontalpodautoscalers", "autoscaling/v2", "spec.metrics.resource.target", "averageUtilization"),
    ("horizontalpodautoscalers", "autoscaling/v1", "spec.scaleTargetRef", "apiVersion"),
    ("poddisruptionbudgets", "policy/v1", "status.conditions", "observedGeneration"),
    ("leases", "coordination.k8s.io/v1", "spec", "holderIdentity"),
    ("endpointslices", "discovery.k8s.io/v1", "metadata.labels", ""),
    ("priorityclasses", "scheduling.k8s.io/v1", "metadata.ownerReferences", "uid"),
    ("events", "events.k8s.io/v1", "regarding", "fieldPath"),
    ("storageclasses", "storage.k8s.io/v1", "allowedTopologies.matchLabelExpressions", "values"),
    ("ingresses", "networking.k8s.io/v1", "spec.rules.http.paths", "pathType"),
    ("ingressclasses", "networking.k8s.io/v1", "spec.parameters", "scope"),
    ("networkpolicies", "networking.k8s.io/v1", "spec.ingress.from", "ipBlock"),
    ("roles", "rbac.authorization.k8s.io/v1", "rules", "resourceNames"),
    ("clusterroles", "rbac.authorization.k8s.io/v1", "aggregationRule", "clusterRoleSelectors"),
    ("rolebindings", "rbac.authorization.k8s.io/v1", "subjects", "namespace"),
    ("clusterrolebindings", "rbac.authorization.k8s.io/v1", "roleRef", "apiGroup"),
    ("selfsubjectaccessreviews", "authorization.k8s.io/v1", "spec.resourceAttributes", "subresource"),
    ("subjectaccessreviews", "authorization.k8s.io/v1", "spec", "groups"),
    ("selfsubjectrulesreviews", "authorization.k8s.io/v1", "status.resourceRules", "verbs"),
    ("selfsubjectreviews", "authentication.k8s.io/v1", "status.userInfo", "username"),
    ("selfsubjectreviews", "authentication.k8s.io/v1beta1", "status.userInfo", "username"),
    ("selfsubjectreviews", "authentication.k8s.io/v1alpha1", "status.userInfo", "groups"),
    ("podmetrics", "metrics.k8s.io/v1beta1", "containers", "usage"),
    ("nodemetrics", "metrics.k8s.io/v1beta1", "metadata", "name"),
]


def test_the_explain_table_covers_every_served_kind():
    covered = {(plural, api) for plural, api, _, _ in DEPTH}
    served = {(s.plural, f"{s.group}/{s.version}" if s.group else s.version) for s in all_resources()}
    assert served <= covered


@pytest.mark.kubectl
@pytest.mark.parametrize("binary", KUBECTLS)
def test_explain_every_served_kind_at_depth(kv, binary):
    """kubectl explain through OpenAPI v3 (the default) for every kind, one nested path
    each, and v2 (--output plaintext-openapiv2, read from the gnostic protobuf) for every
    other kind, the two kubectls taking turns so that each kind is read through both."""
    if kubectl_version_binary(binary) is None:
        pytest.skip(f"{binary} is not on PATH")

    def explain(case: tuple[str, str, str, str], output: str) -> tuple[tuple, str, str]:
        plural, api, path, _ = case
        args = [f"{plural}.{path}", f"--api-version={api}", *([f"--output={output}"] if output else [])]
        r = kv.kubectl_as(binary, "explain", *args, check=False)
        return case, output, r.stdout + r.stderr

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda job: explain(*job), [(c, o) for i, c in enumerate(DEPTH) for o in ("", "plaintext-openapiv2")
                                   if not o or i % 2 == KUBECTLS.index(binary)]))
    for (plural, api, path, field), output, out in results:
        kind = next((s.kind for s in all_resources() if s.plural == plural
                     and (f"{s.group}/{s.version}" if s.group else s.version) == api), None)
        where = f"{binary} explain {plural}.{path} --api-version={api} {output}"
        assert "error" not in out.lower().split("description:")[0], f"{where}:\n{out}"
        if kind:
            assert re.search(rf"KIND:\s+{kind}\n", out), f"{where}:\n{out}"
        assert "DESCRIPTION:" in out, f"{where}:\n{out}"
        if field:
            assert re.search(rf"^\s+{field}\t<", out, re.M), f"{where}:\n{out}"


@pytest.mark.kubectl
@pytest.mark.parametrize("binary", KUBECTLS)
def test_explain_field_and_recursive(kv, binary):
    out = _kubectl(kv, binary, "explain", "deployment.spec.strategy").stdout
    assert "FIELD: strategy <DeploymentStrategy>" in out or "RESOURCE: strategy <Object>" in out, out
    assert "rollingUpdate" in out and "RollingUpdate (default) or Recreate" in out
    out = _kubectl(kv, binary, "explain", "pods.spec.containers", "--recursive").stdout
    assert "livenessProbe" in out and "httpGet" in out
    out = _kubectl(kv, binary, "explain", "ingress.spec", "--recursive").stdout
    for nested in ("rules", "http", "paths", "pathType", "service", "number", "tls", "secretName"):
        assert re.search(rf"^\s+{nested}\t<", out, re.M), out
