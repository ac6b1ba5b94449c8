"""Reads about exams and sittings, as the permissions allow: anyone signed in sees the
exams; a sitting is its learner's and the teachers'."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from kubeviz.accounts.roles import Identity
from kubeviz.apiserver import errors
from kubeviz.exercises.models import Attempt

from .models import Exam, Sitting


def exams_list() -> QuerySet[Exam]:
    return Exam.objects.all()


def exam_get(*, pk: int) -> Exam:
    exam = Exam.objects.filter(pk=pk).first()
    if exam is None:
        raise errors.not_found("exams", str(pk))
    return exam


def exam_card(exam: Exam) -> dict[str, Any]:
    return {"id": exam.pk, "title": exam.title, "exercises": list(exam.exercises), "minutes": exam.minutes,
            "created": exam.created}


def sittings_of(*, user) -> dict[int, int]:
    """The user's sittings, by exam: which exams they have sat (or are sitting)."""
    return dict(Sitting.objects.filter(learner=user).values_list("exam_id", "pk"))


def sitting_get(*, identity: Identity, pk: int) -> Sitting:
    """Its learner's, or any for a teacher; someone else's answers as missing (404)."""
    sitting = Sitting.objects.select_related("exam", "learner").filter(pk=pk).first()
    mine = sitting is not None and identity.user is not None and sitting.learner_id == identity.user.pk
    if sitting is None or not (mine or identity.is_teacher):
        raise errors.not_found("sittings", str(pk))
    return sitting


def sitting_attempts(sitting: Sitting) -> list[Attempt]:
    """The sitting's attempts, in the exam's order of exercises."""
    order = {slug: i for i, slug in enumerate(sitting.exam.exercises)}
    found = Attempt.objects.select_related("cluster").filter(sitting_id=sitting.pk)
    return sorted(found, key=lambda a: order.get(a.exercise, len(order)))


def sitting_card(sitting: Sitting) -> dict[str, Any]:
    left = 0 if sitting.submitted else max(0, int((sitting.deadline - timezone.now()).total_seconds()))
    return {"id": sitting.pk, "exam": sitting.exam_id, "title": sitting.exam.title,
            "learner": sitting.learner.get_username(), "started": sitting.started, "deadline": sitting.deadline,
            "submitted": sitting.submitted, "timed_out": sitting.timed_out, "seconds_left": left,
            "page_url": reverse("sitting-detail", args=[sitting.pk])}
