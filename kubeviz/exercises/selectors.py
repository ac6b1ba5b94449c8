"""Reads about exercises and attempts: the catalogue, one's own attempts, everyone's for
teachers, and one attempt as the permissions allow."""
from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from kubeviz.accounts.roles import Identity
from kubeviz.clusters.permissions import Action, Denied, is_owner, may_see

from .loader import Exercise, ExerciseError, exercise_get, exercise_names
from .models import Attempt


def exercises_list(*, tag: str | None = None, level: str | None = None) -> list[Exercise]:
    """The shipped exercises that parse (a broken file is for ``exercise_check`` to report),
    filtered by tag and level."""
    out = []
    for slug in exercise_names():
        try:
            exercise = exercise_get(slug)
        except ExerciseError:
            continue
        if (tag is None or tag in exercise.tags) and (level is None or level == exercise.level):
            out.append(exercise)
    return out


def exercise_summary(exercise: Exercise) -> dict[str, Any]:
    """What a learner may know of an exercise before starting: the visible objectives with
    their weights, and only how many are hidden."""
    return {
        "slug": exercise.slug, "title": exercise.title, "level": exercise.level, "tags": list(exercise.tags),
        "minutes": exercise.minutes, "template": exercise.template, "task": exercise.task,
        "objectives": [{"title": o.title, "weight": o.weight} for o in exercise.objectives if not o.hidden],
        "hidden_objectives": exercise.hidden_count, "maximum": exercise.maximum, "hints": len(exercise.hints),
    }


def attempts_of(*, identity: Identity) -> QuerySet[Attempt]:
    """A learner's (or guest's) own attempts, newest first."""
    if identity.user is not None:
        return Attempt.objects.filter(owner=identity.user)
    if identity.guest:
        return Attempt.objects.filter(owner__isnull=True, owner_guest=identity.guest)
    return Attempt.objects.none()


def attempts_all() -> QuerySet[Attempt]:
    """Every learner's attempts (for teachers), newest first."""
    return Attempt.objects.select_related("owner", "cluster")


def attempts_visible(*, identity: Identity) -> QuerySet[Attempt]:
    """What this person may list: a teacher their learners' (staff everyone's), anyone else
    their own."""
    if identity.is_staff:
        return attempts_all()
    if identity.is_teacher:
        from kubeviz.classes.selectors import learner_ids_of

        return attempts_all().filter(Q(owner=identity.user) | Q(owner_id__in=learner_ids_of(identity.user)))
    return attempts_of(identity=identity)


def attempt_may(identity: Identity, action: Action, attempt: Attempt) -> bool:
    """Watch (read, list): its learner and teachers. Act (check, reset, submit): its learner
    only; a teacher reviews an attempt, the learner's grade is the learner's to take."""
    if is_owner(identity, attempt):
        return True
    return action is Action.WATCH and may_see(identity, attempt)


def attempt_get(*, identity: Identity, pk: int, action: Action = Action.WATCH) -> Attempt:
    """One attempt, if this person may ``action`` it. Someone else's answers as a missing
    one (``Denied`` with ``visible`` false: the REST layer's 404), so ids do not leak; a
    teacher asking to act on a learner's attempt is told why (403)."""
    attempt = Attempt.objects.select_related("cluster").filter(pk=pk).first()
    if attempt is None or not attempt_may(identity, Action.WATCH, attempt):
        raise Denied(action, False, f"attempt {pk} not found")
    if not attempt_may(identity, action, attempt):
        raise Denied(action, True, "only the learner who started an attempt may check, reset or submit it")
    return attempt
