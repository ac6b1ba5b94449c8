"""Reads about classes: who teaches whom, a class by code or id as its viewer may see it."""
from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from kubeviz.accounts.roles import Identity
from kubeviz.clusters.permissions import Action, Denied

from .models import Classroom, Membership

#: join codes: capitals and digits without the look-alikes (0/O, 1/I/L, 5/S, 2/Z, 8/B)
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6


def learner_ids_of(teacher: AbstractBaseUser) -> frozenset[int]:
    """The user ids of every learner in this teacher's classes, read once per request (the
    user object carries it, as it carries whether it is a teacher)."""
    cached = getattr(teacher, "_kubeviz_learner_ids", None)
    if cached is None:
        cached = frozenset(Membership.objects.filter(classroom__teacher_id=teacher.pk).values_list("user_id", flat=True))
        teacher._kubeviz_learner_ids = cached
    return cached


def demo_ids_of(learner: AbstractBaseUser) -> frozenset[int]:
    """The demo clusters of the classes this user joined (they may watch them), once per request."""
    cached = getattr(learner, "_kubeviz_demo_ids", None)
    if cached is None:
        cached = frozenset(Classroom.objects.filter(members__user_id=learner.pk, demo_cluster__isnull=False)
                           .values_list("demo_cluster_id", flat=True))
        learner._kubeviz_demo_ids = cached
    return cached


def code_normalise(code: str) -> str:
    """What a learner typed, as stored: capitals, without spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def classes_visible(identity: Identity) -> QuerySet[Classroom]:
    """A teacher's own classes (staff: all); a learner's, the classes they joined."""
    found = Classroom.objects.select_related("teacher").order_by("-created", "-pk")
    if identity.is_staff:
        return found
    if identity.user is None:
        return found.none()
    return found.filter(Q(teacher=identity.user) | Q(members__user=identity.user)).distinct()


def class_open(classroom: Classroom, now: datetime | None = None) -> str:
    """Why nobody may join now ("" if they may)."""
    now = now or timezone.now()
    if classroom.archived:
        return "this class has been archived: ask your teacher for a new code"
    if classroom.ends_at is not None and classroom.ends_at <= now:
        return "this class has ended: ask your teacher for a new code"
    return ""


def class_for(identity: Identity, pk: int, action: Action = Action.WATCH) -> Classroom:
    """A class its teacher (or staff) may see and run; anyone else gets ``Denied`` as if it
    were missing, so that ids do not leak. Learners reach their class through ``class_joined``."""
    classroom = Classroom.objects.select_related("teacher", "demo_cluster").filter(pk=pk).first()
    if classroom is None or not (identity.is_staff or (identity.user is not None and classroom.teacher_id == identity.user.pk)):
        raise Denied(action, False, f"class {pk} not found")
    return classroom


def membership_of(identity: Identity, pk: int) -> Membership | None:
    """The viewer's membership in class ``pk``, if they joined it."""
    if identity.user is None:
        return None
    return Membership.objects.select_related("classroom", "cluster").filter(classroom_id=pk, user=identity.user).first()


def members_of(classroom: Classroom) -> list[Membership]:
    return list(classroom.members.select_related("user", "cluster").order_by("display_name", "pk"))


def grade_rows(classroom: Classroom) -> tuple[list[str], list[list[str]]]:
    """The class's gradebook: one row per learner, with each lesson's place (step reached of
    how many, skipped steps, done) and each exercise's latest attempt (score of maximum,
    open or submitted). The same attempts the room and ``/api/attempts/`` show."""
    from kubeviz.exercises.models import Attempt
    from kubeviz.lessons.loader import lesson_get
    from kubeviz.lessons.models import LessonProgress

    members = members_of(classroom)
    users = [m.user_id for m in members]
    progress = {(p.owner_id, p.lesson): p for p in
                LessonProgress.objects.filter(owner_id__in=users, lesson__in=classroom.lessons)}
    latest: dict[tuple[int, str], Attempt] = {}
    for a in Attempt.objects.filter(owner_id__in=users, exercise__in=classroom.exercises).order_by("-started", "-pk"):
        latest.setdefault((a.owner_id, a.exercise), a)
    header = ["learner", "username", "joined", "sandbox"]
    for slug in classroom.lessons:
        header += [f"lesson {slug} step", f"lesson {slug} of", f"lesson {slug} skipped", f"lesson {slug} done"]
    for slug in classroom.exercises:
        header += [f"exercise {slug} score", f"exercise {slug} maximum", f"exercise {slug} status"]
    rows = []
    for m in members:
        row = [m.display_name, m.user.get_username(), m.joined.isoformat(), m.cluster.name if m.cluster else ""]
        for slug in classroom.lessons:
            p = progress.get((m.user_id, slug))
            lesson = lesson_get(slug)
            steps = len(lesson.steps) if lesson is not None else 0
            row += ["", str(steps), "", ""] if p is None else [
                str(p.step + 1), str(steps), " ".join(str(i + 1) for i in p.skipped), "yes" if p.completed else "no"]
        for slug in classroom.exercises:
            a = latest.get((m.user_id, slug))
            row += ["", "", ""] if a is None else [
                "" if a.score is None else str(a.score), str(a.maximum), a.status]
        rows.append(row)
    return header, rows


def follow_role(identity: Identity, pk: int) -> tuple[Classroom, str] | None:
    """Who this is to class ``pk``'s broadcast: ``"teacher"`` (the class's own teacher,
    who publishes), ``"member"`` (a learner in it, or staff: they listen), or None."""
    classroom = Classroom.objects.select_related("teacher", "demo_cluster").filter(pk=pk).first()
    if classroom is None or identity.user is None:
        return None
    if classroom.teacher_id == identity.user.pk:
        return classroom, "teacher"
    if identity.is_staff or (not classroom.archived and classroom.members.filter(user_id=identity.user.pk).exists()):
        return classroom, "member"
    return None
