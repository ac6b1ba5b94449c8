"""Play a lesson through on a fresh cluster in settle mode: the check that a lesson works.

Per step, as the player does: set the step's clock, note where the step begins (its scope,
and where its prediction is asked), run its solution, let the cluster settle (not in step
mode: there the solution's ``next`` actions are all that happens), then the wait must hold
and a prediction's answer must be what the cluster recorded. Every failure is reported with
the step and what the check found, so ``lesson_check`` and the tests say what rotted.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from kubeviz.actions import run_action
from kubeviz.checks import Scope, evaluate
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.services import cluster_create, cluster_delete
from kubeviz.engine.control import clock_set
from kubeviz.engine.runner import Engine, pause_clock

from .loader import Lesson, LessonError, Step, lesson_load, lesson_slugs
from .predictions import prediction_outcome

#: simulated seconds a fresh cluster runs before the lesson opens (nodes ready, as a
#: sandbox's worker would have them by the time the page is read)
OPEN_SETTLE = 30.0
#: simulated seconds a step's solution may take to settle (longer: a ``settle:`` action)
STEP_SETTLE = 60.0


@dataclass(frozen=True)
class Failure:
    step: Step
    message: str

    def where(self, lesson: Lesson) -> str:
        return f"{lesson.source}:{self.step.line}: steps[{self.step.index}] ({self.step.title})"

    def __str__(self) -> str:
        return f"steps[{self.step.index}] ({self.step.title}): {self.message}"


def open_cluster(cluster: Cluster) -> Engine:
    """A new cluster made ready for a lesson: settled for ``OPEN_SETTLE`` simulated seconds
    in-process, so the learner's first look finds its nodes Ready."""
    pause_clock(cluster)
    engine = Engine(cluster)
    engine.settle(horizon=OPEN_SETTLE)
    return engine


def action_kind(action: Any) -> str:
    """The kind key of a parsed action (``apply``, ``next``, …)."""
    return str(getattr(action, "kind", ""))


def play_step(engine: Engine, step: Step) -> list[Failure]:
    """One step, as a learner who follows its solution plays it."""

    cluster = engine.cluster
    clock_set(cluster=cluster, mode="step" if step.clock == "step" else "paused")
    scope = Scope.now(cluster)
    asked = cluster.step_seq
    failures: list[Failure] = []
    for action in step.solution:
        try:
            run_action(cluster, action, engine)
        except Exception as exc:  # noqa: BLE001 (any failure of the solution is the author's to see)
            failures.append(Failure(step, f"the solution's {action_kind(action)} action failed: {exc}"))
            return failures
    if step.clock != "step":
        pause_clock(cluster)
        engine.settle(horizon=STEP_SETTLE)
    cluster.refresh_from_db()
    question = step.question
    if question is not None and question.kind == "prediction" and question.observe is not None:
        who, recorded = prediction_outcome(cluster, question.observe, asked)
        if who is None:
            failures.append(Failure(step, f"the prediction is never answered: nothing was recorded for "
                                          f"{_observed(question)} after the question was asked"))
        elif who != question.answer:
            failures.append(Failure(step, f"the prediction's answer is {question.answer}, but the cluster recorded "
                                          f"{who} first: {recorded.message}"))
    if step.wait is not None:
        outcome = evaluate(cluster, step.wait, scope)
        if not outcome.passed:
            failures.append(Failure(step, f"the wait does not hold after the solution: {outcome.found}"))
    return failures


def _observed(question: Any) -> str:
    observe = question.observe
    return f"{observe.kind} {observe.name}" if observe.name else f"{observe.kind} {observe.selector}"


def lesson_play(lesson: Lesson, *, keep: bool = False) -> list[Failure]:
    """Play the lesson on a cluster of its own from its template; every failure found.
    The cluster is deleted afterwards unless ``keep``."""
    cluster = cluster_create(name=f"lesson-check-{secrets.token_hex(4)}", fixture=lesson.template, public=False)
    try:
        engine = open_cluster(cluster)
        failures: list[Failure] = []
        for step in lesson.steps:
            failures.extend(play_step(engine, step))
        return failures
    finally:
        if not keep:
            cluster_delete(cluster=cluster)


def lessons_check(refs: list[str], *, play: bool = True) -> tuple[list[str], list[str]]:
    """Check lessons (every shipped one when ``refs`` is empty): their format, then a play
    through each. Returns the slugs that passed and every problem, as ``file:line: …``."""
    passed: list[str] = []
    problems: list[str] = []
    for ref in refs or lesson_slugs():
        try:
            lesson = lesson_load(ref)
        except LessonError as exc:
            problems.extend(str(p) for p in exc.problems)
            continue
        failures = lesson_play(lesson) if play else []
        problems.extend(f"{f.where(lesson)}: {f.message}" for f in failures)
        if not failures:
            passed.append(lesson.slug)
    return passed, problems
