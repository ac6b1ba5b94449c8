"""``evaluate``: one check against a cluster, dispatched to the module of its kind."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kubeviz.clusters.models import Cluster

from . import events, process, reads, runtime, state
from .language import (
    AllCheck,
    AnyCheck,
    Check,
    EventCheck,
    FieldCheck,
    HistoryCheck,
    LogCheck,
    NotCheck,
    ObjectsCheck,
    PodsCheck,
    ScheduledCheck,
    StepCheck,
    TrafficCheck,
)
from .outcome import Outcome, Scope

_EVALUATORS: dict[type, Callable[[Cluster, Any, Scope], Outcome]] = {
    FieldCheck: state.field_evaluate,
    PodsCheck: state.pods_evaluate,
    ObjectsCheck: state.objects_evaluate,
    EventCheck: events.event_evaluate,
    StepCheck: process.step_evaluate,
    ScheduledCheck: process.scheduled_evaluate,
    HistoryCheck: process.history_evaluate,
    LogCheck: runtime.log_evaluate,
    TrafficCheck: runtime.traffic_evaluate,
}


def evaluate_many(cluster: Cluster, checks: Iterable[Check], scope: Scope) -> list[Outcome]:
    """The outcomes of several checks (an exercise's objectives), reading each list of
    objects once for all of them."""
    with reads.shared():
        return [evaluate(cluster, check, scope) for check in checks]


def evaluate(cluster: Cluster, check: Check, scope: Scope) -> Outcome:
    """The check's outcome now; an author's ``advice`` replaces the kind's own."""
    with reads.shared():
        return _evaluate(cluster, check, scope)


def _evaluate(cluster: Cluster, check: Check, scope: Scope) -> Outcome:
    if isinstance(check, AllCheck):
        outcome = _all(cluster, check, scope)
    elif isinstance(check, AnyCheck):
        outcome = _any(cluster, check, scope)
    elif isinstance(check, NotCheck):
        inner = _evaluate(cluster, check.part, scope)
        outcome = Outcome(not inner.passed, inner.found, "" if not inner.passed else
                          "This should not hold, but it does: undo what made it so.")
    else:
        outcome = _EVALUATORS[type(check)](cluster, check, scope)
    if check.advice and not outcome.passed:
        return Outcome(False, outcome.found, check.advice)
    return outcome


def _all(cluster: Cluster, check: AllCheck, scope: Scope) -> Outcome:
    found = []
    for part in check.parts:
        outcome = _evaluate(cluster, part, scope)
        if not outcome.passed:
            return outcome
        found.append(outcome.found)
    return Outcome(True, " ".join(found))


def _any(cluster: Cluster, check: AnyCheck, scope: Scope) -> Outcome:
    failed = []
    for part in check.parts:
        outcome = _evaluate(cluster, part, scope)
        if outcome.passed:
            return outcome
        failed.append(outcome)
    return Outcome(False, " ".join(o.found for o in failed), failed[0].advice)
