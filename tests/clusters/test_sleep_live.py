"""Over a real server with its worker: a cluster left alone falls asleep, and kubectl and
the Python client wake it without noticing anything but a slower first answer."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client as k8s

from tests.liveserver import ClusterHandle, LiveServer, wait_for


@pytest.fixture(scope="module")
def sleepy(tmp_path_factory) -> Iterator[tuple[LiveServer, ClusterHandle]]:
    server = LiveServer.prepare(tmp_path_factory.mktemp("kubeviz-sleep"))
    # Seconds instead of minutes, so the test need not wait ten of them.
    server.env.update(KUBEVIZ_SLEEP_AFTER="5", KUBEVIZ_SLEEP_CHECK="0.5")
    handle = server.new_cluster("sleepy")
    with server.serving(workers=True):
        yield server, handle


def _row(root: Path, name: str) -> tuple[int, int]:
    """(asleep, revision) as the server's database holds them, read without a request
    (a request would wake the cluster)."""
    with sqlite3.connect(f"file:{root / 'db.sqlite3'}?mode=ro", uri=True) as db:
        return db.execute("SELECT asleep, revision FROM etcd_cluster WHERE name = ?", (name,)).fetchone()


def _fall_asleep(server: LiveServer, handle: ClusterHandle) -> None:
    wait_for(lambda: _row(server.root, handle.name)[0] == 1, "the cluster to fall asleep", timeout=60)


def _ready(nodes: list[dict]) -> list[str]:
    return sorted(n["metadata"]["name"] for n in nodes
                  if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"]["conditions"]))


def test_kubectl_wakes_a_sleeping_cluster_and_the_worker_runs_it_again(sleepy, kubectl_bin):
    server, handle = sleepy
    _fall_asleep(server, handle)
    nodes = json.loads(handle.kubectl("get", "nodes", "-o", "json").stdout)["items"]
    assert _ready(nodes) == ["node-1", "node-2", "node-3"]

    # The engine runs again: a Deployment it has never seen gets its pods scheduled and
    # running (each look is a request, which wakes the cluster should it doze off again).
    handle.kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    wait_for(lambda: json.loads(handle.kubectl("get", "deployment", "web", "-o", "json").stdout)
             ["status"].get("readyReplicas") == 2, "the deployment to become ready")


def test_the_python_client_wakes_a_sleeping_cluster(sleepy):
    server, handle = sleepy
    _fall_asleep(server, handle)
    revision = _row(server.root, handle.name)[1]
    api = k8s.CoreV1Api(handle.python_client())
    nodes = api.list_node()
    assert sorted(n.metadata.name for n in nodes.items) == ["node-1", "node-2", "node-3"]
    assert all(c.status == "True" for n in nodes.items for c in n.status.conditions if c.type == "Ready")
    assert int(nodes.metadata.resource_version) >= revision
    assert _row(server.root, handle.name)[0] == 0
