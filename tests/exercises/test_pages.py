"""The exercise pages: the catalogue with its filters, an exercise beside its attempt's
dashboard (its beside block, as a lesson), Start / Check my work / Submit / Reset as forms with CSRF, hidden objectives
only in the final grade, and everything a user can name escaped."""
from __future__ import annotations

import re

import pytest
from django.test import Client

from kubeviz.exercises.models import Attempt
from tests.exercises.helpers import SLUG, learner

pytestmark = pytest.mark.django_db

PAGE = f"/exercises/{SLUG}/"
HIDDEN = "The cause was fixed, not worked around"


@pytest.fixture
def ada_page():
    page = Client()
    page.force_login(learner("ada"))
    return page


def started(page: Client) -> Attempt:
    r = page.post(f"{PAGE}start/")
    assert r.status_code == 302
    return Attempt.objects.get()


@pytest.mark.parametrize(("query", "listed"), [("", True), ("?tag=troubleshooting", True), ("?level=beginner", False),
                                               ("?tag=<script>", True)])
def test_the_catalogue_lists_and_filters(db, query, listed):
    page = Client().get(f"/exercises/{query}").content.decode()
    assert ("Pods stay Pending" in page) is listed
    assert "<script>" not in page.split("<main>")[1]
    assert 'href="/exercises/"' in page  # the nav link


def test_the_exercise_page_renders_the_task_and_no_hidden_objective(db):
    page = Client().get(PAGE).content.decode()
    assert "<code>kubectl get pods</code>" in page  # Markdown, rendered
    assert "Three web pods are ready" in page and "1 more objective hidden" in page
    assert HIDDEN not in page and 'id="exercise-start"' in page
    assert 'id="hints"' in page and "<code>FailedScheduling</code>" in page


def test_a_visitor_who_starts_becomes_a_guest_with_an_attempt(db):
    page = Client()
    r = page.post(f"{PAGE}start/")
    attempt = Attempt.objects.get()
    assert r.status_code == 302 and attempt.owner_id is None and attempt.owner_guest
    shown = page.get(r["Location"]).content.decode()
    assert f'id="dashboard" data-cluster="{attempt.cluster.name}"' in shown and 'id="exercise-check"' in shown


def test_start_shows_the_task_beside_the_dashboard_the_kubeconfig_and_the_buttons(ada_page):
    attempt = started(ada_page)
    page = ada_page.get(PAGE).content.decode()
    name = attempt.cluster.name
    stage = page.split('<div class="stage">')[1]  # the task is the dashboard's beside block, as a lesson
    assert stage.index('id="exercise"') < stage.index('id="diagram-wrap"') and "<iframe" not in page
    assert f'id="dashboard" data-cluster="{name}"' in page and 'class="dashboard exercise"' in page
    assert f'href="/clusters/{name}/kubeconfig"' in page
    for button in ("exercise-check", "exercise-submit", "exercise-reset"):
        assert f'id="{button}"' in page
    assert page.count("csrfmiddlewaretoken") >= 3


def test_check_from_the_page_swaps_only_the_results(ada_page):
    attempt = started(ada_page)
    part = ada_page.post(f"{PAGE}attempts/{attempt.pk}/check/", HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<section id="results"') and 'id="score">0</span> of 5' in part
    assert 'id="dashboard"' not in part


def test_check_shows_each_visible_objective_with_its_message(ada_page):
    attempt = started(ada_page)
    page = ada_page.post(f"{PAGE}attempts/{attempt.pk}/check/").content.decode()
    results = page.split('id="results"')[1]
    assert 'id="score">0</span> of 5' in results
    assert results.count('data-passed="false"') == 2 and "not placed by the scheduler" in results
    assert HIDDEN not in page and "1 hidden objective counted" in results


def test_submit_shows_the_final_grade_with_every_objective(ada_page):
    attempt = started(ada_page)
    r = ada_page.post(f"{PAGE}attempts/{attempt.pk}/submit/")
    assert r.status_code == 302
    page = ada_page.get(r["Location"]).content.decode()
    assert 'id="final-score">0</span> of 5' in page and HIDDEN in page and "read-only for review" in page
    again = ada_page.post(f"{PAGE}attempts/{attempt.pk}/check/", follow=True).content.decode()
    assert "closed" in again


def test_reset_is_a_form_and_says_what_it_did(ada_page):
    attempt = started(ada_page)
    r = ada_page.post(f"{PAGE}attempts/{attempt.pk}/reset/", follow=True)
    assert "Back to the start" in r.content.decode()


def test_someone_elses_attempt_is_not_found(ada_page):
    attempt = started(ada_page)
    bo = Client()
    bo.force_login(learner("bo"))
    assert bo.get(f"{PAGE}?attempt={attempt.pk}").status_code == 404
    assert bo.post(f"{PAGE}attempts/{attempt.pk}/check/").status_code == 404
    assert "Start" in bo.get(PAGE).content.decode()  # their own page knows no attempt


def test_escapes_what_the_checks_found(ada_page, monkeypatch):
    from kubeviz.exercises import grading

    attempt = started(ada_page)
    real = grading.grade

    def hostile(*args, **kwargs):
        result = real(*args, **kwargs)
        first = result.objectives[0].__class__(**{**result.objectives[0].__dict__, "found": "<img src=x onerror=alert(1)>"})
        return result.__class__(**{**result.__dict__, "objectives": (first, *result.objectives[1:])})

    monkeypatch.setattr("kubeviz.exercises.services.grade", hostile)
    page = ada_page.post(f"{PAGE}attempts/{attempt.pk}/check/").content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and not re.search(r"<img src=x", page)


def test_the_account_link_and_page_are_reached_from_the_header(ada_page):
    page = ada_page.get("/exercises/").content.decode()
    assert 'href="/accounts/"' in page
    assert "Personal API tokens" in ada_page.get("/accounts/").content.decode()
