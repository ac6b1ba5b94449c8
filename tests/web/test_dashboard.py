"""The dashboard page, its panels (full page or htmx partial), the state JSON."""
from __future__ import annotations

import json
import re

import pytest

from kubeviz.flow.catalogue import CATALOGUE, CATEGORY_INFO, catalogue_data, step_explain

from .helpers import HX, create, deployment, pod


def test_cluster_list_links_each_cluster_to_its_dashboard(client, cluster):
    r = client.get("/")
    assert r.status_code == 200
    assert b'href="/clusters/demo/"' in r.content


def test_dashboard_renders_nodes_diagram_timeline_and_controls(client, cluster):
    r = client.get("/clusters/demo/")
    assert r.status_code == 200
    html = r.content.decode()
    for node in ("node-1", "node-2", "node-3"):
        assert node in html
    for element_id in ("diagram", "timeline", "backlog", "btn-play", "btn-pause", "btn-next", "speed", "btn-reset",
                       "btn-catch-up", "filter-flow", "filter-all", "panel", "detail", "manifest-form", "manifest-text",
                       "manifest-file", "kubeconfig-download", "node-add", "flash", "connection"):
        assert f'id="{element_id}"' in html, element_id
    # the diagram's fixed parts carry the component names steps use
    for component in ("client", "apiserver", "etcd", "scheduler", "controller-manager"):
        assert f'data-component="{component}"' in html
    # the clock buttons drive the REST API
    assert 'hx-post="/api/clusters/demo/clock/"' in html
    assert 'hx-post="/api/clusters/demo/clock/next/"' in html
    assert 'hx-post="/api/clusters/demo/reset/"' in html
    # nodes panel rows are keyed by uid
    assert re.search(r'<tr data-uid="[0-9a-f-]{36}" data-state="Ready" data-name="node-1">', html)


def test_csrf_header_on_body_and_vendored_htmx_only(client, cluster):
    html = client.get("/clusters/demo/").content.decode()
    body = re.search(r"<body[^>]*>", html).group(0)
    assert "hx-headers='{\"X-CSRFToken\": \"" in body
    token = re.search(r'"X-CSRFToken": "([^"]+)"', body).group(1)
    assert len(token) >= 32
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html)
    assert "/static/vendor/htmx/htmx.min.js" in scripts
    assert "/static/js/diagram.js" in scripts and "/static/js/dashboard.js" in scripts
    assert not [s for s in scripts if s.startswith(("http:", "https:", "//"))]
    assert "cdn" not in " ".join(scripts).lower()


def test_vendored_htmx_is_pinned_with_its_licence():
    from django.conf import settings

    base = settings.BASE_DIR / "static" / "vendor" / "htmx"
    version = (base / "VERSION").read_text()
    assert re.search(r"htmx\.org 2\.\d+\.\d+", version) and "0BSD" in version
    assert (base / "htmx.min.js").stat().st_size > 10_000
    assert (base / "LICENSE").exists()


def test_initial_data_is_passed_with_json_script(client, cluster):
    html = client.get("/clusters/demo/").content.decode()
    raw = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(raw)
    assert data["cluster"] == "demo"
    assert data["urls"]["ws"] == "/ws/clusters/demo/steps/"
    assert data["urls"]["steps"] == "/api/clusters/demo/steps/"
    assert {n["name"] for n in data["state"]["nodes"]} == {"node-1", "node-2", "node-3"}
    assert data["lastSeq"] == cluster.__class__.objects.get(pk=cluster.pk).step_seq
    assert set(data["catalogue"]["steps"]) == {str(n) for n in range(1, 10)}
    assert "fault" in data["catalogue"]["categories"]


@pytest.mark.parametrize("panel", ["nodes", "pods", "deployments", "services", "events"])
def test_panels_return_a_partial_for_htmx_and_a_page_otherwise(client, cluster, panel):
    url = f"/clusters/demo/panels/{panel}/"
    partial = client.get(url, **HX)
    assert partial.status_code == 200
    text = partial.content.decode()
    assert text.lstrip().startswith('<section id="panel"')
    assert "<html" not in text and "<body" not in text
    assert f'id="{panel}"' in text
    assert 'hx-trigger="kv-refresh from:body"' in text
    assert "HX-Request" in partial["Vary"]
    page = client.get(url)
    assert page.status_code == 200
    assert b"<html" in page.content and b'id="panel"' in page.content


def test_panel_tabs_are_links_that_keep_their_href(client, cluster):
    text = client.get("/clusters/demo/panels/nodes/", **HX).content.decode()
    assert 'href="/clusters/demo/?panel=pods#panel"' in text
    assert 'hx-get="/clusters/demo/panels/pods/"' in text
    r = client.get("/clusters/demo/?panel=pods")
    assert r.status_code == 200 and b'id="pods"' in r.content


def test_unknown_panel_and_cluster_are_404(client, cluster):
    assert client.get("/clusters/demo/panels/secrets/", **HX).status_code == 404
    assert client.get("/clusters/nope/").status_code == 404


