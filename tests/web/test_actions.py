"""Dashboard buttons: thin views calling the services, through the API server."""
from __future__ import annotations

import re

import pytest
from django.test import Client

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.models import Cluster
from kubeviz.engine.runner import settle_cluster
from kubeviz.flow.models import Step
from kubeviz.web import services

from .helpers import HX, create, deployment, get, pod


def post(client, action, data):
    return client.post(f"/clusters/demo/actions/{action}/", data, **HX)


def test_cordon_and_uncordon(client, cluster):
    r = post(client, "node-cordon", {"name": "node-2"})
    assert r.status_code == 200 and b'class="flash success"' in r.content and r["HX-Trigger"] == "kv-refresh"
    assert get(cluster, "nodes", None, "node-2")["spec"]["unschedulable"] is True
    panel = client.get("/clusters/demo/panels/nodes/", **HX).content.decode()
    assert "Ready,SchedulingDisabled" in panel and 'id="node-uncordon-node-2"' in panel
    post(client, "node-uncordon", {"name": "node-2"})
    assert not get(cluster, "nodes", None, "node-2")["spec"].get("unschedulable")


def test_scale_goes_through_the_api_server_as_a_button(client, cluster):
    create(cluster, "deployments", deployment("web", replicas=2))
    before = Step.objects.filter(cluster=cluster).count()
    r = post(client, "scale", {"namespace": "default", "name": "web", "replicas": "5"})
    assert b"scaled to 5" in r.content
    assert get(cluster, "deployments", "default", "web")["spec"]["replicas"] == 5
    steps = list(Step.objects.filter(cluster=cluster).order_by("seq"))[before:]
    assert (steps[0].step, steps[0].source, steps[0].target, steps[0].client) == (1, "client", "apiserver", "button")
    # An update is not step 2 (a create): it is stored unnumbered, with its own text.
    assert (steps[1].step, steps[1].target, steps[1].action) == (None, "etcd", "update")


def test_scale_refuses_bad_input(client, cluster):
    create(cluster, "deployments", deployment("web", replicas=2))
    r = post(client, "scale", {"namespace": "default", "name": "web", "replicas": "-1"})
    assert b'class="flash error"' in r.content and "HX-Trigger" not in r
    r = post(client, "scale", {"namespace": "default", "name": "nope", "replicas": "1"})
    assert b'class="flash error"' in r.content and b"not found" in r.content
    assert get(cluster, "deployments", "default", "web")["spec"]["replicas"] == 2


def test_set_image_starts_a_rolling_update(client, cluster):
    create(cluster, "deployments", deployment("web", image="nginx:1.26"))
    r = post(client, "set-image", {"namespace": "default", "name": "web", "container": "main", "image": "nginx:1.27"})
    assert b"image set to nginx:1.27" in r.content
    dep = get(cluster, "deployments", "default", "web")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert dep["metadata"]["generation"] == 2
    r = post(client, "set-image", {"namespace": "default", "name": "web", "container": "other", "image": "x"})
    assert b'unable to find container named' in r.content


def test_rollout_undo_restores_the_previous_template(client, cluster):
    create(cluster, "deployments", deployment("web", replicas=1, image="nginx:1.26"))
    settle_cluster(cluster, horizon=5)
    services.deployment_set_image(cluster=cluster, namespace="default", name="web", image="nginx:1.27")
    settle_cluster(cluster, horizon=5)
    rs = registry.objects(cluster, "replicasets", "default")
    revisions = sorted(r["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision") for r in rs)
    if revisions != ["1", "2"]:
        pytest.skip(f"the deployment controller did not record two revisions ({revisions})")
    r = post(client, "undo", {"namespace": "default", "name": "web"})
    assert b"rolled back to revision 1" in r.content, r.content
    dep = get(cluster, "deployments", "default", "web")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert "pod-template-hash" not in dep["spec"]["template"]["metadata"]["labels"]


def test_rollout_undo_without_history(client, cluster):
    create(cluster, "deployments", deployment("web"))
    r = post(client, "undo", {"namespace": "default", "name": "web"})
    assert b"no rollout history found" in r.content


def test_rollout_undo_picks_the_previous_revision(cluster):
    """Without a controller: ReplicaSets written by hand with revision annotations."""
    dep = create(cluster, "deployments", deployment("web", image="v3"))
    owner = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": dep["metadata"]["uid"], "controller": True}
    for rev, image in ((1, "v1"), (2, "v2"), (3, "v3")):
        labels = {"app": "web", "pod-template-hash": f"h{rev}"}
        registry.create(cluster, by_plural("replicasets"), "default", {
            "metadata": {"name": f"web-h{rev}", "namespace": "default", "labels": labels, "ownerReferences": [owner],
                         "annotations": {"deployment.kubernetes.io/revision": str(rev), "team": f"t{rev}"}},
            "spec": {"replicas": 0, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "main", "image": image}]}}},
        })
    message = services.deployment_rollout_undo(cluster=cluster, namespace="default", name="web")
    assert message == "deployment.apps/web rolled back to revision 2"
    dep = get(cluster, "deployments", "default", "web")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "v2"
    assert dep["metadata"]["annotations"]["team"] == "t2"
    with pytest.raises(Exception, match="unable to find specified revision 9"):
        services.deployment_rollout_undo(cluster=cluster, namespace="default", name="web", to_revision=9)


