"""Server-side apply and managedFields: create, update, conflict, force, the move from
client-side apply, and Update operations by other managers (kubectl and HTTP)."""
from __future__ import annotations

import json

import pytest

from tests.liveserver import kubectl_version_binary

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
"""


@pytest.fixture(scope="module")
def kv(live_server_kv):
    return live_server_kv.new_cluster()


def _managers(kv, name: str) -> dict[tuple[str, str], dict]:
    obj = json.loads(kv.kubectl("get", "deploy", name, "-o", "json", "--show-managed-fields").stdout)
    return {(e["manager"], e["operation"]): e for e in obj["metadata"]["managedFields"]}


def _write(tmp_path, name: str, replicas: int) -> str:
    path = tmp_path / f"{name}-{replicas}.yaml"
    path.write_text(DEPLOY.format(name=name, replicas=replicas))
    return str(path)


@pytest.mark.kubectl
@pytest.mark.parametrize("binary", ["kubectl.1.27", "kubectl.1.33"])
def test_create_then_update_by_apply(kv, tmp_path, binary):
    if kubectl_version_binary(binary) is None:
        pytest.skip(f"{binary} is not on PATH")
    name = "ssa-" + binary.split(".", 1)[1].replace(".", "-")
    out = kv.kubectl_as(binary, "apply", "--server-side", "-f", _write(tmp_path, name, 2)).stdout
    assert out.strip() == f"deployment.apps/{name} serverside-applied"
    entry = _managers(kv, name)[("kubectl", "Apply")]
    assert (entry["apiVersion"], entry["fieldsType"]) == ("apps/v1", "FieldsV1")
    assert "f:replicas" in entry["fieldsV1"]["f:spec"]
    containers = entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert containers == {'k:{"name":"nginx"}': {".": {}, "f:image": {}, "f:name": {}}}
    kv.kubectl_as(binary, "apply", "--server-side", "-f", _write(tmp_path, name, 4))
    assert kv.kubectl("get", "deploy", name, "-o", "jsonpath={.spec.replicas}").stdout == "4"


@pytest.mark.kubectl
def test_conflict_force_and_update_managers(kv, tmp_path, kubectl_bin):
    name = "conflict"
    kv.kubectl("apply", "-f", _write(tmp_path, name, 2))  # client-side apply: an Update
    assert ("kubectl-client-side-apply", "Update") in _managers(kv, name)
    r = kv.kubectl("apply", "--server-side", "--field-manager=ops", "-f", _write(tmp_path, name, 3), check=False)
    assert r.returncode != 0
    assert ('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas'
            in r.stderr), r.stderr
    assert kv.kubectl("get", "deploy", name, "-o", "jsonpath={.spec.replicas}").stdout == "2"
    kv.kubectl("apply", "--server-side", "--field-manager=ops", "--force-conflicts", "-f", _write(tmp_path, name, 3))
    managers = _managers(kv, name)
    assert "f:replicas" in managers[("ops", "Apply")]["fieldsV1"]["f:spec"]
    others = [key for key, e in managers.items() if key != ("ops", "Apply") and "f:replicas" in e["fieldsV1"].get("f:spec", {})]
    assert others == []
    kv.kubectl("label", "deploy", name, "tier=web")
    assert _managers(kv, name)[("kubectl-label", "Update")]["fieldsV1"] == {"f:metadata": {"f:labels": {"f:tier": {}}}}


@pytest.mark.kubectl
def test_client_side_to_server_side_migration(kv, tmp_path, kubectl_bin):
    name = "migrate"
    kv.kubectl("apply", "-f", _write(tmp_path, name, 2))
    # kubectl moves kubectl-client-side-apply's fields to its own apply manager first.
    kv.kubectl("apply", "--server-side", "-f", _write(tmp_path, name, 5))
    assert kv.kubectl("get", "deploy", name, "-o", "jsonpath={.spec.replicas}").stdout == "5"
    managers = _managers(kv, name)
    assert "f:replicas" in managers[("kubectl", "Apply")]["fieldsV1"]["f:spec"]
    csa = managers.get(("kubectl-client-side-apply", "Update"), {}).get("fieldsV1", {})
    assert "f:replicas" not in csa.get("f:spec", {})


def test_apply_over_http_needs_a_field_manager_and_removes_what_it_no_longer_applies(kv):
    s = kv.session()
    url = f"{kv.api}/api/v1/namespaces/default/configmaps/settings"
    headers = {"Content-Type": "application/apply-patch+yaml"}
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"a": "1", "b": "2"}}
    r = s.patch(url, data=json.dumps(config), headers=headers)
    assert r.status_code == 400 and "fieldManager" in r.json()["message"]
    r = s.patch(url, data=json.dumps(config), headers=headers, params={"fieldManager": "me"})
    assert r.status_code == 201
    del config["data"]["b"]
    r = s.patch(url, data=json.dumps(config), headers=headers, params={"fieldManager": "me"})
    assert r.status_code == 200 and r.json()["data"] == {"a": "1"}
    r = s.put(url, json={**r.json(), "data": {"a": "1", "c": "3"}}, headers={"User-Agent": "my-tool/1.0"})
    entries = {e["manager"]: e for e in r.json()["metadata"]["managedFields"]}
    assert entries["my-tool"]["fieldsV1"] == {"f:data": {"f:c": {}}}
    assert entries["me"]["operation"] == "Apply"
