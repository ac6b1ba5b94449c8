"""Grading: each objective's check evaluated once against the attempt's cluster (with
``evaluate_many``, which reads each list of objects once for all of them).

Partial credit per objective (its weight). Hidden objectives count towards the score of
every check, but what they look at is shown only in the final grade, so a learner cannot
read the grader's questions off its feedback. A grade reads the cluster and writes nothing.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from kubeviz.checks import Scope, evaluate_many
from kubeviz.clusters.models import Cluster

from .loader import Exercise


@dataclass(frozen=True)
class ObjectiveResult:
    title: str
    weight: int
    passed: bool
    found: str  # what the check saw, in a sentence
    advice: str  # what to try (empty when it passed)
    message: str  # the author's message when it failed (empty when it passed)
    hidden: bool


@dataclass(frozen=True)
class Grade:
    score: int
    maximum: int
    final: bool
    #: every objective in a final grade; only the visible ones otherwise
    objectives: tuple[ObjectiveResult, ...]
    #: how many hidden objectives were counted in ``score`` without being listed
    hidden: int

    @property
    def full_marks(self) -> bool:
        return self.score == self.maximum

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "maximum": self.maximum, "final": self.final, "hidden": self.hidden,
                "objectives": [asdict(o) for o in self.objectives]}


def grade(cluster: Cluster, exercise: Exercise, scope: Scope, *, final: bool) -> Grade:
    """Score the cluster against the exercise's objectives, looking at what happened since
    ``scope`` began (the attempt's start, or its last reset).

    Deliberately not in one transaction: on SQLite a transaction begins IMMEDIATE, taking
    the one write lock, and fifty checks a second would hold it most of every second. Each
    read sees committed state, and a check the learner runs after acting sees their act."""
    outcomes = evaluate_many(cluster, [objective.check for objective in exercise.objectives], scope)
    results: list[ObjectiveResult] = []
    score = 0
    for objective, outcome in zip(exercise.objectives, outcomes, strict=True):
        passed = bool(outcome.passed)
        if passed:
            score += objective.weight
        results.append(ObjectiveResult(
            title=objective.title, weight=objective.weight, passed=passed, found=outcome.found or "",
            advice="" if passed else (outcome.advice or ""), message="" if passed else objective.message,
            hidden=objective.hidden,
        ))
    shown = tuple(r for r in results if final or not r.hidden)
    return Grade(score=score, maximum=exercise.maximum, final=final, objectives=shown,
                 hidden=0 if final else len(results) - len(shown))
