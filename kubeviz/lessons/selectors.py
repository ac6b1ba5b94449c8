"""Reading a learner's progress: theirs in a lesson, the state of the step they are on,
and the lists the REST API and classrooms read."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.safestring import mark_safe

from kubeviz.accounts.roles import Identity
from kubeviz.checks import Scope, evaluate
from kubeviz.clusters.permissions import may_see
from kubeviz.content.markdown import render_markdown

from .loader import Lesson, Step, lesson_get, lessons_all
from .models import LessonProgress
from .predictions import prediction_outcome


def progress_find(identity: Identity, slug: str) -> LessonProgress | None:
    """The identity's own progress in the lesson, if they started it."""
    if identity.user is not None:
        found = LessonProgress.objects.filter(owner=identity.user, lesson=slug)
    elif identity.guest:
        found = LessonProgress.objects.filter(owner__isnull=True, owner_guest=identity.guest, lesson=slug)
    else:
        return None
    return found.select_related("cluster").first()


def progress_of(identity: Identity) -> dict[str, LessonProgress]:
    """The identity's own progress, by lesson slug (for the list of lessons)."""
    if identity.user is not None:
        found = LessonProgress.objects.filter(owner=identity.user)
    elif identity.guest:
        found = LessonProgress.objects.filter(owner__isnull=True, owner_guest=identity.guest)
    else:
        return {}
    return {p.lesson: p for p in found}


def progress_list(identity: Identity, *, lesson: str = "", user: str = "") -> QuerySet[LessonProgress]:
    """A learner's own progress; a teacher's view: their learners' (staff: everyone's).
    Filters: lesson slug, username."""
    found = LessonProgress.objects.select_related("owner", "cluster").order_by("lesson", "pk")
    if identity.is_teacher and not identity.is_staff:
        from kubeviz.classes.selectors import learner_ids_of

        found = found.filter(Q(owner=identity.user) | Q(owner_id__in=learner_ids_of(identity.user)))
    elif not identity.is_teacher:
        if identity.user is not None:
            found = found.filter(owner=identity.user)
        elif identity.guest:
            found = found.filter(owner__isnull=True, owner_guest=identity.guest)
        else:
            return found.none()
    if lesson:
        found = found.filter(lesson=lesson)
    if user:
        found = found.filter(owner__username=user)
    return found


def progress_visible(identity: Identity, progress: LessonProgress) -> bool:
    return may_see(identity, progress)


def scope_of(progress: LessonProgress, index: int) -> Scope:
    """Where step ``index`` last opened, as its checks take it."""
    noted = progress.scopes.get(str(index)) or {}
    since = noted.get("time")
    return Scope(since_seq=int(noted.get("seq", 0)), since_revision=int(noted.get("revision", 0)),
                 since_time=datetime.fromisoformat(since) if since else None)


@dataclass
class StepState:
    """What the player shows of the step the learner is on."""

    step: Step
    wait_passed: bool = True
    wait_found: str = ""
    wait_advice: str = ""
    answer: str | None = None
    correct: bool | None = None  # None: not answered, or a prediction the cluster has not answered yet
    actual: str | None = None  # a prediction: who the cluster recorded acting
    actual_message: str = ""
    hints: list[str] = field(default_factory=list)


def step_state(progress: LessonProgress, lesson: Lesson, index: int | None = None) -> StepState:
    """The state of step ``index`` (the current one by default): its wait evaluated now, its
    question's answer and (a prediction) what the cluster recorded, the hints revealed."""
    step = lesson.steps[min(progress.step if index is None else index, len(lesson.steps) - 1)]
    state = StepState(step, hints=list(step.hints[: int(progress.hints.get(str(step.index), 0))]))
    cluster = progress.cluster
    if step.wait is not None and cluster is not None:
        outcome = evaluate(cluster, step.wait, scope_of(progress, step.index))
        state.wait_passed, state.wait_found, state.wait_advice = outcome.passed, outcome.found, outcome.advice
        if not outcome.passed and (progress.scopes.get(str(step.index)) or {}).get("met"):
            state.wait_passed, state.wait_found, state.wait_advice = True, "you did this step before", ""
    answered = progress.answers.get(str(step.index))
    question = step.question
    if answered and question is not None:
        state.answer, state.correct = answered.get("answer"), answered.get("correct")
        if question.kind == "prediction" and question.observe is not None and cluster is not None:
            who, recorded = prediction_outcome(cluster, question.observe, int(answered.get("seq", 0)))
            if who is not None:
                state.actual, state.actual_message = who, recorded.message
                state.correct = who == state.answer
    return state


