"""The live dashboard in a real browser: Chromium against Daphne with the engine running.

The clock runs fast (set through the REST clock API) instead of the tests sleeping; every
wait is a Playwright expectation or a page-side condition with a timeout.
"""
from __future__ import annotations

import re

import pytest

from tests.liveserver import wait_for

pytestmark = pytest.mark.browser

XSS = "<script>alert(1)</script>"
# Fast enough that a Deployment runs in seconds, slow enough that the player keeps up.
SPEED = 8

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
"""

# The first document is fine, the second breaks YAML on its line 12 (column 8).
BAD_YAML = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: good
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: broken
data:
  key: [unclosed
  other: 1
"""


def open_dashboard(page, cluster) -> None:
    """Open the dashboard as the server's teacher (the demo is acted on by teachers only)."""
    from playwright.sync_api import expect

    page.context.add_cookies(cluster.server.browser_cookies())
    page.goto(f"{cluster.server.http}/clusters/{cluster.name}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")


def upload(page, name: str, text: str) -> None:
    """Apply ``text`` through the manifest form's file input, as a learner uploads a file."""
    page.set_input_files("#manifest-file", files=[{"name": name, "mimeType": "application/yaml", "buffer": text.encode()}])
    page.click("#manifest-apply")


def timeline_seqs(page) -> list[int]:
    """The seqs in the timeline, top (newest) first."""
    return page.eval_on_selector_all("#timeline .step", "items => items.map(li => Number(li.dataset.seq))")


def wait_until_shown(page, cluster) -> int:
    """Wait until the timeline shows every step the server has recorded; returns the last seq.
    Meant for a cluster whose clock stands still (paused or step mode)."""
    while True:
        last = cluster.last_seq()
        page.wait_for_function(
            "last => Number((document.querySelector('#timeline .step') || {dataset: {seq: 0}}).dataset.seq) >= last",
            arg=last,
        )
        if cluster.last_seq() == last:
            return last


def assert_contiguous(seqs: list[int]) -> None:
    """Newest first, each one less than the one above: no gap, no duplicate."""
    assert seqs, "the timeline is empty"
    assert seqs == list(range(seqs[0], seqs[0] - len(seqs), -1)), seqs


def test_a_deployment_uploaded_through_the_form_runs(page, engine_cluster):
    from playwright.sync_api import expect

    engine_cluster.clock(mode="live", speed=SPEED)
    open_dashboard(page, engine_cluster)
    upload(page, "web.yaml", DEPLOYMENT)
    expect(page.locator("#manifest-result")).to_contain_text("Deployment default/web created")

    pods = page.locator("#diagram .pod[data-name^='web-']")
    expect(pods).to_have_count(3)
    for i in range(3):
        expect(pods.nth(i)).to_have_attribute("data-state", "Running")
        expect(pods.nth(i)).to_have_attribute("data-node", re.compile(r"^node-[123]$"))
        expect(pods.nth(i).locator(".mark")).to_have_text("R")
    for n in range(1, 10):
        expect(page.locator(f"#timeline .step[data-step='{n}']").first).to_be_visible()
    page.click("#tab-pods")
    expect(page.locator("#pods tbody tr[data-state='Running']")).to_have_count(3)


def test_next_runs_one_component_action_and_shows_its_steps(page, engine_cluster):
    from playwright.sync_api import expect

    wait_for(lambda: any(s["source"].startswith("kubelet/") for s in engine_cluster.steps()), "the engine to run")
    open_dashboard(page, engine_cluster)
    page.check("#filter-all")
    page.click("#btn-pause")
    expect(page.locator("#clock-mode")).to_have_text("paused")
    assert engine_cluster.clock()["mode"] == "paused"
    # While paused, the form's request is recorded (steps 1 and 2) and nothing acts on it.
    upload(page, "web.yaml", DEPLOYMENT)
    expect(page.locator("#manifest-result")).to_contain_text("created")
    before = wait_until_shown(page, engine_cluster)
    assert timeline_seqs(page)[0] == before

    page.click("#btn-next")
    expect(page.locator("#clock-mode")).to_have_text("step")
    expect(page.locator(f"#timeline .step[data-seq='{before + 1}']")).to_have_count(1)
    last = wait_until_shown(page, engine_cluster)
    new = engine_cluster.steps(after=before)
    # One action: the deployment controller handles the new Deployment (creates its
    # ReplicaSet, writes statuses); every new step is its request or the store's write.
    assert new[0]["source"] == "controller-manager", new
    assert all(s["source"] == "controller-manager" or (s["source"], s["target"]) == ("apiserver", "etcd") for s in new), new
    seqs = timeline_seqs(page)
    assert seqs[: last - before] == list(range(last, before, -1))
    assert_contiguous(seqs)
    expect(page.locator("#backlog")).to_have_attribute("data-count", "0")
    # The ReplicaSet controller has not run yet: no pods.
    expect(page.locator("#diagram .pod[data-name^='web-']")).to_have_count(0)


