"""Startup probes gate liveness and readiness; one that keeps failing gets the container
killed and restarted, with the kubelet's Unhealthy and Killing events."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.kubelet.agent import Kubelet

STARTUP = {"httpGet": {"path": "/healthz", "port": 80}, "initialDelaySeconds": 10, "periodSeconds": 5, "failureThreshold": 4}
#: nginx serves "/" (its welcome page) but not /healthz (404): this probe passes
STARTUP_OK = {**STARTUP, "httpGet": {"path": "/", "port": 80}}
LIVENESS = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 10, "failureThreshold": 3}


def _pod(cluster, annotations=None, **probes):
    body = {
        "metadata": {"name": "app", "annotations": annotations or {}},
        "spec": {"nodeName": "node-1", "containers": [{"name": "main", "image": "nginx:1.27", **probes}]},
    }
    return registry.create(cluster, by_plural("pods"), "default", body)


def _cs(cluster):
    return registry.get(cluster, by_plural("pods"), "default", "app")["status"]["containerStatuses"][0]


def _events(cluster):
    found = [e for e in registry.objects(cluster, "events", "default") if e["involvedObject"]["name"] == "app"]
    return [(e["type"], e["reason"], e["message"]) for e in found]


def _engine(cluster):
    pause_clock(cluster)
    return Engine(cluster, components=[Kubelet(cluster)])


def test_a_passing_startup_probe_holds_started_and_ready_until_it_succeeds(cluster):
    _pod(cluster, startupProbe=STARTUP_OK, readinessProbe={"httpGet": {"path": "/", "port": 80}})
    engine = _engine(cluster)
    engine.settle(horizon=5)  # pulled and running, but the first startup check is at 10 s
    cs = _cs(cluster)
    assert "running" in cs["state"] and cs["started"] is False and cs["ready"] is False
    engine.settle(horizon=30)
    cs = _cs(cluster)
    assert cs["started"] is True and cs["ready"] is True and cs["restartCount"] == 0


def test_a_failing_startup_probe_kills_and_restarts_the_container(cluster):
    _pod(cluster, {"kubeviz.io/fail-startup": "main"}, startupProbe=STARTUP)
    engine = _engine(cluster)
    # initialDelaySeconds + failureThreshold × periodSeconds = 30 s after the start.
    engine.settle(horizon=25)
    assert _cs(cluster)["restartCount"] == 0 and _cs(cluster)["started"] is False
    engine.settle(horizon=15)
    cs = _cs(cluster)
    assert cs["restartCount"] == 1
    assert (cs["lastState"]["terminated"]["exitCode"], cs["lastState"]["terminated"]["reason"]) == (137, "Error")
    assert ("Warning", "Unhealthy", "Startup probe failed: HTTP probe failed with statuscode: 503") in _events(cluster)
    assert ("Normal", "Killing", "Container main failed startup probe, will be restarted") in _events(cluster)


def test_liveness_waits_for_the_startup_probe(cluster):
    _pod(cluster, {"kubeviz.io/fail-liveness": "true"}, startupProbe=STARTUP_OK, livenessProbe=LIVENESS)
    engine = _engine(cluster)
    # Without the startup probe liveness would kill at 30 s; it starts counting at 10 s.
    engine.settle(horizon=35)
    assert _cs(cluster)["restartCount"] == 0
    engine.settle(horizon=10)
    assert _cs(cluster)["restartCount"] == 1
    assert ("Normal", "Killing", "Container main failed liveness probe, will be restarted") in _events(cluster)