def test_pod_crash_and_delete(client, cluster):
    create(cluster, "pods", pod("solo", node="node-1"))
    r = post(client, "pod-crash", {"namespace": "default", "name": "solo"})
    assert b"will crash" in r.content
    assert "kubeviz.io/crash-at" in get(cluster, "pods", "default", "solo")["metadata"]["annotations"]
    r = post(client, "pod-delete", {"namespace": "default", "name": "solo"})
    assert b"deleted" in r.content
    remaining = registry.objects(cluster, "pods", "default")
    assert not remaining or remaining[0]["metadata"].get("deletionTimestamp")


def test_node_fail_recover_add_and_components(client, cluster):
    post(client, "node-fail", {"name": "node-3"})
    cluster.refresh_from_db()
    assert cluster.settings["failed_nodes"] == ["node-3"]
    assert client.get("/clusters/demo/state/").json()["nodes"][2]["state"] == "Failed"
    assert b"kubelet failed" in client.get("/clusters/demo/panels/nodes/", **HX).content
    post(client, "node-recover", {"name": "node-3"})
    cluster.refresh_from_db()
    assert cluster.settings["failed_nodes"] == []
    r = post(client, "node-add", {"cpu": "8", "memory": "16Gi"})
    assert b"node-4 added" in r.content
    assert get(cluster, "nodes", None, "node-4")["status"]["capacity"]["cpu"] == "8"
    post(client, "component-stop", {"component": "scheduler"})
    cluster.refresh_from_db()
    assert cluster.settings["stopped"] == ["scheduler"]
    assert client.get("/clusters/demo/state/").json()["stopped"] == ["scheduler"]
    post(client, "component-start", {"component": "scheduler"})
    cluster.refresh_from_db()
    assert cluster.settings["stopped"] == []
    r = post(client, "component-stop", {"component": "etcd"})
    assert b'class="flash error"' in r.content


def test_unknown_action_and_get_are_refused(client, cluster):
    assert post(client, "explode", {}).status_code == 404
    assert client.get("/clusters/demo/actions/node-cordon/").status_code == 405


def test_plain_form_post_redirects_back_with_a_message(client, cluster):
    r = client.post("/clusters/demo/actions/node-cordon/", {"name": "node-1"})
    assert r.status_code == 302 and r["Location"] == "/clusters/demo/"
    page = client.get("/clusters/demo/").content.decode()
    assert "node node-1: cordoned" in page


def test_actions_need_the_csrf_token(cluster, teacher):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(teacher)
    r = browser.post("/clusters/demo/actions/node-cordon/", {"name": "node-1"}, **HX)
    assert r.status_code == 403
    assert not get(cluster, "nodes", None, "node-1")["spec"].get("unschedulable")
    # the token the page puts on <body hx-headers> is accepted, by the web views and the REST API
    html = browser.get("/clusters/demo/").content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    r = browser.post("/clusters/demo/actions/node-cordon/", {"name": "node-1"}, HTTP_X_CSRFTOKEN=token, **HX)
    assert r.status_code == 200 and get(cluster, "nodes", None, "node-1")["spec"]["unschedulable"] is True
    r = browser.post("/api/clusters/demo/clock/", {"mode": "paused"}, HTTP_X_CSRFTOKEN=token, **HX)
    assert r.status_code == 200 and r.json()["mode"] == "paused"
    r = browser.post("/api/clusters/demo/clock/next/", HTTP_X_CSRFTOKEN=token, **HX)
    assert r.status_code == 200
    assert Cluster.objects.get(pk=cluster.pk).clock_mode == "step"
    r = browser.post("/api/clusters/demo/clock/", {"speed": "2"}, HTTP_X_CSRFTOKEN=token, **HX)
    assert r.json()["speed"] == 2.0


def test_add_node_stops_at_the_limit_with_a_message(client, cluster, settings):
    settings.KUBEVIZ_MAX_NODES_PER_CLUSTER = 3
    r = post(client, "node-add", {"cpu": "4", "memory": "8Gi"})
    assert b'class="flash error"' in r.content
    assert b"KUBEVIZ_MAX_NODES_PER_CLUSTER=3" in r.content
    assert len(registry.objects(cluster, "nodes")) == 3
