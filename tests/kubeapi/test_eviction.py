"""POST …/pods/<name>/eviction (policy/v1 Eviction) and ``kubectl drain``.

An eviction is a graceful delete with the Eviction's deleteOptions, unless the pod's
PodDisruptionBudget allows no disruption now (429).
"""
from __future__ import annotations

import pytest
import requests
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from tests.liveserver import wait_for


def create_pod(handle, name: str, **spec) -> dict:
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}], **spec}}
    r = handle.session().post(f"{handle.api}/api/v1/namespaces/default/pods", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def get_pod(handle, name: str) -> requests.Response:
    return handle.session().get(f"{handle.api}/api/v1/namespaces/default/pods/{name}")


def evict(handle, name: str, body: dict | None = None, **params) -> requests.Response:
    if body is None:
        body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": "default"}}
    return handle.session().post(f"{handle.api}/api/v1/namespaces/default/pods/{name}/eviction", json=body, params=params)


@pytest.fixture(scope="module")
def still(live_server_kv):
    """A cluster without an engine: pods stay as the API server leaves them."""
    return live_server_kv.new_cluster("evict")


@pytest.fixture(scope="module")
def live(live_engine_server):
    handle = live_engine_server.new_cluster("drain")
    r = requests.post(f"{live_engine_server.http}/api/clusters/{handle.name}/clock/", json={"mode": "live", "speed": 10},
                      headers={"Authorization": f"Bearer {handle.token}"})
    r.raise_for_status()
    return handle


def test_discovery_lists_the_eviction_subresource(still):
    resources = still.session().get(f"{still.api}/api/v1").json()["resources"]
    eviction = next(r for r in resources if r["name"] == "pods/eviction")
    assert (eviction["kind"], eviction["group"], eviction["version"], eviction["verbs"]) == ("Eviction", "policy", "v1", ["create"])


def test_evicting_a_bound_pod_deletes_it_gracefully_with_the_eviction_delete_options(still):
    create_pod(still, "graceful", nodeName="node-1")
    create_pod(still, "at-once", nodeName="node-1")
    after = still.last_seq()
    r = evict(still, "graceful")
    assert r.status_code == 201, r.text
    assert (r.json()["kind"], r.json()["status"]) == ("Status", "Success")
    pod = get_pod(still, "graceful").json()
    assert pod["metadata"]["deletionTimestamp"] and pod["metadata"]["deletionGracePeriodSeconds"] == 30
    body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "at-once"},
            "deleteOptions": {"gracePeriodSeconds": 0}}
    assert evict(still, "at-once", body).status_code == 201
    assert get_pod(still, "at-once").status_code == 404
    steps = [(s["step"], s["action"]) for s in still.steps(after) if s["step"] == 1 or s["target"] == "etcd"]
    # Marking for deletion is not a create: stored unnumbered.
    assert steps[:2] == [(1, "create"), (None, "terminate")]


def test_python_client_evicts(still):
    create_pod(still, "by-client")
    api = k8s.CoreV1Api(still.python_client())
    body = k8s.V1Eviction(metadata=k8s.V1ObjectMeta(name="by-client", namespace="default"))
    api.create_namespaced_pod_eviction("by-client", "default", body)
    # Not bound to a node: nothing has to stop, so it is gone at once.
    assert get_pod(still, "by-client").status_code == 404
    with pytest.raises(ApiException) as missing:
        api.create_namespaced_pod_eviction("by-client", "default", body)
    assert missing.value.status == 404


def test_a_dry_run_eviction_changes_nothing(still):
    create_pod(still, "dry", nodeName="node-2")
    assert evict(still, "dry", dryRun="All").status_code == 201
    body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "dry"}, "deleteOptions": {"dryRun": ["All"]}}
    assert evict(still, "dry", body).status_code == 201
    assert "deletionTimestamp" not in get_pod(still, "dry").json()["metadata"]


@pytest.mark.parametrize("name,body,code,reason,message", [
    ("victim", {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "other"}}, 400, "BadRequest",
     "name in URL does not match name in Eviction object"),
    ("victim", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "victim"}}, 400, "BadRequest",
     "the body must be a policy/v1 Eviction, not v1 Pod"),
    ("victim", {"apiVersion": "policy/v1", "kind": "Eviction", "deleteOptions": {"gracePeriodSeconds": "soon"}}, 400, "BadRequest",
     "gracePeriodSeconds must be an integer"),
    ("victim", {"apiVersion": "policy/v1", "kind": "Eviction", "deleteOptions": {"propagationPolicy": "Sideways"}}, 422, "Invalid",
     'DeleteOptions "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan"'),
    ("ghost", None, 404, "NotFound", 'pods "ghost" not found'),
])
def test_bad_evictions_are_kubernetes_statuses(still, name, body, code, reason, message):
    if get_pod(still, "victim").status_code == 404:
        create_pod(still, "victim", nodeName="node-3")
    r = evict(still, name, body)
    assert r.status_code == code, r.text
    assert (r.json()["reason"], r.json()["message"]) == (reason, message)
    assert "deletionTimestamp" not in get_pod(still, "victim").json()["metadata"]


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: nginx
        image: nginx:1.27
        volumeMounts: [{name: cache, mountPath: /cache}]
      volumes:
      - {name: cache, emptyDir: {}}
