"""Exams: teachers make them (REST), a learner's sitting starts every attempt at once, and
when the deadline passes everything still open is submitted: on the next request touching
it, or by the worker's sweep. Time moves by putting the deadline in the past, never by
sleeping."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kubeviz.exams.models import Sitting
from kubeviz.exercises.models import Attempt
from tests.exercises.helpers import SLUG, learner, teacher_api, token_api

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam_id(db) -> int:
    r = teacher_api().post("/api/exams/", {"title": "Troubleshooting", "exercises": [SLUG], "minutes": 30},
                           format="json")
    assert r.status_code == 201, r.json()
    return r.json()["id"]


@pytest.fixture
def ada_api(db):
    return token_api(learner("ada"))


@pytest.fixture
def sitting(ada_api, exam_id) -> dict:
    r = ada_api.post(f"/api/exams/{exam_id}/sittings/")
    assert r.status_code == 201, r.json()
    return r.json()


def time_runs_out(sitting_id: int) -> None:
    Sitting.objects.filter(pk=sitting_id).update(deadline=timezone.now() - timedelta(seconds=1))


@pytest.mark.parametrize(("body", "code", "reason"), [
    ({"title": "x", "exercises": ["nope"], "minutes": 10}, 400, "BadRequest"),
    ({"title": "x", "exercises": [], "minutes": 10}, 400, "BadRequest"),
    ({"title": "x", "exercises": [SLUG], "minutes": 0}, 400, "BadRequest"),
])
def test_a_teacher_makes_exams_of_real_exercises(db, body, code, reason):
    r = teacher_api().post("/api/exams/", body, format="json")
    assert (r.status_code, r.json()["reason"]) == (code, reason)


def test_a_learner_cannot_make_an_exam(ada_api):
    r = ada_api.post("/api/exams/", {"title": "x", "exercises": [SLUG], "minutes": 10}, format="json")
    assert r.status_code == 403 and "only teachers" in r.json()["message"]


def test_a_sitting_starts_every_attempt_with_a_deadline(ada_api, exam_id, sitting):
    assert sitting["exam"] == exam_id and sitting["submitted"] is None and 1700 < sitting["seconds_left"] <= 1800
    assert [a["exercise"] for a in sitting["attempts"]] == [SLUG]
    assert Attempt.objects.get(pk=sitting["attempts"][0]["id"]).sitting_id == sitting["id"]
    again = ada_api.post(f"/api/exams/{exam_id}/sittings/")
    assert again.status_code == 409 and again.json()["reason"] == "Conflict"
    assert [e["id"] for e in ada_api.get("/api/exams/").json()] == [exam_id]


def test_time_running_out_submits_everything_on_the_next_request(ada_api, sitting):
    pk = sitting["attempts"][0]["id"]
    assert ada_api.post(f"/api/attempts/{pk}/check/").status_code == 200
    time_runs_out(sitting["id"])
    r = ada_api.post(f"/api/attempts/{pk}/check/")
    assert r.status_code == 409 and "closed" in r.json()["message"]
    shown = ada_api.get(f"/api/sittings/{sitting['id']}/").json()
    assert shown["timed_out"] and shown["submitted"] and shown["seconds_left"] == 0
    assert [a["status"] for a in shown["attempts"]] == ["submitted"]
    assert shown["attempts"][0]["score"] == 0 and len(shown["attempts"][0]["results"]) == 3


def test_the_sweep_submits_a_sitting_nobody_touches(sitting):
    time_runs_out(sitting["id"])
    call_command("sweep")
    closed = Sitting.objects.get(pk=sitting["id"])
    assert closed.submitted is not None and closed.timed_out
    assert Attempt.objects.get(sitting_id=sitting["id"]).status == Attempt.SUBMITTED


def test_the_sweep_leaves_a_sitting_with_time_left(sitting):
    call_command("sweep")
    assert Sitting.objects.get(pk=sitting["id"]).submitted is None


def test_handing_in_submits_everything_and_others_cannot_see_the_sitting(ada_api, sitting):
    bo = token_api(learner("bo"))
    assert bo.get(f"/api/sittings/{sitting['id']}/").status_code == 404
    assert bo.post(f"/api/sittings/{sitting['id']}/submit/").status_code == 404
    r = ada_api.post(f"/api/sittings/{sitting['id']}/submit/")
    assert r.status_code == 200 and r.json()["submitted"] and not r.json()["timed_out"]
    assert [a["status"] for a in r.json()["attempts"]] == ["submitted"]


def test_the_sitting_page_counts_down_and_shows_the_grade_when_time_is_up(ada_api, sitting, client):
    from django.contrib.auth.models import User
    client.force_login(User.objects.get(username="ada"))
    page = client.get(sitting["page_url"]).content.decode()
    assert 'id="countdown-left"' in page and 'id="countdown-data"' in page and "Hand in" in page
    time_runs_out(sitting["id"])
    page = client.get(sitting["page_url"]).content.decode()
    assert "the time ran out" in page and "0 of 5" in page and "Hand in" not in page


def test_a_learner_sits_an_exam_from_the_exercises_page(exam_id, client):
    from kubeviz.accounts.services import teacher_create
    from kubeviz.exams.models import Exam
    assert Exam.objects.filter(pk=exam_id).exists()
    client.force_login(learner("cy"))
    listing = client.get("/exercises/").content.decode()
    assert f'action="/exams/{exam_id}/sit/"' in listing and "Troubleshooting" in listing
    r = client.post(f"/exams/{exam_id}/sit/")
    assert r.status_code == 302 and r["Location"].startswith("/exams/sittings/")
    assert "your sitting" in client.get("/exercises/").content.decode()
    again = client.post(f"/exams/{exam_id}/sit/", follow=True).content.decode()
    assert "already sat this exam" in again
    admin = Client()
    admin.force_login(teacher_create(name="head", password="pw-head-12345", admin=True)[0])
    assert "Troubleshooting" in admin.get("/admin/exams/exam/").content.decode()
