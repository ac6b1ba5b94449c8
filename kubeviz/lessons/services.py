"""A learner playing a lesson: start or resume it on a sandbox of their own, act, answer,
reveal hints, move between steps, restart a step.

Entering a step sets the clock it wants, notes where it began (its scope: the wait and the
prediction look only at what happens after) and snapshots the cluster, so Restart puts the
cluster back as it was when the step opened. Every activity goes through the cluster's one
permission rule (``clusters.access.cluster_check``: the learner acts on their own sandbox),
which also marks the sandbox used so it does not fall asleep under them.
"""
from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kubeviz.accounts.roles import Identity
from kubeviz.actions import ActionError, run_action
from kubeviz.apiserver import errors
from kubeviz.apiserver.errors import StatusError
from kubeviz.checks import Scope
from kubeviz.clusters.access import cluster_check
from kubeviz.clusters.models import Cluster, Snapshot
from kubeviz.clusters.permissions import Action
from kubeviz.clusters.services import sandbox_create, snapshot_create, snapshot_restore
from kubeviz.engine.control import clock_set

from .loader import Lesson, Step, lesson_get
from .models import LessonProgress
from .playthrough import open_cluster
from .selectors import progress_find, step_state

#: an activity more than this long after the previous one counts as this long
ACTIVE_GAP_CAP = timedelta(minutes=2)
SNAPSHOT_PREFIX = "lesson-step-"


def lesson_require(slug: str) -> Lesson:
    lesson = lesson_get(slug)
    if lesson is None:
        raise errors.not_found("lessons", slug)
    return lesson


def _learner_fields(identity: Identity) -> dict[str, object]:
    if identity.user is not None:
        return {"owner": identity.user, "owner_guest": ""}
    if identity.guest:
        return {"owner": None, "owner_guest": identity.guest}
    raise StatusError(403, "Forbidden", "sign in, or press Try it to play as a guest, to start a lesson")


def _key(index: int) -> str:
    return str(index)


def _tick(progress: LessonProgress) -> None:
    """Count the time since the learner's previous activity (capped) as time spent."""
    now = timezone.now()
    gap = min(now - progress.last_seen, ACTIVE_GAP_CAP) if progress.last_seen else timedelta(0)
    progress.seconds += max(int(gap.total_seconds()), 0)
    progress.last_seen = now


def _enter(progress: LessonProgress, lesson: Lesson, index: int) -> None:
    """Open step ``index``: its clock, its scope and a snapshot for Restart."""
    cluster = progress.cluster
    step = lesson.steps[index]
    if step.clock:
        clock_set(cluster=cluster, mode=step.clock)
    name = f"{SNAPSHOT_PREFIX}{index}"
    Snapshot.objects.filter(cluster=cluster, name=name).delete()
    snapshot_create(cluster=cluster, name=name)
    _scope_note(progress, index)
    progress.step = index


def _scope_note(progress: LessonProgress, index: int) -> None:
    scope = Scope.now(progress.cluster)
    met = bool((progress.scopes.get(_key(index)) or {}).get("met"))
    progress.scopes = {**progress.scopes, _key(index): {
        "met": met, "seq": scope.since_seq, "revision": scope.since_revision,
        "time": scope.since_time.isoformat() if scope.since_time else None}}


def _sandbox(identity: Identity, lesson: Lesson) -> Cluster:
    cluster = sandbox_create(identity=identity, template=lesson.template)
    open_cluster(cluster)
    cluster.refresh_from_db()
    # The worker takes it from here; a step that wants another clock sets it when it opens.
    clock_set(cluster=cluster, mode=Cluster.CLOCK_LIVE)
    return cluster


@transaction.atomic
def lesson_start(*, identity: Identity, slug: str) -> LessonProgress:
    """Start the lesson on a new sandbox from its template, or resume the learner's
    progress (on a new sandbox, at the same step, if theirs has been deleted meanwhile)."""
    lesson = lesson_require(slug)
    fields = _learner_fields(identity)
    progress = progress_find(identity, slug)
    if progress is not None and progress.cluster is not None:
        cluster_check(progress.cluster, identity, Action.ACT)
        _tick(progress)
        progress.save()
        return progress
    if progress is None:
        progress = LessonProgress(lesson=slug, **fields)
    progress.cluster = _sandbox(identity, lesson)
    progress.step = min(progress.step, len(lesson.steps) - 1)
    _enter(progress, lesson, progress.step)
    progress.save()
    return progress


def _playing(identity: Identity, slug: str) -> tuple[LessonProgress, Lesson, Step]:
    """The learner's progress in the lesson, allowed to act on its sandbox."""
    lesson = lesson_require(slug)
    progress = progress_find(identity, slug)
    if progress is None or progress.cluster is None:
        raise StatusError(409, "Conflict", f"start the lesson {slug} first")
    cluster_check(progress.cluster, identity, Action.ACT)
    _tick(progress)
    return progress, lesson, lesson.steps[min(progress.step, len(lesson.steps) - 1)]