"""


def pods_on(handle, node: str) -> list[dict]:
    r = handle.session().get(f"{handle.api}/api/v1/pods", params={"fieldSelector": f"spec.nodeName={node}"})
    return r.json()["items"]


def ready_replicas(handle) -> int:
    deploy = handle.session().get(f"{handle.api}/apis/apps/v1/namespaces/default/deployments/web").json()
    return deploy.get("status", {}).get("readyReplicas", 0)


@pytest.mark.kubectl
def test_kubectl_drain_evicts_and_the_replicaset_replaces_the_pods_elsewhere(kubectl_bin, live):
    live.kubectl("apply", "-f", "-", input=DEPLOYMENT)
    wait_for(lambda: ready_replicas(live) == 6, "six ready replicas", timeout=90)
    victims = {p["metadata"]["name"] for p in pods_on(live, "node-1")}
    assert victims
    refused = live.kubectl("drain", "node-1", "--ignore-daemonsets", "--timeout=60s", check=False)
    assert refused.returncode != 0
    assert "cannot delete Pods with local storage" in refused.stderr
    result = live.kubectl("drain", "node-1", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=90s")
    assert "node/node-1 cordoned" in result.stdout + result.stderr or "already cordoned" in result.stdout
    for name in victims:
        assert f"pod/{name} evicted" in result.stdout
    assert result.stdout.rstrip().endswith("node/node-1 drained")
    assert pods_on(live, "node-1") == []
    node = live.session().get(f"{live.api}/api/v1/nodes/node-1").json()
    assert node["spec"]["unschedulable"] is True
    wait_for(lambda: ready_replicas(live) == 6, "the replacements to be ready", timeout=90)
    placed = {p["spec"]["nodeName"] for n in ("node-2", "node-3") for p in pods_on(live, n)}
    assert placed <= {"node-2", "node-3"} and len(pods_on(live, "node-2") + pods_on(live, "node-3")) == 6
    events = live.kubectl("get", "events", "--field-selector", "reason=Killing", "-o", "name").stdout.split()
    assert len(events) >= len(victims)


GUARDED = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: guarded}
spec:
  replicas: 2
  selector: {matchLabels: {app: guarded}}
  template:
    metadata: {labels: {app: guarded}}
    spec:
      containers:
      - {name: nginx, image: "nginx:1.27"}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: guarded}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: guarded}}
"""


@pytest.mark.kubectl
def test_a_disruption_budget_stops_evictions_and_drain(kubectl_bin, live):
    live.kubectl("apply", "-f", "-", input=GUARDED)

    def counted():
        pdb = live.session().get(f"{live.api}/apis/policy/v1/namespaces/default/poddisruptionbudgets/guarded").json()
        return pdb.get("status", {}).get("currentHealthy") == 2 and pdb

    wait_for(counted, "the budget to count two healthy pods", timeout=90)
    table = live.kubectl("get", "pdb").stdout.splitlines()
    assert table[0].split() == ["NAME", "MIN", "AVAILABLE", "MAX", "UNAVAILABLE", "ALLOWED", "DISRUPTIONS", "AGE"]
    assert table[1].split()[:4] == ["guarded", "2", "N/A", "0"]
    pods = live.session().get(f"{live.api}/api/v1/namespaces/default/pods", params={"labelSelector": "app=guarded"}).json()["items"]
    r = evict(live, pods[0]["metadata"]["name"])
    assert r.status_code == 429
    assert r.json()["message"] == "Cannot evict pod as it would violate the pod's disruption budget."
    assert r.json()["details"]["causes"][0]["message"] == "The disruption budget guarded needs 2 healthy pods and has 2 currently"
    node = pods[0]["spec"]["nodeName"]
    result = live.kubectl("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=8s", check=False)
    assert result.returncode != 0
    assert "Cannot evict pod as it would violate the pod's disruption budget." in result.stderr
    assert get_pod(live, pods[0]["metadata"]["name"]).status_code == 200
