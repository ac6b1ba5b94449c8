"""A learner plays lesson 1 through the services: sandbox, clock, snapshots, answers, hints,
moving between steps, restart, and who may do what."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from kubeviz.accounts.roles import Identity
from kubeviz.apiserver import registry
from kubeviz.apiserver.errors import StatusError
from kubeviz.clusters.models import Cluster, Snapshot
from kubeviz.clusters.permissions import Denied
from kubeviz.lessons import services
from kubeviz.lessons.loader import lesson_get
from kubeviz.lessons.selectors import progress_list, step_state
from tests.classes.helpers import teach

SLUG = "life-of-a-pod"
GUEST = Identity(guest="guest-1")


def _pods(cluster: Cluster) -> list[str]:
    return [p["metadata"]["name"] for p in registry.objects(cluster, "pods", "default")]


@pytest.fixture
def started(db):
    return services.lesson_start(identity=GUEST, slug=SLUG)


def test_start_makes_the_learners_sandbox_and_opens_the_first_step(started):
    cluster = started.cluster
    assert (cluster.owner_guest, cluster.fixture, cluster.clock_mode) == ("guest-1", "single-node", "step")
    assert started.step == 0 and "0" in started.scopes
    assert Snapshot.objects.filter(cluster=cluster, name="lesson-step-0").exists()
    again = services.lesson_start(identity=GUEST, slug=SLUG)
    assert (again.pk, again.cluster_id) == (started.pk, cluster.pk)


def test_a_prediction_is_answered_before_acting_and_marked_by_what_the_cluster_records(started):
    services.lesson_next(identity=GUEST, slug=SLUG)
    with pytest.raises(StatusError, match="answer the question first"):
        services.lesson_act(identity=GUEST, slug=SLUG, action=0)
    progress = services.lesson_answer(identity=GUEST, slug=SLUG, answer="apiserver")
    assert step_state(progress, lesson_get(SLUG)).correct is None  # nothing recorded yet
    assert "created" in services.lesson_act(identity=GUEST, slug=SLUG, action=0)
    state = step_state(progress, lesson_get(SLUG))
    assert (state.correct, state.actual, state.wait_passed) == (True, "apiserver", True)
    assert services.lesson_next(identity=GUEST, slug=SLUG).step == 2
    progress = services.lesson_back(identity=GUEST, slug=SLUG)  # a new scope: nothing done in it yet
    assert step_state(progress, lesson_get(SLUG)).wait_found == "you did this step before"
    assert services.lesson_next(identity=GUEST, slug=SLUG).step == 2


def test_next_waits_for_the_wait_and_skip_does_not(started):
    services.lesson_next(identity=GUEST, slug=SLUG)
    with pytest.raises(StatusError, match="not yet: "):
        services.lesson_next(identity=GUEST, slug=SLUG)
    progress = services.lesson_skip(identity=GUEST, slug=SLUG)
    assert (progress.step, progress.skipped) == (2, [1])
    assert services.lesson_back(identity=GUEST, slug=SLUG).step == 1


def test_hints_are_revealed_one_at_a_time(started):
    services.lesson_next(identity=GUEST, slug=SLUG)
    lesson = lesson_get(SLUG)
    progress = services.lesson_hint(identity=GUEST, slug=SLUG)
    assert step_state(progress, lesson).hints == [lesson.steps[1].hints[0]]
    progress = services.lesson_hint(identity=GUEST, slug=SLUG)
    assert len(step_state(progress, lesson).hints) == 2
    with pytest.raises(StatusError, match="no more hints"):
        services.lesson_hint(identity=GUEST, slug=SLUG)


def test_restart_puts_the_cluster_back_as_the_step_opened(started):
    services.lesson_next(identity=GUEST, slug=SLUG)
    services.lesson_answer(identity=GUEST, slug=SLUG, answer="etcd")
    services.lesson_act(identity=GUEST, slug=SLUG, action=0)
    assert _pods(started.cluster) == ["web"]
    progress = services.lesson_restart(identity=GUEST, slug=SLUG)
    assert _pods(progress.cluster) == [] and "1" not in progress.answers
    assert progress.cluster.clock_mode == "step"


def test_a_choice_is_marked_at_once(started):
    progress = started
    progress.step = 5
    progress.save()
    progress = services.lesson_answer(identity=GUEST, slug=SLUG, answer="the kubelet")
    assert step_state(progress, lesson_get(SLUG)).correct is False
    with pytest.raises(StatusError, match="already answered"):
        services.lesson_answer(identity=GUEST, slug=SLUG, answer="the API server")


@pytest.mark.parametrize("call", [
    lambda who: services.lesson_next(identity=who, slug=SLUG),
    lambda who: services.lesson_hint(identity=who, slug=SLUG),
])
def test_no_one_else_plays_a_learners_lesson(started, call):
    with pytest.raises(StatusError, match="start the lesson"):
        call(Identity(guest="someone-else"))
    started.owner_guest = "someone-else"  # their record, on a sandbox that is not theirs
    started.save()
    with pytest.raises(Denied):
        call(Identity(guest="someone-else"))


def test_anonymous_visitors_cannot_start_and_unknown_lessons_are_404(db):
    with pytest.raises(StatusError, match="Try it"):
        services.lesson_start(identity=Identity(), slug=SLUG)
    with pytest.raises(StatusError) as caught:
        services.lesson_start(identity=GUEST, slug="no-such-lesson")
    assert caught.value.code == 404


def test_the_last_step_completes_and_a_guest_who_signs_up_keeps_progress(started, teacher):
    started.step = len(lesson_get(SLUG).steps) - 1
    started.save()
    assert services.lesson_skip(identity=GUEST, slug=SLUG).completed
    user = get_user_model().objects.create_user("ada", password="x-long-password-1")
    assert services.progress_adopt(guest="guest-1", user=user) == 1
    assert [p.lesson for p in progress_list(Identity(user=user))] == [SLUG]
    assert len(progress_list(Identity(user=teacher))) == 0  # not yet their learner
    teach(teacher, user)
    assert len(progress_list(Identity(user=teacher))) == 1
    assert len(progress_list(Identity(guest="guest-1"))) == 0