def test_panels_show_objects(client, cluster):
    create(cluster, "deployments", deployment("web", replicas=3))
    create(cluster, "pods", pod("solo", image="redis:7"))
    pods = client.get("/clusters/demo/panels/pods/", **HX).content.decode()
    assert "solo" in pods and "redis:7" in pods and 'data-state="Pending"' in pods
    assert 'id="pod-crash-default-solo"' in pods and 'id="pod-delete-default-solo"' in pods
    deps = client.get("/clusters/demo/panels/deployments/", **HX).content.decode()
    assert "web" in deps and 'id="scale-up-default-web"' in deps and 'id="undo-default-web"' in deps
    assert 'name="replicas" value="4"' in deps and 'name="replicas" value="2"' in deps
    services = client.get("/clusters/demo/panels/services/", **HX).content.decode()
    assert "kubernetes" in services and "10.96.0.1" in services


def test_services_offer_to_send_traffic(client, cluster):
    create(cluster, "services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
                                 "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    services = client.get("/clusters/demo/panels/services/", **HX).content.decode()
    assert 'id="traffic-default-web"' in services
    assert 'hx-post="/api/clusters/demo/services/default/web/traffic/"' in services
    assert "hx-vals='{\"requests\": 100}'" in services


def test_state_json_has_nodes_pods_and_settings(client, cluster):
    create(cluster, "pods", pod("solo"))
    data = client.get("/clusters/demo/state/").json()
    assert data["cluster"] == "demo"
    assert [n["name"] for n in data["nodes"]] == ["node-1", "node-2", "node-3"]
    assert all(n["state"] == "Ready" and n["uid"] for n in data["nodes"])
    (solo,) = data["pods"]
    assert solo["name"] == "solo" and solo["state"] == "Pending" and solo["group"] == "pending" and solo["node"] == ""
    assert data["clock"] == {"mode": cluster.clock_mode, "speed": cluster.clock_speed}
    assert data["collapsed"] is False


def test_timeline_lists_recent_steps_newest_first(client, cluster):
    create(cluster, "pods", pod("solo"))
    html = client.get("/clusters/demo/").content.decode()
    seqs = [int(s) for s in re.findall(r'<li class="step" tabindex="0" data-seq="(\d+)"', html)]
    assert seqs and seqs == sorted(seqs, reverse=True)
    assert 'data-step="2"' in html and "etcd stored new Pod default/solo" in html


def test_catalogue_explains_numbered_steps_and_every_category():
    for n in range(1, 10):
        assert CATALOGUE[n].real
        assert step_explain(step=n, category="flow")["title"].startswith(f"{n}.")
    for category in ("controller", "heartbeat", "gc", "proxy", "event", "fault", "scheduler", "kubelet"):
        info = step_explain(step=None, category=category, source="kubelet/node-1", target="apiserver")
        assert info["explanation"] == CATEGORY_INFO[category].explanation
        assert info["source_role"].startswith("The kubelet") and "kube-apiserver" in info["target_role"]
    assert set(catalogue_data()["categories"]) >= {"controller", "heartbeat", "gc", "proxy", "event", "fault"}


@pytest.mark.parametrize("path", ["/static/vendor/htmx/htmx.min.js", "/static/js/diagram.js", "/static/js/dashboard.js", "/static/css/kubeviz.css"])
def test_vendored_assets_are_served_without_debug(client, settings, path):
    settings.DEBUG = False
    r = client.get(path)
    assert r.status_code == 200
    assert b"".join(r.streaming_content)
    for escape in ("/static/../kubeviz/settings.py", "/static/%2e%2e/kubeviz/settings.py", "/static/..%2fkubeviz/settings.py"):
        r = client.get(escape)
        assert r.status_code in (400, 404) and b"SECRET_KEY" not in r.content


@pytest.mark.parametrize("state,group", [
    ("Pending", "pending"), ("ContainerCreating", "creating"), ("Init:0/1", "creating"),
    ("CreateContainerConfigError", "creating"), ("Running", "running"),
    ("CrashLoopBackOff", "crash"), ("ExitCode:2", "crash"), ("ErrImagePull", "image"), ("ImagePullBackOff", "image"),
    ("Completed", "completed"), ("Terminating", "terminating"), ("Unknown", "unknown"),
])
def test_pod_states_map_to_the_diagrams_shapes(state, group):
    from kubeviz.web.selectors import state_group

    assert state_group(state) == group


def test_the_timeline_opens_with_the_last_flow_steps_behind_a_run_of_heartbeats(client, cluster):
    from kubeviz.flow.services import step_record

    create(cluster, "pods", pod("solo"))
    for _ in range(150):
        step_record(cluster=cluster, source="kubelet/node-1", target="apiserver", action="renew lease",
                    message="kubelet renewed its Lease", category="heartbeat")
    html = client.get("/clusters/demo/").content.decode()
    seqs = [int(s) for s in re.findall(r'<li class="step" tabindex="0" data-seq="(\d+)"', html)]
    assert 'data-step="2"' in html and "etcd stored new Pod default/solo" in html
    assert seqs == list(range(seqs[0], seqs[0] - len(seqs), -1)), "no gaps in the timeline"


def test_pods_carry_the_workload_they_belong_to(client, cluster):
    create(cluster, "pods", pod("solo"))
    owned = pod("web-7d4b9c-x2x4z")
    owned["metadata"]["labels"] = {"pod-template-hash": "7d4b9c"}
    owned["metadata"]["ownerReferences"] = [
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c", "uid": "u1", "controller": True}]
    create(cluster, "pods", owned)
    rows = {p["name"]: p for p in client.get("/clusters/demo/state/").json()["pods"]}
    assert rows["web-7d4b9c-x2x4z"]["workload"] == "web"
    assert rows["solo"]["workload"] == ""
