"""Helpers the plugins share: tolerations (v1helper), node selectors (component-helpers
nodeaffinity) and DefaultNormalizeScore (plugins/helper)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..framework import MAX_NODE_SCORE

Obj = dict[str, Any]


# ---- taints and tolerations ------------------------------------------------------------------


def tolerates(toleration: Obj, taint: Obj) -> bool:
    """Toleration.ToleratesTaint: empty effect/key match all; empty operator means Equal."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return operator == "Exists"


def tolerations_tolerate(tolerations: Iterable[Obj], taint: Obj) -> bool:
    return any(tolerates(t, taint) for t in tolerations if isinstance(t, dict))


def find_untolerated_taint(taints: Iterable[Obj], tolerations: list[Obj], keep: Callable[[Obj], bool]) -> Obj | None:
    """FindMatchingUntoleratedTaint: the first taint (of those ``keep`` selects) not tolerated."""
    for taint in taints:
        if keep(taint) and not tolerations_tolerate(tolerations, taint):
            return taint
    return None


def pod_tolerations(pod: Obj) -> list[Obj]:
    return [t for t in (pod.get("spec") or {}).get("tolerations") or [] if isinstance(t, dict)]


# ---- node selectors --------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    try:
        return int(str(value), 10)
    except (TypeError, ValueError):
        return None


def requirement_matches(req: Obj, labels: dict[str, str]) -> bool:
    """One NodeSelectorRequirement against node labels; an invalid requirement never matches."""
    key, op, values = req.get("key") or "", req.get("operator"), list(req.get("values") or [])
    has = key in labels
    if op == "In":
        return bool(values) and has and labels[key] in values
    if op == "NotIn":
        return bool(values) and (not has or labels[key] not in values)
    if op == "Exists":
        return not values and has
    if op == "DoesNotExist":
        return not values and not has
    if op in ("Gt", "Lt"):
        if len(values) != 1 or _int(values[0]) is None or not has:
            return False
        actual, bound = _int(labels[key]), _int(values[0])
        if actual is None or bound is None:
            return False
        return actual > bound if op == "Gt" else actual < bound
    return False


def field_requirement_matches(req: Obj, node_name: str) -> bool:
    """matchFields support only ``metadata.name`` with In/NotIn and exactly one value."""
    values = list(req.get("values") or [])
    if req.get("key") != "metadata.name" or len(values) != 1:
        return False
    if req.get("operator") == "In":
        return node_name == values[0]
    if req.get("operator") == "NotIn":
        return node_name != values[0]
    return False


def term_matches(term: Obj, node: Obj) -> bool:
    """A NodeSelectorTerm: its requirements are ANDed; an empty term matches no node."""
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False
    labels = (node.get("metadata") or {}).get("labels") or {}
    name = (node.get("metadata") or {}).get("name") or ""
    return all(requirement_matches(r, labels) for r in expressions) and all(
        field_requirement_matches(r, name) for r in fields
    )


def node_selector_matches(selector: Obj, node: Obj) -> bool:
    """A NodeSelector: its terms are ORed."""
    return any(term_matches(t or {}, node) for t in selector.get("nodeSelectorTerms") or [])


# ---- scores ----------------------------------------------------------------------------------


def default_normalize_score(scores: dict[str, int], reverse: bool, max_priority: int = MAX_NODE_SCORE) -> dict[str, int]:
    """Scale scores to 0..max by the highest one; ``reverse`` makes fewer better."""
    highest = max(scores.values(), default=0)
    if highest == 0:
        return dict.fromkeys(scores, max_priority) if reverse else dict(scores)
    out = {}
    for name, score in scores.items():
        score = max_priority * score // highest
        out[name] = max_priority - score if reverse else score
    return out