def test_bad_yaml_shows_the_line_and_creates_nothing(page, engine_cluster):
    from playwright.sync_api import expect

    open_dashboard(page, engine_cluster)
    upload(page, "bad.yaml", BAD_YAML)
    errors = page.locator("#manifest-errors")
    expect(errors).to_contain_text("Nothing was applied")
    expect(errors.locator(".where")).to_have_text("document 2, line 12, column 8")
    expect(page.locator("#manifest-result")).to_have_count(0)
    api = engine_cluster.session()
    for name in ("good", "broken"):
        r = api.get(f"{engine_cluster.api}/api/v1/namespaces/default/configmaps/{name}")
        assert r.status_code == 404, r.text


def test_markup_in_user_strings_is_shown_as_text(page, engine_cluster):
    from playwright.sync_api import expect

    engine_cluster.clock(mode="live", speed=SPEED)
    open_dashboard(page, engine_cluster)
    page.evaluate("() => { window.__xss = 0; window.alert = () => { window.__xss++; }; }")
    # A label value is validated: the API server refuses it, and the error quotes it as text.
    labelled = DEPLOYMENT.replace("labels: {app: web}", f"labels: {{app: web, note: '{XSS}'}}", 1)
    upload(page, "labelled.yaml", labelled.replace("name: web", "name: labelled", 1))
    errors = page.locator("#manifest-errors")
    expect(errors).to_contain_text("Nothing was applied")
    expect(errors).to_contain_text(XSS)
    # Annotations and images are free text: they are stored and shown as they are.
    hostile = DEPLOYMENT.replace("name: web\n", f"name: web\n  annotations:\n    note: '{XSS}'\n", 1)
    upload(page, "hostile.yaml", hostile.replace("image: nginx:1.27", f"image: '{XSS}'"))
    expect(page.locator("#manifest-result")).to_contain_text("created")
    page.click("#tab-deployments")
    expect(page.locator("#deployments")).to_contain_text(XSS)
    page.click("#deployments a.obj:text-is('web')")
    expect(page.locator("#detail")).to_contain_text(XSS)
    # The pods cannot pull such an image: the reason reaches the diagram and the panel.
    expect(page.locator("#diagram .pod[data-name^='web-']").first).to_have_attribute("data-group", "image")
    page.click("#tab-pods")
    expect(page.locator("#pods")).to_contain_text(XSS)
    assert page.evaluate("() => window.__xss") == 0
    assert page.locator("script:text-is('alert(1)')").count() == 0


def test_a_killed_websocket_reconnects_and_resumes_without_gaps(page, engine_cluster):
    from playwright.sync_api import expect

    sockets: list = []

    def relay(ws) -> None:
        """Pass the page's websocket through to the server; refuse the first reconnect."""
        sockets.append(ws)
        if len(sockets) == 2:
            ws.close(code=1011, reason="refused by the test")
            return
        ws.connect_to_server()

    page.route_web_socket("**/ws/clusters/**", relay)
    engine_cluster.clock(mode="live", speed=SPEED)
    open_dashboard(page, engine_cluster)
    upload(page, "web.yaml", DEPLOYMENT)
    expect(page.locator("#manifest-result")).to_contain_text("created")
    expect(page.locator("#timeline .step[data-step='2']").first).to_be_visible()

    sockets[0].close(code=1011, reason="killed by the test")
    expect(page.locator("#connection")).not_to_have_attribute("data-state", "live")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    assert len(sockets) >= 3

    pods = page.locator("#diagram .pod[data-name^='web-']")
    expect(pods).to_have_count(3)
    for i in range(3):
        expect(pods.nth(i)).to_have_attribute("data-state", "Running")
    engine_cluster.clock(mode="paused")
    last = wait_until_shown(page, engine_cluster)
    seqs = timeline_seqs(page)
    assert seqs[0] == last
    assert_contiguous(seqs)
    recorded = {s["seq"]: s for s in engine_cluster.steps(after=seqs[-1] - 1)}
    shown = page.eval_on_selector_all(
        "#timeline .step", "items => items.map(li => [Number(li.dataset.seq), li.dataset.source, li.dataset.target])")
    assert [(seq, recorded[seq]["source"], recorded[seq]["target"]) for seq, _, _ in shown] == [tuple(x) for x in shown]
