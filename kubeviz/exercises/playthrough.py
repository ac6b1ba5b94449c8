"""Playing an exercise through, as ``manage.py exercise_check`` and the tests do.

Each play starts from a fresh cluster made from the exercise's template, with the in-process
engine in settle mode: the setup alone must score ``untouched_score``, setup + solution full
marks, and setup + each wrong attempt its ``score``, with each of its ``messages`` found in
the messages of the objectives it fails. So every published solution is run on every build.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from kubeviz.actions import Action, run_action
from kubeviz.checks import Scope
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.services import cluster_create, cluster_delete
from kubeviz.clusters.templates import template_load
from kubeviz.engine.runner import Engine, pause_clock

from .grading import Grade, grade
from .loader import Exercise

#: how far (simulated seconds) the clock may jump while settling after a list of actions:
#: long enough for images to pull and probes to pass, short of node-failure timeouts' ends
SETTLE_SECONDS = 120


def actions_play(cluster: Cluster, actions: Iterable[Action], engine: Engine | None = None) -> Engine:
    """Run actions in order with the in-process engine (so ``next`` and ``settle`` actions
    run here), then let the cluster settle. Returns the engine, to go on with."""
    pause_clock(cluster)
    engine = engine or Engine(cluster)
    for action in actions:
        run_action(cluster, action, engine=engine)
    cluster.refresh_from_db()
    pause_clock(cluster)  # a ``clock: live`` action may have set it going: settle jumps it
    engine.settle(horizon=SETTLE_SECONDS)
    cluster.refresh_from_db()
    return engine


def setup_run(cluster: Cluster, exercise: Exercise) -> Scope:
    """Bring a fresh cluster to the exercise's start: the cluster settled (nodes ready), the
    setup played and settled. Returns the scope an attempt is graded in: it begins after
    the setup, so nothing the setup did counts for or against the learner."""
    actions_play(cluster, exercise.setup, actions_play(cluster, ()))
    return Scope.now(cluster)


@dataclass
class Play:
    """One play of an exercise and what it should have scored."""

    title: str
    expected: int
    grade: Grade
    messages: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _judge(play: Play) -> Play:
    if play.grade.score != play.expected:
        failing = "; ".join(f"{o.title}: {o.found}" for o in play.grade.objectives if not o.passed) or "none failed"
        passing = ", ".join(o.title for o in play.grade.objectives if o.passed) or "none"
        play.problems.append(f"scored {play.grade.score}/{play.grade.maximum}, expected {play.expected} "
                             f"(passed: {passing}; failed: {failing})")
    said = [o.message for o in play.grade.objectives if not o.passed]
    for text in play.messages:
        if not any(text in message for message in said):
            play.problems.append(f'no failing objective says "{text}"')
    return play


def _play(exercise: Exercise, actions: tuple[Action, ...], title: str, expected: int,
          messages: tuple[str, ...] = ()) -> Play:
    template = template_load(exercise.template)
    name = f"check-{secrets.token_hex(4)}"
    cluster = cluster_create(name=name, fixture=template.name, template=template, public=False)
    try:
        scope = setup_run(cluster, exercise)
        actions_play(cluster, actions)
        return _judge(Play(title, expected, grade(cluster, exercise, scope, final=True), messages))
    finally:
        cluster_delete(cluster=cluster)


def playthrough(exercise: Exercise) -> list[Play]:
    """Every play the exercise promises: untouched, solved, each wrong attempt."""
    plays = [
        _play(exercise, (), "the setup alone", exercise.untouched_score),
        _play(exercise, exercise.solution, "the solution", exercise.maximum),
    ]
    for wrong in exercise.wrong_attempts:
        plays.append(_play(exercise, wrong.actions, f"wrong attempt: {wrong.title}", wrong.score, wrong.messages))
    return plays


@dataclass
class Report:
    """What ``exercise_check`` found: lines to print, and whether everything passed."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def exercises_verify(refs: Iterable[str] = (), *, play: bool = True) -> Report:
    """Check exercise files (all shipped ones by default) and play each that parses."""
    from .loader import exercise_check

    report = Report()
    passed, problems = exercise_check(refs)
    report.problems.extend(str(p) for p in problems)
    for exercise in passed:
        if not play:
            report.lines.append(f"{exercise.slug}: ok (not played)")
            continue
        for result in playthrough(exercise):
            verdict = "ok" if result.ok else "FAILED"
            report.lines.append(f"{exercise.slug}: {result.title}: {result.grade.score}/{result.grade.maximum} {verdict}")
            report.problems.extend(f"{exercise.source}: {result.title}: {p}" for p in result.problems)
    return report
