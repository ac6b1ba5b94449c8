"""The kinds that read objects as they are now: ``field``, ``pods``, ``objects``.

One registry read each (a ``get``, or one ranged list), as a wait is evaluated after
every change the learner makes."""
from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from kubeviz.apiserver import errors as api_errors
from kubeviz.apiserver import registry
from kubeviz.apiserver.quantity import QuantityError, parse_quantity
from kubeviz.apiserver.resources import by_kind
from kubeviz.clusters.models import Cluster
from kubeviz.controllers.pods import is_pod_ready

from . import messages as say
from . import reads
from .language import FieldCheck, ObjectsCheck, PodsCheck, Target
from .outcome import Outcome, Scope

Obj = dict[str, Any]


def find_object(cluster: Cluster, target: Target) -> Obj | None:
    """The named object, or None when there is none."""
    strategy = by_kind(target.kind)
    try:
        return registry.get(cluster, strategy, target.namespace if strategy.namespaced else None, target.name)
    except api_errors.StatusError as exc:
        if exc.code == 404:
            return None
        raise


def find_objects(cluster: Cluster, target: Target) -> list[Obj]:
    """Objects of the target's kind in its namespace, by name or selector (one read)."""
    strategy = by_kind(target.kind)
    namespace = target.namespace if strategy.namespaced else None
    index = {"name": target.name} if target.name else {}
    found = reads.objects(cluster, strategy.plural, namespace, **index)
    if target.selector.empty:
        return found
    return [o for o in found if target.selector.matches(o["metadata"].get("labels"))]


def _number(value: Any) -> Any:
    try:
        return parse_quantity(value)
    except QuantityError:
        return None


def compare(op: str, found: Any, want: Any) -> bool:
    """One result against the comparison (as kubectl prints it: ``3`` equals ``"3"``)."""
    if op == "equals":
        return say.shown(found) == say.shown(want)
    if op == "not_equals":
        return say.shown(found) != say.shown(want)
    if op == "contains":
        if isinstance(found, list):
            return any(say.shown(item) == say.shown(want) for item in found)
        if isinstance(found, dict):
            return say.shown(want) in found
        return say.shown(want) in say.shown(found)
    if op == "matches":
        return fnmatchcase(say.shown(found), str(want))
    a, b = _number(found), _number(want)
    if a is None or b is None or isinstance(found, bool):
        return False
    return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]


def field_evaluate(cluster: Cluster, check: FieldCheck, scope: Scope) -> Outcome:
    strategy = by_kind(check.target.kind)
    obj = find_object(cluster, check.target)
    if obj is None:
        return Outcome(False, say.missing(check.target, strategy.namespaced) + ".",
                       say.missing_advice(check.target, strategy.namespaced, strategy.plural))
    results = check.path.find(obj)
    subject = say.named(check.target, strategy.namespaced)
    if check.op == "exists":
        passed = bool(results) == bool(check.value)
    elif not results:
        passed = False
    else:
        checks = [compare(check.op, r, check.value) for r in results]
        passed = all(checks) if check.every else any(checks)
    if not results:
        found = f"{subject} has no {check.path.display}"
    elif len(results) == 1:
        found = f"{subject}: {check.path.display} is {say.shown(results[0])}"
    else:
        found = f"{subject}: {check.path.display} is {', '.join(say.shown(r) for r in results)}"
    if passed:
        return Outcome(True, found + ".")
    lower = check.target.kind.lower()
    return Outcome(
        False, f"{found}, wanted {'every one ' if check.every and len(results) > 1 else ''}{say.comparison(check.op, check.value)}.",
        f"kubectl get {lower} {check.target.name} -o jsonpath='{{{check.path.display}}}' shows the field, and "
        f"kubectl describe {lower} {check.target.name} shows why it is so.",
    )


def _pod_matches(check: PodsCheck, pod: Obj) -> bool:
    status = pod.get("status") or {}
    if check.phase and (status.get("phase") or "Pending") != check.phase:
        return False
    if check.ready is not None and is_pod_ready(pod) != check.ready:
        return False
    return check.node is None or (pod.get("spec") or {}).get("nodeName", "") == check.node


def _pod_qualities(check: PodsCheck) -> str:
    words = []
    if check.terminating:
        words.append("Terminating")
    if check.phase:
        words.append(check.phase)
    if check.ready is not None:
        words.append("ready" if check.ready else "not ready")
    text = " and ".join(words)
    if check.node == "":
        text += (" and " if text else "") + "not yet scheduled"
    elif check.node is not None:
        text += (" and " if text else "") + f"on {check.node}"
    return text


def pods_evaluate(cluster: Cluster, check: PodsCheck, scope: Scope) -> Outcome:
    pods = reads.objects(cluster, "pods", check.namespace)
    base = [
        p for p in pods
        if check.selector.matches(p["metadata"].get("labels"))
        and bool(p["metadata"].get("deletionTimestamp")) == check.terminating
    ]
    matched = [p for p in base if _pod_matches(check, p)]
    n, total = len(matched), len(base)
    passed = check.count.holds(n)
    place = say.where(check.namespace, check.selector_text)
    qualities = _pod_qualities(check)
    if not base:
        found = f"There are no {'Terminating ' if check.terminating else ''}pods{place}"
    elif qualities:
        found = f"{n} of {say.plural(total, 'pod')}{place} {say.are(n or total)} {qualities}"
    else:
        found = f"There {say.are(total)} {say.plural(total, 'pod')}{place}"
    if passed:
        return Outcome(True, found + ".")
    found += say.short_of(check.count, n)
    lister = f"kubectl get pods{' -l ' + check.selector_text if check.selector_text else ''}{' -n ' + check.namespace if check.namespace != 'default' else ''}"
    if check.count.max is not None and n > check.count.max or check.count.exactly is not None and n > check.count.exactly:
        return Outcome(False, found + ".", f"More pods match than wanted: {lister} lists them (scale the workload, or delete the extra ones).")
    others = [p for p in base if not _pod_matches(check, p)]
    if others and qualities:
        detail, advice = say.pod_state(others[0])
        if advice and check.ready is not False and check.node is None:
            return Outcome(False, f"{found} ({detail}).", advice)
        return Outcome(False, f"{found} ({detail}).", f"{lister} -o wide shows each pod's status and node.")
    if not base:
        return Outcome(False, found + ".", f"No pod matches: {lister.replace(' -l ' + check.selector_text, '')} --show-labels "
                       f"shows the pods there are and their labels; create the workload if there is none.")
    return Outcome(False, found + ".", f"Too few pods: {lister} lists them; a controller makes more when its replicas say so.")


def objects_evaluate(cluster: Cluster, check: ObjectsCheck, scope: Scope) -> Outcome:
    strategy = by_kind(check.target.kind)
    found_objects = find_objects(cluster, check.target)
    n = len(found_objects)
    passed = check.count.holds(n)
    t = check.target
    subject = f"named {t.name}" if t.name else ""
    place = say.where(t.namespace if strategy.namespaced else "default", t.selector_text)
    found = f"There {say.are(n)} {say.plural(n, t.kind)}{(' ' + subject) if subject else ''}{place}"
    if passed:
        return Outcome(True, found + ".")
    lister = f"kubectl get {strategy.plural}{' -l ' + t.selector_text if t.selector_text else ''}"
    if strategy.namespaced and t.namespace != "default":
        lister += f" -n {t.namespace}"
    return Outcome(False, f"{found}{say.short_of(check.count, n)}.", f"{lister} lists them.")
