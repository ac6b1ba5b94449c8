"""The control and fault-injection REST API."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.apiserver.tokens import cluster_token
from kubeviz.clusters.models import Cluster
from kubeviz.engine.runner import settle_cluster
from kubeviz.flow.models import Step
from kubeviz.kubelet.agent import Kubelet


@pytest.fixture
def api(cluster):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {cluster_token(cluster)}")
    return client


def test_writes_need_the_cluster_token_or_csrf(cluster):
    anonymous = APIClient(enforce_csrf_checks=True)
    r = anonymous.post(f"/api/clusters/{cluster.name}/nodes/node-1/cordon/")
    assert r.status_code == 401
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Bearer nope")
    r = wrong.post(f"/api/clusters/{cluster.name}/nodes/node-1/cordon/")
    assert r.status_code == 401 and r["WWW-Authenticate"] == 'Bearer realm="kubeviz"'

    assert registry.get(cluster, by_plural("nodes"), None, "node-1")["spec"].get("unschedulable") is None


def test_clock_mode_speed_and_next(api, cluster):
    r = api.post(f"/api/clusters/{cluster.name}/clock/", {"mode": "paused", "speed": 2}, format="json")
    assert r.status_code == 200 and r.json() == {"mode": "paused", "speed": 2.0}
    assert api.post(f"/api/clusters/{cluster.name}/clock/", {"mode": "warp"}, format="json").status_code == 400
    assert api.post(f"/api/clusters/{cluster.name}/clock/next/").json() == {"requested": 1}
    cluster.refresh_from_db()
    assert cluster.clock_mode == "step" and cluster.step_requests == 1


def test_cordon_goes_through_the_api_server(api, cluster):
    after = Step.objects.filter(cluster=cluster).count()
    assert api.post(f"/api/clusters/{cluster.name}/nodes/node-2/cordon/").status_code == 200
    assert registry.get(cluster, by_plural("nodes"), None, "node-2")["spec"]["unschedulable"] is True
    steps = list(Step.objects.filter(cluster=cluster).order_by("seq"))[after:]
    # The request is step 1; storing an update is not step 2 (a create): unnumbered.
    assert [(s.step, s.source, s.target, s.action) for s in steps] == [
        (1, "client", "apiserver", "patch"), (None, "apiserver", "etcd", "update")]
    api.post(f"/api/clusters/{cluster.name}/nodes/node-2/uncordon/")
    assert "unschedulable" not in registry.get(cluster, by_plural("nodes"), None, "node-2")["spec"]


def test_fail_and_recover_node_and_stop_components(api, cluster):
    assert api.post(f"/api/clusters/{cluster.name}/nodes/node-3/fail/").status_code == 200
    assert api.post(f"/api/clusters/{cluster.name}/components/scheduler/stop/").status_code == 200
    cluster.refresh_from_db()
    assert cluster.settings["failed_nodes"] == ["node-3"] and cluster.settings["stopped"] == ["scheduler"]
    api.post(f"/api/clusters/{cluster.name}/nodes/node-3/recover/")
    api.post(f"/api/clusters/{cluster.name}/components/scheduler/start/")
    cluster.refresh_from_db()
    assert cluster.settings["failed_nodes"] == [] and cluster.settings["stopped"] == []
    r = api.post(f"/api/clusters/{cluster.name}/nodes/node-9/fail/")
    assert r.status_code == 404 and r.json()["reason"] == "NotFound"


def test_add_node_and_crash_a_container(api, cluster):
    r = api.post(f"/api/clusters/{cluster.name}/nodes/", {"cpu": "8", "memory": "16Gi"}, format="json")
    assert r.status_code == 201 and r.json()["name"] == "node-4"
    node = registry.get(cluster, by_plural("nodes"), None, "node-4")
    assert node["status"]["capacity"]["cpu"] == "8" and node["spec"]["podCIDR"] == "10.244.4.0/24"
    registry.create(cluster, by_plural("pods"), "default", {
        "metadata": {"name": "web"}, "spec": {"nodeName": "node-4", "containers": [{"name": "c", "image": "nginx"}]},
    })
    settle_cluster(cluster, components=[Kubelet(cluster)], horizon=30)
    assert api.post(f"/api/clusters/{cluster.name}/pods/default/web/crash/").status_code == 200
    settle_cluster(cluster, components=[Kubelet(cluster)], horizon=30)
    cs = registry.get(cluster, by_plural("pods"), "default", "web")["status"]["containerStatuses"][0]
    assert cs["restartCount"] == 1
    assert cs["lastState"]["terminated"]["reason"] == "Error"
    assert "running" in cs["state"]  # restarted after the back-off, and not crashing again


def test_nodes_stop_at_the_per_cluster_limit_with_a_status_naming_it(api, cluster, settings):
    settings.KUBEVIZ_MAX_NODES_PER_CLUSTER = 5
    url = f"/api/clusters/{cluster.name}/nodes/"
    assert [api.post(url, {}, format="json").status_code for _ in range(2)] == [201, 201]
    r = api.post(url, {}, format="json")
    assert r.status_code == 403
    body = r.json()
    assert (body["kind"], body["reason"], body["code"]) == ("Status", "Forbidden", 403)
    assert body["message"] == ('nodes "node-6" is forbidden: cluster demo already has 5 nodes, '
                               "the most it may have (KUBEVIZ_MAX_NODES_PER_CLUSTER=5)")
    assert len(registry.objects(cluster, "nodes")) == 5
    # Removing one makes room again.
    assert api.delete(f"{url}node-5/").status_code == 200
    assert api.post(url, {}, format="json").status_code == 201


def test_reset_restores_the_fixture_and_keeps_the_token(api, cluster):
    registry.create(cluster, by_plural("namespaces"), None, {"metadata": {"name": "scratch"}})
    assert api.post(f"/api/clusters/{cluster.name}/reset/").status_code == 200
    fresh = Cluster.objects.get(name=cluster.name)
    assert api.post(f"/api/clusters/{cluster.name}/clock/", {"mode": "paused"}, format="json").status_code == 200
    assert "scratch" not in [n["metadata"]["name"] for n in registry.objects(fresh, "namespaces")]
    assert len(registry.objects(fresh, "nodes")) == 3


def test_scheduling_explanation_is_readable(api, cluster):
    from kubeviz.scheduler.component import Scheduler

    registry.create(cluster, by_plural("pods"), "default", {
        "metadata": {"name": "big"},
        "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "5"}}}]},
    })
    settle_cluster(cluster, components=[Scheduler(cluster)], horizon=5)
    r = api.get(f"/api/clusters/{cluster.name}/pods/default/big/scheduling/")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "big" and body["explanation"]
    assert "Insufficient cpu" in str(body["explanation"])
    assert api.get(f"/api/clusters/{cluster.name}/pods/default/nope/scheduling/").status_code == 404
