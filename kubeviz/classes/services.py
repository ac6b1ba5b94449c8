"""Writes about classes: make and edit one, join it, act on every learner's sandbox, archive
or delete it. Every change to a cluster goes through the clusters' and actions' services, as
the learner's own buttons do; permissions are checked per cluster (``cluster_check``)."""
from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from kubeviz.accounts.roles import Identity
from kubeviz.accounts.signals import guest_claimed
from kubeviz.actions import ActionError, parse_action, run_action
from kubeviz.actions.parse import DO_KEYS
from kubeviz.apiserver import errors
from kubeviz.apiserver.errors import StatusError
from kubeviz.clusters import clock
from kubeviz.clusters.access import cluster_check
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.permissions import Action
from kubeviz.clusters.services import cluster_delete, cluster_reset, sandbox_create
from kubeviz.clusters.templates import template_names
from kubeviz.exercises.loader import exercise_names
from kubeviz.lessons.loader import lesson_slugs

from .models import Classroom, Membership
from .selectors import CODE_ALPHABET, CODE_LENGTH, class_open, code_normalise, members_of

CODE_TRIES = 20
ROOM_ACTIONS = ("pause", "resume", "manifest", "fault", "reset", "next-step")


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _free_code() -> str:
    for _ in range(CODE_TRIES):
        code = _code()
        if not Classroom.objects.filter(code=code).exists():
            return code
    raise StatusError(409, "Conflict", f"no free join code after {CODE_TRIES} tries: try again")


def _material_check(template: str, lessons: list[str], exercises: list[str]) -> None:
    """Refuse names that do not exist, each as a field cause (the Status body lists them)."""
    causes = []
    known = {"template": template_names(), "lessons": lesson_slugs(), "exercises": exercise_names()}
    for field, values in (("template", [template]), ("lessons", lessons), ("exercises", exercises)):
        for value in values:
            if value not in known[field]:
                causes.append({"reason": "FieldValueNotSupported", "field": field,
                               "message": f'Unsupported value: "{value}": supported values: {", ".join(known[field])}'})
    if causes:
        raise StatusError(422, "Invalid", "; ".join(c["message"] for c in causes), causes=causes)


@transaction.atomic
def class_create(*, identity: Identity, name: str, template: str, lessons: list[str] | None = None,
                 exercises: list[str] | None = None, ends_at: datetime | None = None,
                 demo_cluster: Cluster | None = None) -> Classroom:
    """A new class of the calling teacher's, with a fresh join code."""
    if not identity.is_teacher:
        raise StatusError(403, "Forbidden", "only a teacher may make a class (an administrator adds teachers)")
    teacher = identity.user
    lessons, exercises = list(lessons or []), list(exercises or [])
    _material_check(template, lessons, exercises)
    for _ in range(CODE_TRIES):
        try:
            with transaction.atomic():
                return Classroom.objects.create(
                    teacher=teacher, name=name, template=template, lessons=lessons, exercises=exercises,
                    ends_at=ends_at, demo_cluster=demo_cluster, code=_free_code())
        except IntegrityError:
            continue
    raise StatusError(409, "Conflict", f"no free join code after {CODE_TRIES} tries: try again")


@transaction.atomic
def class_update(*, classroom: Classroom, **fields: Any) -> Classroom:
    """Change a class's name, template, material, end or demo cluster (learners' existing
    sandboxes keep the template they were made from)."""
    allowed = {"name", "template", "lessons", "exercises", "ends_at", "demo_cluster"}
    unknown = set(fields) - allowed
    if unknown:
        raise errors.bad_request(f"cannot change {', '.join(sorted(unknown))}")
    for key, value in fields.items():
        setattr(classroom, key, value)
    _material_check(classroom.template, classroom.lessons, classroom.exercises)
    classroom.save()
    return classroom


@transaction.atomic
def class_code_regenerate(*, classroom: Classroom) -> Classroom:
    """A new join code; the old one stops working (those who joined stay in)."""
    classroom.code = _free_code()
    classroom.save(update_fields=["code"])
    return classroom


def _username(display_name: str) -> str:
    base = slugify(display_name)[:24] or "learner"
    for _ in range(CODE_TRIES):
        candidate = f"{base}-{''.join(secrets.choice('abcdefghjkmnpqrstuvwxyz23456789') for _ in range(5))}"
        if not User.objects.filter(username=candidate).exists():
            return candidate
    raise StatusError(409, "Conflict", "no free user name: try again")


