"""Time travel on the dashboard: scrub back to a past step and see the cluster of then."""
from __future__ import annotations

import json

import pytest

from tests.liveserver import wait_for

from .test_dashboard import SPEED, open_dashboard

pytestmark = pytest.mark.browser

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}},
}
WEB_PODS = "#diagram .pod[data-name^='web-']"


def running_web_pods(cluster) -> int:
    r = cluster.session().get(f"{cluster.api}/api/v1/namespaces/default/pods", params={"labelSelector": "app=web"})
    r.raise_for_status()
    return sum(1 for p in r.json()["items"] if p["status"].get("phase") == "Running")


def web_pods(cluster) -> int:
    r = cluster.session().get(f"{cluster.api}/api/v1/namespaces/default/pods", params={"labelSelector": "app=web"})
    r.raise_for_status()
    return len(r.json()["items"])


@pytest.fixture
def scaled_down(engine_cluster) -> tuple:
    """A Deployment of 3 that ran, then was scaled to 1 and settled; the seq when 3 ran."""
    engine_cluster.clock(mode="live", speed=SPEED)
    deployments = f"{engine_cluster.api}/apis/apps/v1/namespaces/default/deployments"
    engine_cluster.session().post(deployments, json=DEPLOYMENT).raise_for_status()
    wait_for(lambda: running_web_pods(engine_cluster) == 3, "3 web pods running")
    three = engine_cluster.last_seq()
    engine_cluster.session().patch(f"{deployments}/web", data=json.dumps({"spec": {"replicas": 1}}),
                                   headers={"Content-Type": "application/merge-patch+json"}).raise_for_status()
    wait_for(lambda: web_pods(engine_cluster) == 1, "the scaled-down pods gone")
    engine_cluster.clock(mode="paused")
    return engine_cluster, three


def test_scrub_back_shows_the_pods_of_then_and_live_returns(page, scaled_down):
    from playwright.sync_api import expect

    cluster, three = scaled_down
    open_dashboard(page, cluster)
    expect(page.locator(WEB_PODS)).to_have_count(1)

    # Drag the scrubber back to the step when three pods ran.
    page.eval_on_selector("#tt-range", "(r, seq) => { r.value = String(seq); r.dispatchEvent(new Event('input', {bubbles: true})); }", three)
    expect(page.locator(WEB_PODS)).to_have_count(3)
    for i in range(3):
        expect(page.locator(WEB_PODS).nth(i)).to_have_attribute("data-state", "Running")
    expect(page.locator("#timetravel")).to_have_attribute("data-mode", "past")
    expect(page.locator("#tt-status")).to_contain_text(f"step {three} of ")
    assert f"at={three}" in page.url

    # One step back through the documented hooks: the API and the keyboard engineer's event.
    page.evaluate("window.kubevizTimeTravel.back()")
    expect(page.locator("#tt-status")).to_contain_text(f"step {three - 1} of ")
    page.evaluate("document.dispatchEvent(new CustomEvent('kv-time-back'))")
    expect(page.locator("#tt-status")).to_contain_text(f"step {three - 2} of ")

    page.click("#tt-live")
    expect(page.locator("#timetravel")).to_have_attribute("data-mode", "live")
    expect(page.locator(WEB_PODS)).to_have_count(1)
    assert "at=" not in page.url


def test_a_shared_url_opens_the_dashboard_at_that_step(page, scaled_down):
    from playwright.sync_api import expect

    cluster, three = scaled_down
    page.goto(f"{cluster.server.http}/clusters/{cluster.name}/?at={three}")
    expect(page.locator("#timetravel")).to_have_attribute("data-mode", "past")
    expect(page.locator(WEB_PODS)).to_have_count(3)
    expect(page.locator("#tt-range")).to_have_value(str(three))
    # The live stream keeps running underneath: Live shows the present again.
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    page.click("#tt-live")
    expect(page.locator(WEB_PODS)).to_have_count(1)


def test_replay_plays_the_stored_steps_forward_to_live(page, scaled_down):
    from playwright.sync_api import expect

    cluster, three = scaled_down
    page.goto(f"{cluster.server.http}/clusters/{cluster.name}/?at={three}")
    expect(page.locator(WEB_PODS)).to_have_count(3)
    page.select_option("#tt-speed", "32")
    page.check("#filter-flow")
    page.click("#tt-play")
    expect(page.locator("#tt-status")).to_contain_text("replaying step")
    # Played through to the newest step, the dashboard is live again, with the pods of now.
    expect(page.locator("#timetravel")).to_have_attribute("data-mode", "live", timeout=120_000)
    expect(page.locator(WEB_PODS)).to_have_count(1)
