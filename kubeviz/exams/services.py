"""Exams: a teacher makes one, a learner sits it (every attempt started at once), and when
the time limit passes everything still open is submitted.

Time is enforced twice, so a deadline holds whether or not anyone is looking: on the next
request that touches the sitting or one of its attempts (``sitting_enforce``), and by the
worker's periodic sweep (``sittings_expire``, from ``kubeviz.clusters.sleep.sweep_run``)."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from kubeviz.accounts.roles import Identity
from kubeviz.apiserver import errors
from kubeviz.exercises.models import Attempt
from kubeviz.exercises.selectors import exercises_list
from kubeviz.exercises.services import attempt_start, attempt_submit

from .models import Exam, Sitting


@transaction.atomic
def exam_create(*, identity: Identity, title: str, exercises: list[str], minutes: int) -> Exam:
    """Teachers only; every slug must be a shipped exercise (the message lists unknown ones)."""
    if not identity.is_teacher:
        raise errors.forbidden("exams", title, "only teachers make exams")
    known = {e.slug for e in exercises_list()}
    unknown = [slug for slug in exercises if slug not in known]
    if unknown:
        raise errors.StatusError(400, "BadRequest", f"no such exercise: {', '.join(unknown)}",
                                 causes=[{"reason": "FieldValueNotFound", "message": f"no such exercise: {slug}",
                                          "field": "exercises"} for slug in unknown])
    return Exam.objects.create(title=title, exercises=list(exercises), minutes=minutes, created_by=identity.user)


@transaction.atomic
def sitting_start(*, identity: Identity, exam: Exam, now: datetime | None = None) -> Sitting:
    """Start the exam for a signed-in learner: the clock starts now, and every exercise's
    attempt is started, each on its own sandbox. Once per learner and exam (409 after)."""
    if identity.user is None:
        raise errors.forbidden("exams", str(exam.pk), "sign in to sit an exam: a sitting is graded by name")
    start = now or timezone.now()
    try:
        with transaction.atomic():
            sitting = Sitting.objects.create(exam=exam, learner=identity.user, started=start,
                                             deadline=start + timedelta(minutes=exam.minutes))
    except IntegrityError:
        raise errors.conflict("sittings", str(exam.pk), "you have already sat this exam") from None
    for slug in exam.exercises:
        attempt_start(identity=identity, slug=slug, sitting_id=sitting.pk)
    return sitting


def _submit_open(sitting: Sitting) -> None:
    for attempt in Attempt.objects.filter(sitting_id=sitting.pk, status=Attempt.OPEN):
        attempt_submit(attempt=attempt)


@transaction.atomic
def sitting_submit(*, sitting: Sitting, timed_out: bool = False, now: datetime | None = None) -> Sitting:
    """Submit every attempt still open and close the sitting (the learner is done, or the
    time is up). Closing twice changes nothing."""
    locked = Sitting.objects.select_for_update().get(pk=sitting.pk)
    if locked.submitted is None:
        _submit_open(locked)
        locked.submitted = now or timezone.now()
        locked.timed_out = timed_out
        locked.save(update_fields=["submitted", "timed_out"])
    sitting.refresh_from_db()
    return sitting


def sitting_enforce(*, sitting_id: int | None, now: datetime | None = None) -> bool:
    """Whatever touches a sitting (or an attempt of one) calls this first: past the deadline,
    everything is submitted before the request goes on. True if it closed the sitting now."""
    if sitting_id is None:
        return False
    now = now or timezone.now()
    sitting = Sitting.objects.filter(pk=sitting_id, submitted__isnull=True, deadline__lte=now).first()
    if sitting is None:
        return False
    sitting_submit(sitting=sitting, timed_out=True, now=now)
    return True


def sittings_expire(*, now: datetime | None = None) -> list[int]:
    """The sweep's part: close every sitting whose time ran out; returns their ids."""
    now = now or timezone.now()
    due = list(Sitting.objects.filter(submitted__isnull=True, deadline__lte=now).values_list("pk", flat=True))
    for pk in due:
        sitting_enforce(sitting_id=pk, now=now)
    return due