@transaction.atomic
def class_join(*, code: str, display_name: str, password: str = "", user: AbstractBaseUser | None = None,
               guest: str = "") -> Membership:
    """Join the class with ``code``: as the signed-in ``user``, or as a new account under
    ``display_name`` (with ``password`` if they want to come back from another device).
    Joining again under the same name with that password is coming back. A sandbox from
    the class's template is made for a new member. A wrong code (404), an archived or ended
    class (410), a name already taken (409): nothing is created. A guest who joins keeps
    what they made as the guest (``guest_claimed``), as at sign-up."""
    classroom = Classroom.objects.filter(code=code_normalise(code)).first()
    if classroom is None:
        raise StatusError(404, "NotFound", f'no class has the join code "{code.strip()[:20]}": check it with your teacher')
    closed = class_open(classroom)
    if closed:
        raise errors.gone(closed)
    display_name = " ".join(display_name.split())
    if not 1 <= len(display_name) <= 60:
        raise errors.bad_request("a display name of 1 to 60 characters is needed")
    if user is not None:
        found = Membership.objects.filter(classroom=classroom, user=user).first()
        if found is not None:
            return found
    else:
        same = Membership.objects.select_related("user").filter(classroom=classroom, display_name__iexact=display_name).first()
        if same is not None:
            if password and same.user.has_usable_password() and same.user.check_password(password):
                return same
            raise StatusError(409, "Conflict", f'"{display_name}" is already in this class: choose another name, '
                                               "or give the password chosen with it to come back")
        user = User.objects.create_user(username=_username(display_name), password=password or None)
        if guest:
            guest_claimed.send(sender=User, guest=guest, user=user)
    if Membership.objects.filter(classroom=classroom, display_name__iexact=display_name).exclude(user=user).exists():
        raise StatusError(409, "Conflict", f'"{display_name}" is already in this class: choose another name')
    cluster = sandbox_create(identity=Identity(user=user), template=classroom.template)
    return Membership.objects.create(classroom=classroom, user=user, display_name=display_name, cluster=cluster)


@dataclass(frozen=True)
class Outcome:
    """What a room action did to one learner's sandbox."""

    learner: str
    cluster: str
    ok: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def fault_spec(text: str) -> dict[str, Any]:
    """``node-fail node-2`` (or ``scale name=web replicas=3``) as an action spec: the first
    word is the ``do:`` action, a bare word fills its first required key, ``key=value`` the rest."""
    words = text.split()
    if not words:
        raise ActionError("write a fault, such as: node-fail node-2")
    name, rest = words[0], words[1:]
    keys = DO_KEYS.get(name)
    if keys is None:
        raise ActionError(f'no action "{name}": the actions are {", ".join(DO_KEYS)}')
    spec: dict[str, Any] = {"do": name}
    positional = [k for k, (_, required) in keys.items() if required]
    for word in rest:
        key, sep, value = word.partition("=")
        if not sep:
            if not positional:
                raise ActionError(f'"{word}": {name} takes key=value words ({", ".join(keys)})')
            key, value = positional.pop(0), word
        kind = keys.get(key, (str, False))[0]
        spec[key] = int(value) if kind is int and value.lstrip("-").isdigit() else value
    return spec


def _spec(kind: str, text: str) -> dict[str, Any]:
    if kind == "pause":
        return {"clock": "paused"}
    if kind == "resume":
        return {"clock": "live"}
    if kind == "manifest":
        return {"manifest": text}
    return fault_spec(text)


def _each(classroom: Classroom, teacher: Identity, work: Any) -> list[Outcome]:
    """Run ``work(membership, cluster)`` for every learner, each in its own transaction so
    that one refusal does not undo the others; report each."""
    outcomes = []
    for member in members_of(classroom):
        cluster = member.cluster
        if cluster is None:
            outcomes.append(Outcome(member.display_name, "", False, "no sandbox (it was deleted)"))
            continue
        try:
            with transaction.atomic():
                cluster_check(cluster, teacher, Action.ACT)
                message = work(member, cluster)
            outcomes.append(Outcome(member.display_name, cluster.name, True, message))
        except (ActionError, StatusError) as exc:
            outcomes.append(Outcome(member.display_name, cluster.name, False, getattr(exc, "message", str(exc))))
    return outcomes