@transaction.atomic
def lesson_act(*, identity: Identity, slug: str, action: int, solution: bool = False) -> str:
    """Run one of the current step's actions (or of its solution); what happened. A
    prediction is answered before acting, so the cluster cannot give the answer away."""
    progress, lesson, step = _playing(identity, slug)
    actions = step.solution if solution else step.actions
    if not 0 <= action < len(actions):
        raise errors.bad_request(f"this step has no action {action} (it has {len(actions)})")
    question = step.question
    if question is not None and question.kind == "prediction" and _key(step.index) not in progress.answers:
        raise StatusError(409, "Conflict", "answer the question first: predict, then watch")
    try:
        text = run_action(progress.cluster, actions[action])
    except ActionError as exc:
        raise errors.bad_request(str(exc).split(": ", 1)[-1]) from exc
    progress.save()
    return text


@transaction.atomic
def lesson_answer(*, identity: Identity, slug: str, answer: str) -> LessonProgress:
    """Answer the current step's question (once). A choice is marked at once; a prediction
    when the cluster records the observed object's next step (``selectors.step_state``)."""
    progress, lesson, step = _playing(identity, slug)
    question = step.question
    if question is None:
        raise errors.bad_request("this step asks no question")
    if answer not in question.options:
        raise errors.bad_request(f'"{answer}" is not one of the options: {", ".join(question.options)}')
    key = _key(step.index)
    if key in progress.answers:
        raise StatusError(409, "Conflict", "this question is already answered")
    correct = answer == question.answer if question.kind == "choice" else None
    # A prediction is about what the cluster records after it is made.
    seq = Cluster.objects.filter(pk=progress.cluster.pk).values_list("step_seq", flat=True).get()
    progress.answers = {**progress.answers, key: {"answer": answer, "correct": correct, "seq": seq}}
    progress.save()
    return progress


@transaction.atomic
def lesson_hint(*, identity: Identity, slug: str) -> LessonProgress:
    """Reveal the current step's next hint."""
    progress, lesson, step = _playing(identity, slug)
    key = _key(step.index)
    shown = int(progress.hints.get(key, 0))
    if shown >= len(step.hints):
        raise StatusError(409, "Conflict", "there are no more hints for this step")
    progress.hints = {**progress.hints, key: shown + 1}
    progress.save()
    return progress


def _move(progress: LessonProgress, lesson: Lesson, index: int) -> None:
    if index >= len(lesson.steps):
        progress.completed = True
        return
    _enter(progress, lesson, index)


@transaction.atomic
def lesson_next(*, identity: Identity, slug: str) -> LessonProgress:
    """On to the next step, once the current step's wait holds (the last step: done)."""
    progress, lesson, step = _playing(identity, slug)
    state = step_state(progress, lesson)
    if not state.wait_passed:
        raise StatusError(409, "Conflict", f"not yet: {state.wait_found} {state.wait_advice}".strip())
    # Met once is met: coming Back to the step (its scope starts again) does not ask it twice.
    progress.scopes = {**progress.scopes, _key(step.index): {**progress.scopes.get(_key(step.index), {}), "met": True}}
    _move(progress, lesson, step.index + 1)
    progress.save()
    return progress


@transaction.atomic
def lesson_skip(*, identity: Identity, slug: str) -> LessonProgress:
    """On to the next step without its wait holding; the skip is recorded."""
    progress, lesson, step = _playing(identity, slug)
    if step.index not in progress.skipped:
        progress.skipped = [*progress.skipped, step.index]
    _move(progress, lesson, step.index + 1)
    progress.save()
    return progress


@transaction.atomic
def lesson_back(*, identity: Identity, slug: str) -> LessonProgress:
    """Back one step (the cluster stays as it is: Restart puts a step's cluster back)."""
    progress, lesson, step = _playing(identity, slug)
    if step.index == 0:
        raise errors.bad_request("this is the first step")
    _enter(progress, lesson, step.index - 1)
    progress.save()
    return progress


@transaction.atomic
def lesson_restart(*, identity: Identity, slug: str) -> LessonProgress:
    """Put the cluster back as it was when the current step opened, and ask its question again."""
    progress, lesson, step = _playing(identity, slug)
    name = f"{SNAPSHOT_PREFIX}{step.index}"
    if not Snapshot.objects.filter(cluster=progress.cluster, name=name).exists():
        snapshot_create(cluster=progress.cluster, name=name)
    progress.cluster = snapshot_restore(cluster=progress.cluster, name=name)
    if step.clock:
        clock_set(cluster=progress.cluster, mode=step.clock)
    _scope_note(progress, step.index)
    progress.answers = {k: v for k, v in progress.answers.items() if k != _key(step.index)}
    progress.completed = False
    progress.save()
    return progress


@transaction.atomic
def progress_adopt(*, guest: str, user: object) -> int:
    """A guest who signs up keeps their lessons' progress (as ``sandboxes_adopt`` keeps their
    sandboxes); a lesson the user had already started keeps the user's own."""
    if not guest:
        return 0
    taken = set(LessonProgress.objects.filter(owner=user).values_list("lesson", flat=True))
    found = LessonProgress.objects.filter(owner__isnull=True, owner_guest=guest).exclude(lesson__in=taken)
    return found.update(owner=user, owner_guest="")
