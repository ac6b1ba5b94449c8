"""The ``event`` kind: Kubernetes Events (core/v1) recorded since the scope began.

"Since" is by revision: an Event created or repeated (its ``count`` raised) after the
scope's revision counts, which is exact where timestamps have only seconds."""
from __future__ import annotations

from typing import Any

from kubeviz.clusters.models import Cluster

from . import messages as say
from . import reads
from .language import EventCheck, Target
from .outcome import Outcome, Scope
from .state import find_objects

Obj = dict[str, Any]


def _about(check: EventCheck) -> str:
    if check.name:
        return f" about {check.kind + ' ' if check.kind else ''}{check.name}"
    if check.selector is not None:
        return f" about {say.plural(2, say.kind_word(check.kind))[2:]} labelled {check.selector_text}"
    return f" about a {check.kind}" if check.kind else ""


def _description(check: EventCheck) -> str:
    text = f"Event {check.reason}" if check.reason else "Event"
    if check.type:
        text = f"{check.type} {text}"
    text += _about(check)
    if check.message:
        text += f' saying "{check.message}"'
    if check.namespace != "default":
        text += f" in namespace {check.namespace}"
    return text


def event_evaluate(cluster: Cluster, check: EventCheck, scope: Scope) -> Outcome:
    names: set[str] | None = None
    if check.selector is not None:
        target = Target(kind=check.kind, namespace=check.namespace, selector=check.selector, selector_text=check.selector_text)
        names = {o["metadata"]["name"] for o in find_objects(cluster, target)}
    matched: list[Obj] = []
    by_reason = {"fields": {"reason": check.reason}} if check.reason else {}
    for ev in reads.objects(cluster, "events", check.namespace, **by_reason):
        involved = ev.get("involvedObject") or {}
        if int(ev["metadata"].get("resourceVersion") or 0) <= scope.since_revision:
            continue
        if check.reason and ev.get("reason") != check.reason:
            continue
        if check.type and ev.get("type") != check.type:
            continue
        if check.kind and involved.get("kind") != check.kind:
            continue
        if check.name and involved.get("name") != check.name:
            continue
        if names is not None and involved.get("name") not in names:
            continue
        if check.message and check.message not in (ev.get("message") or ""):
            continue
        matched.append(ev)
    total = sum(int(ev.get("count") or 1) for ev in matched)
    passed = check.count.holds(total)
    what = _description(check)
    lister = "kubectl get events" + (f" -n {check.namespace}" if check.namespace != "default" else "")
    if check.reason:
        lister += f" --field-selector reason={check.reason}"
    if not matched:
        found = f"No {what} has been recorded yet"
    else:
        latest = max(matched, key=lambda ev: int(ev["metadata"].get("resourceVersion") or 0))
        involved = latest.get("involvedObject") or {}
        found = (f"{what[0].upper()}{what[1:]} was recorded {say.plural(total, 'time')}; the latest, "
                 f"{latest.get('type')} {latest.get('reason')} on {involved.get('kind')} {involved.get('name')}, "
                 f"says: {say.strip_stop(latest.get('message') or '')}")
    if passed:
        return Outcome(True, found + ".")
    found += say.short_of(check.count, total) + "."
    if not matched:
        return Outcome(False, found, f"{lister} shows the Events there are, and kubectl describe lists an object's own at the bottom.")
    return Outcome(False, found, f"{lister} shows each Event and its COUNT.")
