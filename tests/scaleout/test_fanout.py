"""The scale-out layout end to end: two Daphnes and two engine workers on PostgreSQL and
Redis. A step committed by any process reaches a websocket on either Daphne (PostgreSQL
NOTIFY wakes each Daphne's tailer), with no gap and no duplicate, across a Redis restart."""
from __future__ import annotations

import json
import time

import psycopg
import pytest

from tests.liveserver import wait_for

websockets = pytest.importorskip("websockets")
from websockets.sync.client import connect  # noqa: E402


def _holders(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        return [row[0] for row in conn.execute('SELECT "holder" FROM "etcd_workerlease"')]


def _configmap(cluster, name: str) -> None:
    r = cluster.session().post(f"{cluster.api}/api/v1/namespaces/default/configmaps", json={"metadata": {"name": name}})
    assert r.status_code == 201, r.text


def _read_until(ws, seqs: list[int], name: str, timeout: float = 20) -> None:
    """Collect step seqs until the step that created ConfigMap ``name`` arrives."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = json.loads(ws.recv(timeout=deadline - time.monotonic()))
        assert message["type"] == "steps", message
        seqs += [s["seq"] for s in message["steps"]]
        if any(s["object"]["kind"] == "ConfigMap" and s["object"]["name"] == name for s in message["steps"]):
            return
    raise AssertionError(f"no step for ConfigMap {name}")


def test_two_daphnes_two_workers_stream_every_step_across_a_redis_restart(pg_server, scaleout):
    cluster = pg_server.new_cluster()
    with pg_server.serving(daphnes=2, workers=2):
        other = pg_server.http_all[1]
        url = other.replace("http://", "ws://") + f"/ws/clusters/{cluster.name}/steps/"
        with connect(url, origin=other, open_timeout=20) as ws:
            snapshot = json.loads(ws.recv(timeout=20))
            assert snapshot["type"] == "snapshot"
            seqs: list[int] = []
            _configmap(cluster, "before-restart")  # written through the first Daphne
            _read_until(ws, seqs, "before-restart")
            if scaleout.redis is not None:
                scaleout.redis.restart()
            _configmap(cluster, "after-restart")
            _read_until(ws, seqs, "after-restart")
        # The engine (one of the two workers) wrote steps too: every seq once, in order.
        assert seqs == list(range(snapshot["seq"] + 1, seqs[-1] + 1))
        # The workers share the clusters' engines: exactly one holds this cluster's lease.
        holders = wait_for(lambda: _holders(pg_server.env["DATABASE_URL"]), "a lease holder")
        assert len(holders) == 1
