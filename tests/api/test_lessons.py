"""REST reads of lessons and progress: the caller's own, a teacher's view of everyone's."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from kubeviz.accounts.roles import Identity
from kubeviz.lessons import services
from tests.classes.helpers import teach

SLUG = "life-of-a-pod"


@pytest.fixture
def learner(db):
    return get_user_model().objects.create_user("ada", password="a-long-password-1")


@pytest.fixture
def learner_api(learner):
    api = APIClient()
    api.force_login(learner)
    return api


def test_the_list_shows_lessons_and_the_callers_progress(learner, learner_api):
    body = APIClient().get("/api/lessons/").json()
    first = next(card for card in body if card["slug"] == SLUG)
    assert (first["title"], first["level"], first["progress"]) == ("The life of a pod", "beginner", None)
    services.lesson_start(identity=Identity(user=learner), slug=SLUG)
    mine = next(card for card in learner_api.get("/api/lessons/").json() if card["slug"] == SLUG)
    assert (mine["progress"]["step"], mine["progress"]["learner"]) == (0, "ada")


def test_a_lesson_shows_its_steps_but_never_the_answers():
    response = APIClient().get(f"/api/lessons/{SLUG}/")
    assert response.status_code == 200
    steps = response.json()["step_list"]
    assert steps[1]["question"] == {"kind": "prediction", "prompt": steps[1]["question"]["prompt"],
                                    "options": ["etcd", "apiserver", "scheduler", "kubelet"]}
    assert "answer" not in response.content.decode() and "solution" not in response.content.decode()


@pytest.mark.parametrize("path", ["/api/lessons/nope/", f"/api/lessons/{SLUG}/progress/"])
def test_missing_is_a_status_404(db, path):
    response = APIClient().get(path)
    assert response.status_code == 404
    assert (response.json()["kind"], response.json()["reason"]) == ("Status", "NotFound")


def test_progress_is_the_learners_own_and_their_teachers_see_it(learner, learner_api, api_client, teacher):
    services.lesson_start(identity=Identity(user=learner), slug=SLUG)
    services.lesson_hint(identity=Identity(user=learner), slug=SLUG)
    mine = learner_api.get(f"/api/lessons/{SLUG}/progress/").json()
    assert (mine["lesson"], mine["hints"], mine["completed"]) == (SLUG, {"0": 1}, False)
    other = get_user_model().objects.create_user("bob", password="a-long-password-2")
    bob = APIClient()
    bob.force_login(other)
    assert bob.get("/api/lesson-progress/").json() == []
    assert [p["learner"] for p in learner_api.get("/api/lesson-progress/").json()] == ["ada"]
    assert api_client.get("/api/lesson-progress/?user=ada").json() == []  # not the teacher's learner
    teach(teacher, learner)
    assert [p["learner"] for p in api_client.get("/api/lesson-progress/?user=ada").json()] == ["ada"]
    assert api_client.get("/api/lesson-progress/?lesson=other").json() == []
    assert api_client.get("/api/lesson-progress/?lesson=not%20a%20slug").status_code == 400
