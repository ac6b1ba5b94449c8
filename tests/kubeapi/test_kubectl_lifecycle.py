"""Real kubectl on namespace deletion and OOMKilled containers (skipped without kubectl)."""
from __future__ import annotations

import json
import re
import shutil

import pytest

from tests.liveserver import ClusterHandle, wait_for

pytestmark = [
    pytest.mark.kubectl,
    pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH"),
]

OOM_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: hungry
  annotations: {kubeviz.io/memory-usage: 300Mi}
spec:
  containers:
  - name: app
    image: nginx:1.27
    resources: {limits: {memory: 64Mi}}
"""


def _status_column(out: str) -> str:
    head, row = out.splitlines()[:2]
    return re.split(r"\s{2,}", row.strip())[re.split(r"\s{2,}", head.strip()).index("STATUS")]


@pytest.fixture(scope="module")
def live(live_engine_server) -> ClusterHandle:
    handle = live_engine_server.new_cluster("lifecycle")
    handle.clock(mode="live", speed=5)
    return handle


def test_a_deleted_namespace_is_terminating_and_takes_no_new_content(kv_cluster):
    kv_cluster.kubectl("create", "namespace", "team")
    out = kv_cluster.kubectl("delete", "namespace", "team", "--wait=false").stdout.strip()
    assert out == 'namespace "team" deleted'
    # No engine runs on this server: the namespace controller never empties it.
    assert _status_column(kv_cluster.kubectl("get", "namespace", "team").stdout) == "Terminating"
    refused = kv_cluster.kubectl("create", "configmap", "late", "-n", "team", check=False)
    assert refused.returncode != 0
    assert refused.stderr.strip() == (
        'error: failed to create configmap: configmaps "late" is forbidden: '
        "unable to create new content in namespace team because it is being terminated"
    ) or "unable to create new content in namespace team because it is being terminated" in refused.stderr


def test_emptying_finalizers_through_finalize_removes_a_stuck_namespace(kv_cluster):
    kv_cluster.kubectl("create", "namespace", "stuck")
    kv_cluster.kubectl("delete", "namespace", "stuck", "--wait=false")
    ns = json.loads(kv_cluster.kubectl("get", "namespace", "stuck", "-o", "json").stdout)
    assert ns["spec"]["finalizers"] == ["kubernetes"]
    ns["spec"]["finalizers"] = []
    # What ``kubectl replace --raw /api/v1/namespaces/stuck/finalize -f -`` sends.
    r = kv_cluster.session().put(f"{kv_cluster.api}/api/v1/namespaces/stuck/finalize", json=ns)
    assert r.status_code == 200 and r.json()["spec"]["finalizers"] == []
    gone = kv_cluster.kubectl("get", "namespace", "stuck", check=False)
    assert gone.returncode != 0 and 'namespaces "stuck" not found' in gone.stderr


@pytest.mark.parametrize("name", ["default", "kube-system"])
def test_system_namespaces_cannot_be_deleted(kv_cluster, name):
    refused = kv_cluster.kubectl("delete", "namespace", name, check=False)
    assert refused.returncode != 0
    assert f'namespaces "{name}" is forbidden: this namespace may not be deleted' in refused.stderr


def test_kubectl_delete_namespace_returns_once_the_controller_has_emptied_it(live):
    live.kubectl("create", "namespace", "shop")
    live.kubectl("-n", "shop", "create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    live.kubectl("-n", "shop", "rollout", "status", "deployment/web", "--timeout=90s")
    # kubectl waits until the namespace is gone: pods stopped, content deleted, finalized.
    assert live.kubectl("delete", "namespace", "shop", "--timeout=120s").stdout.strip() == 'namespace "shop" deleted'
    gone = live.kubectl("get", "namespace", "shop", check=False)
    assert gone.returncode != 0 and 'namespaces "shop" not found' in gone.stderr


def test_a_container_over_its_memory_limit_is_oomkilled(live):
    live.kubectl("apply", "-f", "-", input=OOM_POD)

    def killed() -> dict | None:
        pod = json.loads(live.kubectl("get", "pod", "hungry", "-o", "json").stdout)
        statuses = pod["status"].get("containerStatuses") or []
        last = (statuses[0].get("lastState") or {}).get("terminated") if statuses else None
        return last if last else None

    last = wait_for(killed, "the container to be OOMKilled")
    assert (last["reason"], last["exitCode"]) == ("OOMKilled", 137)
    status = _status_column(live.kubectl("get", "pod", "hungry").stdout)
    assert status in ("OOMKilled", "CrashLoopBackOff", "Running")
    live.kubectl("delete", "pod", "hungry", "--wait=false")
