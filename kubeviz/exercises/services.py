"""Attempts: start one on a sandbox of the learner's own, check it, reset it, submit it.

Callers (the REST API, pages) find the attempt with ``selectors.attempt_get``, which applies
the permissions; these functions then act on it. Errors are ``StatusError``s, so every door
renders them as the one Status body: an unknown exercise 404, a closed attempt 409.
"""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from kubeviz.accounts.roles import Identity
from kubeviz.actions import ActionError
from kubeviz.apiserver import errors
from kubeviz.apiserver.errors import StatusError
from kubeviz.checks import Scope
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.services import (
    _owner_fields,
    cluster_delete,
    sandbox_create,
    snapshot_create,
    snapshot_restore,
)
from kubeviz.engine.control import clock_set
from kubeviz.engine.runner import pause_clock

from .grading import Grade, grade
from .loader import Exercise, ExerciseError, exercise_get
from .models import Attempt
from .playthrough import setup_run

#: the snapshot of the exercise's start, taken once the setup settled; reset restores it
START_SNAPSHOT = "exercise-start"


class AttemptClosed(StatusError):
    """A submitted attempt takes no more checks or resets (409)."""

    def __init__(self, attempt: Attempt):
        super().__init__(409, "Conflict", f"attempt {attempt.pk} was submitted: it is closed, and its cluster is "
                                          "kept read-only for review; start a new attempt to try again",
                         name=str(attempt.pk), kind="Attempt")


def exercise_find(slug: str) -> Exercise:
    """A shipped exercise, or 404."""
    try:
        return exercise_get(slug)
    except ExerciseError:
        raise errors.not_found("exercises", slug) from None


def _scope(attempt: Attempt) -> Scope:
    return Scope(since_seq=attempt.scope_seq, since_revision=attempt.scope_revision, since_time=attempt.scope_time)


def _cluster(attempt: Attempt) -> Cluster:
    """The attempt's cluster: the one read with it in this request if any (a check, fifty a
    second, is spared a query), else read now (a locked attempt is read alone)."""
    if attempt.cluster_id is None:
        raise StatusError(410, "Gone", f"the cluster of attempt {attempt.pk} was deleted")
    if not Attempt.cluster.is_cached(attempt):
        attempt.cluster = Cluster.objects.get(pk=attempt.cluster_id)
    return attempt.cluster


def _open(attempt: Attempt) -> Attempt:
    """The attempt, locked and re-read, unless it is closed."""
    locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if not locked.is_open:
        raise AttemptClosed(locked)
    return locked


def attempt_start(*, identity: Identity, slug: str, sitting_id: int | None = None) -> Attempt:
    """A new attempt: a sandbox of the learner's from the exercise's template, the setup
    played and settled, a snapshot of that start (for reset), then the clock back to live,
    so the learner finds the cluster running as a real one would.

    Not one transaction, on purpose: settling commits in short chunks so that other
    clusters' writers are not held behind a setup (SQLite has one write lock). The sandbox
    is made paused, so no worker runs it meanwhile; if the setup fails it is deleted."""
    exercise = exercise_find(slug)
    if identity.user is None and not identity.guest:
        raise errors.forbidden("attempts", slug, "log in (or press Try it) to start an exercise")
    with transaction.atomic():
        cluster = sandbox_create(identity=identity, template=exercise.template)
        pause_clock(cluster)
    try:
        try:
            scope = setup_run(cluster, exercise)
        except ActionError as exc:  # a content bug, which exercise_check reports before release
            raise errors.internal(f"the setup of exercise {slug} failed: {exc}") from exc
        with transaction.atomic():
            snapshot_create(cluster=cluster, name=START_SNAPSHOT)
            clock_set(cluster=cluster, mode=Cluster.CLOCK_LIVE)
            return Attempt.objects.create(
                exercise=exercise.slug, cluster=cluster, scope_seq=scope.since_seq,
                scope_revision=scope.since_revision, scope_time=scope.since_time,
                setup_settings=dict(cluster.settings or {}), maximum=exercise.maximum, sitting_id=sitting_id,
                **_owner_fields(identity),
            )
    except BaseException:
        cluster_delete(cluster=cluster)
        raise


def attempt_check(*, attempt: Attempt) -> Grade:
    """The grade so far (hidden objectives counted, not shown). Reads only."""
    if not attempt.is_open:
        raise AttemptClosed(attempt)
    return grade(_cluster(attempt), exercise_find(attempt.exercise), _scope(attempt), final=False)


@transaction.atomic
def attempt_submit(*, attempt: Attempt) -> Grade:
    """The final grade, every objective shown; stored, the attempt closed, its cluster kept
    read-only for review."""
    locked = _open(attempt)
    cluster = _cluster(locked)
    result = grade(cluster, exercise_find(locked.exercise), _scope(locked), final=True)
    locked.status = Attempt.SUBMITTED
    locked.score = result.score
    locked.maximum = result.maximum
    locked.results = result.as_dict()["objectives"]
    locked.submitted = timezone.now()
    locked.save(update_fields=["status", "score", "maximum", "results", "submitted"])
    Cluster.objects.filter(pk=cluster.pk).update(read_only=True)
    attempt.refresh_from_db()
    return result


@transaction.atomic
def attempt_reset(*, attempt: Attempt) -> Attempt:
    """Back to the exercise's start: the snapshot's objects, the setup's switches (stopped
    components, failed nodes), a new scope (what was done before no longer counts), the
    clock live."""
    locked = _open(attempt)
    cluster = snapshot_restore(cluster=_cluster(locked), name=START_SNAPSHOT)
    Cluster.objects.filter(pk=cluster.pk).update(settings=dict(locked.setup_settings or {}))
    cluster.refresh_from_db()
    clock_set(cluster=cluster, mode=Cluster.CLOCK_LIVE)
    scope = Scope.now(cluster)
    locked.scope_seq, locked.scope_revision, locked.scope_time = scope.since_seq, scope.since_revision, scope.since_time
    locked.save(update_fields=["scope_seq", "scope_revision", "scope_time"])
    attempt.refresh_from_db()
    return attempt


@transaction.atomic
def attempts_adopt(*, guest: str, user: AbstractBaseUser) -> int:
    """A guest who signs up keeps their attempts, as they keep their sandboxes. Returns how many."""
    if not guest:
        return 0
    return Attempt.objects.filter(owner__isnull=True, owner_guest=guest).update(owner=user, owner_guest="")
