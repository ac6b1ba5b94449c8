"""Server-side Tables: kubectl's columns and cells."""
from __future__ import annotations

import pytest

from kubeviz.kubeapi.tables import human_duration, pod_status_reason


@pytest.mark.parametrize("seconds,text", [
    (5, "5s"), (119, "119s"), (125, "2m5s"), (600, "10m"), (7200, "120m"), (3 * 3600 + 60, "3h1m"),
    (9 * 3600, "9h"), (3 * 86400, "3d"), (10 * 86400, "10d"), (-1, "<invalid>"),
])
def test_human_duration(seconds, text):
    assert human_duration(seconds) == text


def _pod(phase="Running", states=(), deleting=False, ready_condition="True"):
    meta = {"name": "p"}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {
        "metadata": meta,
        "status": {
            "phase": phase,
            "conditions": [{"type": "Ready", "status": ready_condition}],
            "containerStatuses": [{"name": f"c{i}", "ready": ready, "state": state} for i, (state, ready) in enumerate(states)],
        },
    }


@pytest.mark.parametrize("pod,reason", [
    (_pod("Pending", [({"waiting": {"reason": "ContainerCreating"}}, False)]), "ContainerCreating"),
    (_pod("Running", [({"running": {}}, True)]), "Running"),
    (_pod("Running", [({"waiting": {"reason": "CrashLoopBackOff"}}, False)]), "CrashLoopBackOff"),
    (_pod("Pending", [({"waiting": {"reason": "ImagePullBackOff"}}, False)]), "ImagePullBackOff"),
    (_pod("Succeeded", [({"terminated": {"reason": "Completed", "exitCode": 0}}, False)]), "Completed"),
    (_pod("Failed", [({"terminated": {"reason": "Error", "exitCode": 1}}, False)]), "Error"),
    (_pod("Failed", [({"terminated": {"exitCode": 2}}, False)]), "ExitCode:2"),
    (_pod("Running", [({"running": {}}, True), ({"terminated": {"reason": "Completed", "exitCode": 0}}, False)]), "Running"),
    (_pod("Running", [({"running": {}}, True)], deleting=True), "Terminating"),
    (_pod("Running", [({"terminated": {"reason": "OOMKilled", "exitCode": 137}}, False)]), "OOMKilled"),
])
def test_pod_status_reason(pod, reason):
    assert pod_status_reason(pod) == reason


@pytest.mark.kubectl
def test_kubectl_get_prints_kubernetes_columns(kubectl_bin, kv_cluster):
    header = kv_cluster.kubectl("get", "nodes").stdout.splitlines()[0].split()
    assert header == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    wide = kv_cluster.kubectl("get", "nodes", "-o", "wide").stdout.splitlines()
    assert wide[0].split()[:6] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP"]
    assert wide[1].split()[:2] == ["node-1", "Ready"] and "192.168.49.11" in wide[1]
    svc = kv_cluster.kubectl("get", "svc").stdout.splitlines()
    assert svc[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert svc[1].split()[:5] == ["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP"]
    ns = kv_cluster.kubectl("get", "ns").stdout.splitlines()
    assert ns[0].split() == ["NAME", "STATUS", "AGE"] and ns[1].split()[:2] == ["default", "Active"]


def test_table_through_http(kv_cluster):
    r = kv_cluster.session().get(
        f"{kv_cluster.api}/api/v1/nodes",
        headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"},
    )
    table = r.json()
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert [c["name"] for c in table["columnDefinitions"]][:5] == ["Name", "Status", "Roles", "Age", "Version"]
    assert table["rows"][0]["cells"][0] == "node-1"
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    assert table["metadata"]["resourceVersion"]
