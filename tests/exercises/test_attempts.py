"""Attempts through their services and selectors: start (a sandbox of one's own, set up),
check (hidden objectives counted, not shown), submit (stored, closed, read-only), reset
(back to the start), and who may see or act on an attempt."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kubeviz.accounts.roles import GUEST_SESSION_KEY, Identity
from kubeviz.accounts.services import learner_create, teacher_create
from kubeviz.apiserver import registry
from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.models import Cluster, Snapshot
from kubeviz.clusters.permissions import Action, Denied
from kubeviz.clusters.services import cluster_delete
from kubeviz.engine.control import component_set
from kubeviz.engine.runner import settle_cluster
from kubeviz.exercises.models import Attempt
from kubeviz.exercises.selectors import attempt_get, attempts_of, attempts_visible, exercise_summary, exercises_list
from kubeviz.exercises.services import (
    AttemptClosed,
    attempt_check,
    attempt_reset,
    attempt_start,
    attempt_submit,
    exercise_find,
)
from tests.classes.helpers import teach

pytestmark = pytest.mark.django_db

SLUG = "pods-stay-pending"


@pytest.fixture
def ada() -> Identity:
    return Identity(user=learner_create(name="ada", password="ada-learns-pods"))


@pytest.fixture
def attempt(ada) -> Attempt:
    return attempt_start(identity=ada, slug=SLUG)


def _pods(cluster: Cluster) -> list[dict]:
    return registry.list_(cluster, by_plural("pods"), "default", label_selector="app=web")["items"]


def _solve(attempt: Attempt) -> None:
    cluster = Cluster.objects.get(pk=attempt.cluster_id)
    component_set(cluster=cluster, component="scheduler", running=True)
    settle_cluster(cluster, horizon=120)


def test_start_makes_a_sandbox_of_the_learners_with_the_setup_played(ada, attempt):
    cluster = Cluster.objects.get(pk=attempt.cluster_id)
    assert cluster.owner_id == ada.user.pk and not cluster.public and not cluster.read_only
    assert cluster.fixture == "demo" and cluster.clock_mode == Cluster.CLOCK_LIVE
    assert cluster.settings["stopped"] == ["scheduler"]
    pods = _pods(cluster)
    assert len(pods) == 3 and {p["status"]["phase"] for p in pods} == {"Pending"}
    assert Snapshot.objects.filter(cluster=cluster, name="exercise-start").exists()
    assert (attempt.exercise, attempt.status, attempt.maximum) == (SLUG, Attempt.OPEN, 5)


def test_unknown_exercise_is_404(ada):
    with pytest.raises(StatusError) as caught:
        attempt_start(identity=ada, slug="no-such-exercise")
    assert caught.value.code == 404


def test_check_counts_hidden_objectives_without_showing_them(attempt):
    untouched = attempt_check(attempt=attempt)
    assert (untouched.score, untouched.maximum, untouched.hidden, untouched.final) == (0, 5, 1, False)
    assert [o.title for o in untouched.objectives] == [
        "The web pods were placed by the scheduler", "Three web pods are ready"]
    first = untouched.objectives[0]
    assert not first.passed and "not placed by the scheduler" in first.message and first.advice
    _solve(attempt)
    solved = attempt_check(attempt=attempt)
    assert (solved.score, solved.hidden) == (5, 1)
    assert all(o.passed and o.message == "" for o in solved.objectives)
    assert "The cause was fixed, not worked around" not in str(solved.as_dict())


def test_a_check_writes_nothing(attempt):
    cluster = Cluster.objects.get(pk=attempt.cluster_id)
    before = (cluster.revision, cluster.step_seq)
    attempt_check(attempt=attempt)
    cluster.refresh_from_db()
    assert (cluster.revision, cluster.step_seq) == before


def test_submit_stores_the_final_grade_closes_the_attempt_and_keeps_the_cluster_read_only(attempt):
    _solve(attempt)
    final = attempt_submit(attempt=attempt)
    assert (final.score, final.final, final.hidden, len(final.objectives)) == (5, True, 0, 3)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score, attempt.maximum) == (Attempt.SUBMITTED, 5, 5)
    assert attempt.submitted is not None
    assert [r["title"] for r in attempt.results][-1] == "The cause was fixed, not worked around"
    assert Cluster.objects.get(pk=attempt.cluster_id).read_only


@pytest.mark.parametrize("service", [attempt_check, attempt_reset, attempt_submit])
def test_a_closed_attempt_refuses_with_409(attempt, service):
    attempt_submit(attempt=attempt)
    with pytest.raises(AttemptClosed) as caught:
        service(attempt=attempt)
    assert caught.value.code == 409 and "closed" in caught.value.message


def test_reset_goes_back_to_the_start_and_renews_the_scope(attempt):
    _solve(attempt)
    assert attempt_check(attempt=attempt).score == 5
    attempt_reset(attempt=attempt)
    cluster = Cluster.objects.get(pk=attempt.cluster_id)
    assert cluster.settings["stopped"] == ["scheduler"] and cluster.clock_mode == Cluster.CLOCK_LIVE
    assert {p["status"]["phase"] for p in _pods(cluster)} == {"Pending"}
    assert attempt_check(attempt=attempt).score == 0
    _solve(attempt)
    assert attempt_check(attempt=attempt).score == 5


def test_who_may_see_and_act_on_an_attempt(ada, attempt):
    bob = Identity(user=learner_create(name="bob", password="bob-learns-pods"))
    teacher = Identity(user=teacher_create(name="teacher", password="projector-in-room-7")[0])
    rival = Identity(user=teacher_create(name="rival", password="projector-in-room-9")[0])
    teach(teacher.user, ada.user)
    guest = Identity(guest="g1")
    assert attempt_get(identity=ada, pk=attempt.pk, action=Action.ACT) == attempt
    for stranger in (bob, guest, Identity()):
        with pytest.raises(Denied) as caught:
            attempt_get(identity=stranger, pk=attempt.pk)
        assert not caught.value.visible
    assert attempt_get(identity=teacher, pk=attempt.pk) == attempt
    with pytest.raises(Denied) as caught:
        attempt_get(identity=teacher, pk=attempt.pk, action=Action.ACT)
    assert caught.value.visible
    assert list(attempts_of(identity=ada)) == [attempt]
    assert list(attempts_of(identity=bob)) == []
    assert list(attempts_visible(identity=teacher)) == [attempt]
    assert list(attempts_visible(identity=rival)) == []  # not rival's learner
    with pytest.raises(Denied):
        attempt_get(identity=rival, pk=attempt.pk)
    assert list(attempts_visible(identity=bob)) == []


def test_a_guest_owns_attempts_by_session_id():
    guest = Identity(guest="g1")
    attempt = attempt_start(identity=guest, slug=SLUG)
    cluster = Cluster.objects.get(pk=attempt.cluster_id)
    assert (attempt.owner_guest, cluster.owner_guest) == ("g1", "g1")
    assert list(attempts_of(identity=guest)) == [attempt]


def test_anonymous_may_not_start():
    with pytest.raises(StatusError) as caught:
        attempt_start(identity=Identity(), slug=SLUG)
    assert caught.value.code == 403


def test_catalogue_filters_and_hides_hidden_objectives():
    assert SLUG in [e.slug for e in exercises_list(tag="troubleshooting")]
    assert SLUG not in [e.slug for e in exercises_list(tag="jobs")]
    assert SLUG not in [e.slug for e in exercises_list(level="beginner")]
    summary = exercise_summary(exercise_find(SLUG))
    assert summary["hidden_objectives"] == 1 and summary["maximum"] == 5
    assert [o["title"] for o in summary["objectives"]] == [
        "The web pods were placed by the scheduler", "Three web pods are ready"]


def test_a_guest_who_signs_up_keeps_their_attempts():
    browser = Client()
    session = browser.session
    session[GUEST_SESSION_KEY] = "g1"
    session.save()
    attempt = attempt_start(identity=Identity(guest="g1"), slug=SLUG)
    password = "a-long-enough-passphrase-7"
    response = browser.post("/accounts/signup/", {"username": "ada", "password1": password, "password2": password})
    assert response.status_code == 302
    ada = Identity(user=User.objects.get(username="ada"))
    assert attempt_get(identity=ada, pk=attempt.pk, action=Action.ACT) == attempt
    assert Cluster.objects.get(pk=attempt.cluster_id).owner_id == ada.user.pk


BROKEN_SETUP = """\
title: Scale what is not there
level: beginner
tags: [deployments]
minutes: 1
template: single-node
task: Nothing.
setup: [{do: scale, name: missing, replicas: 2}]
objectives: [{title: t, message: m, check: {objects: {kind: Deployment, count: 1}}}]
solution: [{do: scale, name: missing, replicas: 3}]
wrong_attempts: [{title: w, actions: [{do: scale, name: missing, replicas: 1}], score: 0}]
"""


def test_a_setup_that_fails_leaves_no_sandbox_behind(ada, tmp_path, monkeypatch):
    from kubeviz.exercises import loader

    (tmp_path / "broken.yaml").write_text(BROKEN_SETUP)
    monkeypatch.setattr(loader, "EXERCISES_DIR", tmp_path)
    with pytest.raises(StatusError) as caught:
        attempt_start(identity=ada, slug="broken")
    assert caught.value.code == 500 and "the setup of exercise broken failed" in caught.value.message
    assert not Cluster.objects.filter(owner=ada.user).exists()
    assert not Attempt.objects.exists()


def test_a_submitted_attempts_sandbox_does_not_count_towards_the_limit(ada, settings):
    settings.KUBEVIZ_SANDBOXES_PER_LEARNER = 1
    first = attempt_start(identity=ada, slug=SLUG)
    with pytest.raises(StatusError) as caught:
        attempt_start(identity=ada, slug=SLUG)
    assert caught.value.code == 403 and "KUBEVIZ_SANDBOXES_PER_LEARNER=1" in caught.value.message
    attempt_submit(attempt=first)
    second = attempt_start(identity=ada, slug=SLUG)
    assert list(attempts_of(identity=ada)) == [second, first]


def test_an_attempt_whose_cluster_was_deleted_answers_gone(attempt):
    cluster_delete(cluster=Cluster.objects.get(pk=attempt.cluster_id))
    attempt.refresh_from_db()
    for service in (attempt_check, attempt_reset, attempt_submit):
        with pytest.raises(StatusError) as caught:
            service(attempt=attempt)
        assert caught.value.code == 410 and "was deleted" in caught.value.message