# ---- cards: what the REST API and the pages show ------------------------------------------


def progress_card(progress: LessonProgress) -> dict[str, Any]:
    lesson = lesson_get(progress.lesson)
    return {
        "lesson": progress.lesson,
        "learner": progress.owner.get_username() if progress.owner_id else "guest",
        "cluster": progress.cluster.name if progress.cluster_id else None,
        "step": progress.step,
        "steps": len(lesson.steps) if lesson else 0,
        "answers": {k: {"answer": v.get("answer", ""), "correct": v.get("correct")} for k, v in progress.answers.items()},
        "hints": {k: int(v) for k, v in progress.hints.items()},
        "skipped": list(progress.skipped),
        "seconds": progress.seconds,
        "completed": progress.completed,
        "started": progress.started,
        "last_seen": progress.last_seen,
    }


def lesson_card(lesson: Lesson, progress: LessonProgress | None) -> dict[str, Any]:
    return {
        "slug": lesson.slug, "title": lesson.title, "summary": lesson.summary, "level": lesson.level,
        "minutes": lesson.minutes, "template": lesson.template, "steps": len(lesson.steps),
        "url": f"/lessons/{lesson.slug}/", "progress": progress_card(progress) if progress else None,
    }


def lesson_list(identity: Identity) -> list[dict[str, Any]]:
    """Every lesson in order, with the identity's progress in it."""
    mine = progress_of(identity)
    return [lesson_card(lesson, mine.get(lesson.slug)) for lesson in lessons_all()]


def lesson_detail(identity: Identity, slug: str) -> dict[str, Any] | None:
    """A lesson and its steps (never a question's answer or a solution), or None."""
    lesson = lesson_get(slug)
    if lesson is None:
        return None
    card = lesson_card(lesson, progress_find(identity, slug))
    card["step_list"] = [{
        "index": s.index, "title": s.title, "clock": s.clock, "focus": list(s.focus),
        "actions": [a.label for a in s.actions],
        "wait": (getattr(s.wait, "title", "") or "the step's check") if s.wait is not None else None,
        "question": {"kind": s.question.kind, "prompt": s.question.prompt, "options": list(s.question.options)}
        if s.question else None,
        "hints": len(s.hints),
    } for s in lesson.steps]
    return card


# ---- the player's page ---------------------------------------------------------------------


def _action_view(index: int, action: Any, locked: bool) -> dict[str, Any]:
    kubectl = action.kind == "kubectl"
    return {"index": index, "label": action.label, "kubectl": action.args.get("command", "") if kubectl else "",
            "runnable": action.runnable if kubectl else True, "locked": locked}


def player_view(progress: LessonProgress, lesson: Lesson) -> dict[str, Any]:
    """What the lesson panel shows: the step's text (safe HTML), its actions, its question
    and, from ``step_state``, its wait, answer and hints."""
    state = step_state(progress, lesson)
    step = state.step
    question = step.question
    locked = bool(question and question.kind == "prediction" and state.answer is None)
    explain = question.explain if question and state.answer is not None and state.correct is not None else ""
    return {
        "lesson": lesson,
        "progress": progress,
        "step": step,
        "state": state,
        "number": step.index + 1,
        "total": len(lesson.steps),
        "text_html": mark_safe(render_markdown(step.text)),  # noqa: S308 (cleaned by an allow-list)
        "explain_html": mark_safe(render_markdown(explain)) if explain else "",  # noqa: S308
        "actions": [_action_view(i, a, locked) for i, a in enumerate(step.actions)],
        "locked": locked,
        "hints_left": len(step.hints) - len(state.hints),
        "focus": list(step.focus),
        "first": step.index == 0,
        "last": step.index == len(lesson.steps) - 1,
    }
