"""``evaluate``: one check against a cluster, dispatched to the module of its kind."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubeviz.clusters.models import Cluster

from . import state
from .language import AllCheck, AnyCheck, Check, FieldCheck, NotCheck, ObjectsCheck, PodsCheck
from .outcome import Outcome, Scope

_EVALUATORS: dict[type, Callable[[Cluster, Any, Scope], Outcome]] = {
    FieldCheck: state.field_evaluate,
    PodsCheck: state.pods_evaluate,
    ObjectsCheck: state.objects_evaluate,
}


def register(kind: type, fn: Callable[[Cluster, Any, Scope], Outcome]) -> None:
    _EVALUATORS[kind] = fn


def evaluate(cluster: Cluster, check: Check, scope: Scope) -> Outcome:
    """The check's outcome now; an author's ``advice`` replaces the kind's own."""
    if isinstance(check, AllCheck):
        outcome = _all(cluster, check, scope)
    elif isinstance(check, AnyCheck):
        outcome = _any(cluster, check, scope)
    elif isinstance(check, NotCheck):
        inner = evaluate(cluster, check.part, scope)
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
        outcome = evaluate(cluster, part, scope)
        if not outcome.passed:
            return outcome
        found.append(outcome.found)
    return Outcome(True, " ".join(found))


def _any(cluster: Cluster, check: AnyCheck, scope: Scope) -> Outcome:
    failed = []
    for part in check.parts:
        outcome = evaluate(cluster, part, scope)
        if outcome.passed:
            return outcome
        failed.append(outcome)
    return Outcome(False, " ".join(o.found for o in failed), failed[0].advice)