def room_act(*, classroom: Classroom, teacher: Identity, kind: str, text: str = "", lesson: str = "") -> list[Outcome]:
    """One room action on every learner's sandbox: ``pause``/``resume`` the clock, apply a
    ``manifest``, a ``fault`` (``node-fail node-2``), a ``reset`` to the template, or hand
    out the ``next-step`` of ``lesson``. Returns what happened per learner."""
    if kind not in ROOM_ACTIONS:
        raise errors.bad_request(f'no room action "{kind}": the actions are {", ".join(ROOM_ACTIONS)}')
    if kind == "reset":
        return _each(classroom, teacher, lambda m, c: (cluster_reset(cluster=c), f"reset to template {c.fixture}")[1])
    if kind == "next-step":
        return lesson_handout(classroom=classroom, teacher=teacher, lesson=lesson)
    try:
        action = parse_action(_spec(kind, text), where=kind)
    except ActionError as exc:
        raise StatusError(422, "Invalid", str(exc), causes=[
            {"reason": "FieldValueInvalid", "field": "text", "message": m} for _, m in exc.problems]) from None
    return _each(classroom, teacher, lambda m, c: run_action(c, action))


def lesson_handout(*, classroom: Classroom, teacher: Identity, lesson: str) -> list[Outcome]:
    """Move every learner's progress in ``lesson`` one step on (as Skip does: the step's wait
    is recorded as not met). Learners who have not started it are told so, not started."""
    from kubeviz.lessons.models import LessonProgress
    from kubeviz.lessons.services import lesson_skip

    if lesson not in classroom.lessons:
        raise errors.bad_request(f'"{lesson}" is not one of this class\'s lessons ({", ".join(classroom.lessons) or "none"})')
    outcomes = []
    for member in members_of(classroom):
        progress = LessonProgress.objects.filter(owner=member.user, lesson=lesson).select_related("cluster").first()
        if progress is None or progress.cluster is None:
            outcomes.append(Outcome(member.display_name, "", False, "has not started this lesson"))
            continue
        if progress.completed:
            outcomes.append(Outcome(member.display_name, progress.cluster.name, False, "has finished this lesson"))
            continue
        try:
            with transaction.atomic():
                cluster_check(progress.cluster, teacher, Action.ACT)
                before = progress.step
                moved = lesson_skip(identity=Identity(user=member.user), slug=lesson)
            text = "finished the lesson" if moved.completed else f"step {before + 1} → {moved.step + 1}"
            outcomes.append(Outcome(member.display_name, progress.cluster.name, True, text))
        except StatusError as exc:
            outcomes.append(Outcome(member.display_name, progress.cluster.name, False, exc.message))
    return outcomes


def _sandboxes(classroom: Classroom) -> list[Cluster]:
    return [m.cluster for m in members_of(classroom) if m.cluster is not None]


@transaction.atomic
def class_archive(*, classroom: Classroom) -> Classroom:
    """The class is over: no more joining, every learner's sandbox read-only and asleep
    (its clock frozen where it stands). Learners still watch theirs until ``ends_at``."""
    now = clock.real_now()
    for cluster in _sandboxes(classroom):
        Cluster.objects.filter(pk=cluster.pk).update(read_only=True, asleep=True, sim_time=clock.now(cluster), sim_anchor=now)
    classroom.archived = True
    classroom.save(update_fields=["archived"])
    return classroom


def class_delete(*, classroom: Classroom) -> int:
    """Delete the class and every learner's class sandbox (in short batches, as a cluster's
    delete always is); the learners' accounts stay. Returns how many sandboxes went."""
    clusters = _sandboxes(classroom)
    for cluster in clusters:
        cluster_delete(cluster=cluster)
    classroom.delete()
    return len(clusters)


def access_expire(*, now: datetime | None = None) -> int:
    """After ``ends_at``, an archived class's learners no longer watch their sandboxes: they
    pass to the teacher (who keeps them for review until the class is deleted)."""
    now = now or timezone.now()
    moved = 0
    for classroom in Classroom.objects.filter(archived=True, ends_at__lte=now).select_related("teacher"):
        for member in members_of(classroom):
            if member.cluster is not None and member.cluster.owner_id == member.user_id:
                Cluster.objects.filter(pk=member.cluster.pk).update(owner=classroom.teacher)
                moved += 1
    return moved


@transaction.atomic
def class_demo_ensure(*, classroom: Classroom, teacher: Identity) -> Cluster:
    """The class's demo cluster, the one its teacher projects and followers watch: a sandbox
    of the teacher's from the class's template, made the first time they present."""
    if classroom.demo_cluster is not None:
        return classroom.demo_cluster
    demo = sandbox_create(identity=teacher, template=classroom.template)
    return class_update(classroom=classroom, demo_cluster=demo).demo_cluster
