"""Follow the teacher in real browsers: a teacher presents the class's demo cluster, two
learners follow; the teacher scrubs back and both followers' diagrams show that step,
then Live and both are live again."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from .conftest import TIMEOUT_MS
from .test_timetravel import WEB_PODS, scaled_down  # noqa: F401 - the fixture, used by name

pytestmark = pytest.mark.browser

FOLLOWERS = [("ada", "ada-learns-pods"), ("grace", "grace-learns-pods")]

CLASS = """
import json
from django.contrib.auth.models import User
from kubeviz.accounts.roles import Identity
from kubeviz.accounts.services import learner_create
from kubeviz.classes.models import Membership
from kubeviz.classes.services import class_create
from kubeviz.clusters.models import Cluster
teacher = User.objects.get(username="teacher")
classroom = class_create(identity=Identity(user=teacher), name="Follow me", template="demo",
                         demo_cluster=Cluster.objects.get(name="{demo}"))
for name, password in {followers}:
    user = learner_create(name=f"{{name}}-{{classroom.pk}}", password=password)
    Membership.objects.create(classroom=classroom, user=user, display_name=name)
print(json.dumps(classroom.pk))
"""


@pytest.fixture
def contexts(browser) -> Iterator:
    """New browser contexts on demand; each fails the test on an uncaught script error."""
    made, errors = [], []

    def new():
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        context.set_default_timeout(TIMEOUT_MS)
        made.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield new
    for context in made:
        context.close()
    assert not errors, f"uncaught errors in a page: {errors}"


def test_followers_show_the_teachers_scrubbed_step_then_live(contexts, scaled_down):  # noqa: F811
    from playwright.sync_api import expect

    cluster, three = scaled_down
    server = cluster.server
    pk = json.loads(server.manage("shell", "-c", CLASS.format(demo=cluster.name, followers=FOLLOWERS)).strip().splitlines()[-1])

    teacher = contexts()
    teacher.context.add_cookies(server.browser_cookies())
    teacher.goto(f"{server.http}/classes/{pk}/broadcast/")
    expect(teacher.locator("#connection")).to_have_attribute("data-state", "live")
    expect(teacher.locator("#follow-status")).to_contain_text("followers see: live")

    followers = []
    for name, password in FOLLOWERS:
        page = contexts()
        page.context.add_cookies(server.browser_cookies(f"{name}-{pk}", password))
        page.goto(f"{server.http}/classes/{pk}/follow/")
        expect(page.locator("#follow-teacher")).to_have_text("teacher")
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        expect(page.locator(WEB_PODS)).to_have_count(1)
        followers.append(page)

    # The teacher drags the scrubber back to when three pods ran: so does every follower.
    teacher.eval_on_selector("#tt-range", "(r, seq) => { r.value = String(seq); r.dispatchEvent(new Event('input', {bubbles: true})); }", three)
    expect(teacher.locator(WEB_PODS)).to_have_count(3)
    for page in followers:
        expect(page.locator("#timetravel")).to_have_attribute("data-mode", "past")
        expect(page.locator("#tt-status")).to_contain_text(f"step {three} of ")
        expect(page.locator(WEB_PODS)).to_have_count(3)
        expect(page.locator("#follow-status")).to_contain_text(f"showing step {three}")

    # One step further back with the teacher's ◀, then Live: the followers follow.
    teacher.click("#tt-back")
    for page in followers:
        expect(page.locator("#tt-status")).to_contain_text(f"step {three - 1} of ")
    teacher.click("#tt-live")
    for page in followers:
        expect(page.locator("#timetravel")).to_have_attribute("data-mode", "live")
        expect(page.locator(WEB_PODS)).to_have_count(1)
        expect(page.locator("#follow-status")).to_contain_text("the teacher is live")

    # A follower who opens the page now starts where the teacher is; one click leaves.
    teacher.click("#tt-back")
    late = contexts()
    late.context.add_cookies(server.browser_cookies(f"{FOLLOWERS[0][0]}-{pk}", FOLLOWERS[0][1]))
    late.goto(f"{server.http}/classes/{pk}/follow/")
    expect(late.locator("#timetravel")).to_have_attribute("data-mode", "past")
    late.click("#follow-back")
    expect(late).to_have_url(f"{server.http}/classes/{pk}/")
