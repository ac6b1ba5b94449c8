"""The steps websocket over a real socket: Daphne in a subprocess, steps written by
another process (as the engine worker writes them), the embedded default (SQLite,
in-memory channel layer, no Redis)."""
from __future__ import annotations

import json

import pytest

websockets = pytest.importorskip("websockets")
from websockets.exceptions import ConnectionClosed, InvalidStatus  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

CREATE_CONFIGMAP = """
from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.models import Cluster
cluster = Cluster.objects.get(name={name!r})
registry.create(cluster, by_plural("configmaps"), "default", {{"metadata": {{"name": {cm!r}}}}})
"""


def ws_url(cluster) -> str:
    return cluster.server.http.replace("http://", "ws://") + f"/ws/clusters/{cluster.name}/steps/"


def test_steps_written_by_another_process_are_streamed(kv_cluster):
    with connect(ws_url(kv_cluster), origin=kv_cluster.server.http, open_timeout=10) as ws:
        snapshot = json.loads(ws.recv(timeout=10))
        assert snapshot["type"] == "snapshot" and len(snapshot["nodes"]) == 3
        assert snapshot["seq"] == kv_cluster.last_seq()
        kv_cluster.server.manage("shell", "-c", CREATE_CONFIGMAP.format(name=kv_cluster.name, cm="from-worker"))
        message = json.loads(ws.recv(timeout=10))
        assert message["type"] == "steps"
        [step] = message["steps"]
        assert step["seq"] == snapshot["seq"] + 1
        assert step["object"]["kind"] == "ConfigMap" and step["object"]["name"] == "from-worker"

        # A client that lost its place asks again from the snapshot on.
        kv_cluster.server.manage("shell", "-c", CREATE_CONFIGMAP.format(name=kv_cluster.name, cm="second"))
        assert [s["seq"] for s in json.loads(ws.recv(timeout=10))["steps"]] == [snapshot["seq"] + 2]
        ws.send(json.dumps({"after": snapshot["seq"]}))
        resumed = json.loads(ws.recv(timeout=10))
        assert resumed["type"] == "steps"
        assert [s["seq"] for s in resumed["steps"]] == [snapshot["seq"] + 1, snapshot["seq"] + 2]
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.3)


def test_foreign_origin_gets_403(kv_cluster):
    with pytest.raises(InvalidStatus) as refused:
        connect(ws_url(kv_cluster), origin="http://evil.example", open_timeout=10)
    assert refused.value.response.status_code == 403


def test_unknown_cluster_closes_with_4404(live_server_kv):
    url = live_server_kv.http.replace("http://", "ws://") + "/ws/clusters/nope/steps/"
    with connect(url, origin=live_server_kv.http, open_timeout=10) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd.code == 4404
