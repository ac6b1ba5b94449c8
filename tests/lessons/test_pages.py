"""The lesson pages: the list, the cover, a guest starting, the player's htmx buttons."""
from __future__ import annotations

import pytest
from django.test import Client

SLUG = "life-of-a-pod"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def guest(db):
    """A visitor who pressed Start: a guest with the lesson's sandbox."""
    browser = Client()
    response = browser.post(f"/lessons/{SLUG}/start/")
    assert response.status_code == 302 and response["Location"] == f"/lessons/{SLUG}/"
    return browser


def test_the_list_and_the_nav_link(db):
    body = Client().get("/lessons/").content.decode()
    assert 'href="/lessons/life-of-a-pod/"' in body and "The life of a pod" in body and "not started" in body
    assert 'id="nav-lessons"' in Client().get("/").content.decode()


def test_a_lesson_not_started_shows_its_cover_and_unknown_ones_404(db):
    body = Client().get(f"/lessons/{SLUG}/").content.decode()
    assert 'id="lesson-start"' in body and "single-node" in body
    assert Client().get("/lessons/nope/").status_code == 404


def test_a_guest_plays_beside_the_live_dashboard(guest):
    from kubeviz.lessons.models import LessonProgress

    LessonProgress.objects.get().cluster.__class__.objects.update(last_active=None)
    body = guest.get(f"/lessons/{SLUG}/").content.decode()
    assert LessonProgress.objects.get().cluster.last_active is not None  # the page keeps the sandbox awake
    assert 'id="lesson"' in body and 'id="diagram"' in body and "Meet the control plane" in body
    assert "<h1>The life of a pod</h1>" in body  # Markdown rendered
    assert 'id="lesson-focus"' in body
    assert "step 1 of 7" in guest.get("/lessons/").content.decode()


def test_the_buttons_answer_with_the_panel(guest):
    panel = guest.post(f"/lessons/{SLUG}/next/", **HX).content.decode()
    assert "Send the pod to the API server" in panel and 'id="lesson-action-0"' in panel
    assert 'id="lesson-action-0" hx-post' in panel and " disabled>Create the pod" in panel
    refused = guest.post(f"/lessons/{SLUG}/actions/0/", **HX).content.decode()
    assert "answer the question first" in refused
    answered = guest.post(f"/lessons/{SLUG}/answer/", {"answer": "apiserver"}, **HX).content.decode()
    assert 'data-correct="pending"' in answered
    acted = guest.post(f"/lessons/{SLUG}/actions/0/", **HX).content.decode()
    assert 'data-correct="yes"' in acted and 'data-passed="true"' in acted
    assert "pod/web created" in acted
    assert "kubectl apply -f manifests/pod.yaml" in acted and ">Run it<" in acted
    ran = guest.post(f"/lessons/{SLUG}/actions/1/", **HX).content.decode()  # Run it: kubeviz reads the command
    assert "pod/web unchanged" in ran
    hinted = guest.post(f"/lessons/{SLUG}/hint/", **HX).content.decode()
    assert "The buttons under the text act on your own cluster" in hinted
    nxt = guest.post(f"/lessons/{SLUG}/next/", **HX).content.decode()
    assert "Who places the pod?" in nxt


def test_without_htmx_a_button_redirects_and_errors_are_flashed(guest):
    response = guest.post(f"/lessons/{SLUG}/back/")
    assert response.status_code == 302
    assert "this is the first step" in guest.get(f"/lessons/{SLUG}/").content.decode()


def test_posts_need_csrf_and_another_visitor_has_no_panel(guest):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/lessons/{SLUG}/start/").status_code == 403
    assert Client().get(f"/lessons/{SLUG}/panel/").status_code == 404
    assert Client().post(f"/lessons/{SLUG}/next/", **HX).status_code == 404
