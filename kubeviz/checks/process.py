"""The kinds that read the recorded process: ``step`` (the 1–9 flow), ``scheduled`` (who
placed a pod) and ``history`` (a field over every version since the scope began). Only
what happened after the scope counts, so an earlier attempt does not satisfy a later one."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from kubeviz.apiserver import registry
from kubeviz.apiserver.quantity import QuantityError, parse_quantity
from kubeviz.apiserver.resources import by_kind
from kubeviz.clusters.models import Cluster
from kubeviz.flow.catalogue import CATALOGUE
from kubeviz.flow.selectors import step_objects

from . import messages as say
from .language import HistoryCheck, ScheduledCheck, StepCheck, Target
from .outcome import Outcome, Scope
from .state import find_object, find_objects

Obj = dict[str, Any]


def _names(cluster: Cluster, target: Target) -> list[str]:
    """The objects a check is about: the named one (whether or not it still exists), or
    those the selector picks now."""
    if target.name:
        return [target.name]
    return [o["metadata"]["name"] for o in find_objects(cluster, target)]


def _group(target: Target, total: int) -> str:
    """"Pod web-1", or "3 pods labelled app=web"."""
    if target.name:
        return f"{target.kind} {target.name}"
    return say.plural(total, say.kind_word(target.kind)) + say.where(target.namespace, target.selector_text)


def none_found(target: Target) -> Outcome:
    lister = f"kubectl get {by_kind(target.kind).plural} --show-labels"
    return Outcome(False, f"There are no {say.plural(2, say.kind_word(target.kind))[2:]}{say.where(target.namespace, target.selector_text)}.",
                   f"{lister} shows the labels there are.")


def step_words(check: StepCheck) -> str:
    """"step 8 (the kubelet reports …)" or "a step create binding from scheduler"."""
    if check.number is not None:
        title = CATALOGUE[check.number].title
        return f"step {check.number} ({title[0].lower()}{title[1:]})"
    text = "a step"
    if check.action:
        text += f" {check.action}"
    if check.source:
        text += f" from {check.source}"
    if check.target_component:
        text += f" to {check.target_component}"
    if check.category:
        text += f" ({check.category})"
    return text


def step_evaluate(cluster: Cluster, check: StepCheck, scope: Scope) -> Outcome:
    target = check.target
    names = _names(cluster, target)
    if not names:
        return none_found(target)
    namespace = target.namespace if by_kind(target.kind).namespaced else ""
    rows = step_objects(
        cluster=cluster, after=scope.since_seq, kind=target.kind, namespace=namespace, names=names,
        number=check.number, action=check.action, source=check.source, target=check.target_component, category=check.category,
    )
    reached = {name for name, _, _ in rows}
    missing = [n for n in names if n not in reached]
    passed = bool(reached) if check.any else not missing
    words = step_words(check)
    if target.name:
        found = f"{target.kind} {target.name} {'reached' if reached else 'has not reached'} {words}{'' if reached else ' yet'}."
    else:
        found = f"{len(reached)} of {_group(target, len(names))} reached {words}"
        found += f"; not yet: {', '.join(missing[:3])}{', …' if len(missing) > 3 else ''}." if missing else "."
    if passed:
        return Outcome(True, found)
    first = missing[0]
    return Outcome(False, found, (
        f"It has not happened yet: if the clock is paused or in step mode, play it or press Next step; otherwise "
        f"an earlier step is stuck, and kubectl describe {target.kind.lower()} {first} shows where."
    ))


SCHEDULER, NODE_NAME, UNPLACED, EARLIER = "scheduler", "nodeName", "unplaced", "earlier"


def scheduled_evaluate(cluster: Cluster, check: ScheduledCheck, scope: Scope) -> Outcome:
    target = check.target
    pods = [find_object(cluster, target)] if target.name else find_objects(cluster, target)
    pods = [p for p in pods if p is not None]
    if not pods:
        if target.name:
            return Outcome(False, say.missing(target, True) + ".", say.missing_advice(target, True, "pods"))
        return none_found(target)
    rows = step_objects(cluster=cluster, after=scope.since_seq, kind="Pod", namespace=target.namespace,
                        names=[p["metadata"]["name"] for p in pods], number=(2, 5))  # stored: the create, the Binding
    actions: dict[str, set[str]] = {}
    for name, _, action in rows:
        actions.setdefault(name, set()).add(action)
    how: dict[str, str] = {}
    for pod in pods:
        name = pod["metadata"]["name"]
        done = actions.get(name, set())
        if any(a.endswith(" binding") for a in done):  # the Binding stored (step 5)
            how[name] = SCHEDULER
        elif not (pod.get("spec") or {}).get("nodeName"):
            how[name] = UNPLACED
        elif "create" in done:
            how[name] = NODE_NAME
        else:
            how[name] = EARLIER
    nodes = {p["metadata"]["name"]: (p.get("spec") or {}).get("nodeName") for p in pods}
    sentences = {
        SCHEDULER: "was bound to {node} by the scheduler (a Binding)",
        NODE_NAME: "was created with spec.nodeName {node} already set, so the scheduler never placed it",
        UNPLACED: "has not been placed on a node yet",
        EARLIER: "was placed before this began, so who placed it is not recorded here",
    }
    good = [n for n, h in how.items() if h == check.by]
    bad = [n for n, h in how.items() if h != check.by]
    if target.name:
        found = f"Pod {target.name} {sentences[how[target.name]].format(node=nodes[target.name])}."
    else:
        verb = "bound by the scheduler" if check.by == SCHEDULER else "created with spec.nodeName set"
        found = f"{len(good)} of {_group(target, len(pods))} {'was' if len(good) == 1 else 'were'} {verb}"
        found += f" ({bad[0]} {sentences[how[bad[0]]].format(node=nodes[bad[0]])})." if bad else "."
    if not bad:
        return Outcome(True, found)
    reason = how[bad[0]]
    if reason == UNPLACED:
        advice = say.pod_state(next(p for p in pods if p["metadata"]["name"] == bad[0]))[1]
    elif reason == EARLIER:
        advice = "Delete the pod and create it again, so that this check sees how it is placed."
    elif check.by == SCHEDULER:
        advice = "Leave spec.nodeName out and let kube-scheduler choose: it places the pod with a Binding (step 4)."
    else:
        advice = ("Set spec.nodeName in the pod's manifest: the kubelet of that node then runs it without asking the "
                  "scheduler (and without its checks of resources and taints).")
    return Outcome(False, found, advice)


def _number(values: list[Any]) -> Decimal | None:
    """The first result as a number; a missing field is 0, as Kubernetes leaves zero counts out."""
    if not values:
        return Decimal(0)
    try:
        return parse_quantity(values[0])
    except QuantityError:
        return None


def history_evaluate(cluster: Cluster, check: HistoryCheck, scope: Scope) -> Outcome:
    target = check.target
    strategy = by_kind(target.kind)
    versions, compacted = registry.object_history(
        cluster, strategy, target.namespace if strategy.namespaced else None, target.name, since_revision=scope.since_revision,
    )
    objects = [(rev, obj) for rev, obj in versions if obj is not None]
    if not versions:
        current = find_object(cluster, target)
        if current is None:
            return Outcome(False, say.missing(target, strategy.namespaced) + ".",
                           say.missing_advice(target, strategy.namespaced, strategy.plural))
        objects = [(int(current["metadata"].get("resourceVersion") or 0), current)]
    if not objects:
        return Outcome(False, f"{say.named(target, strategy.namespaced)} was deleted, and no version of it was written since this began.",
                       say.missing_advice(target, strategy.namespaced, strategy.plural))
    subject = f"{say.named(target, strategy.namespaced)}: {check.path.display}"
    span = say.plural(len(objects), "version")
    gone = f" Versions before revision {compacted} were compacted away and are not counted." if compacted else ""
    if check.op == "ever_equals":
        seen: list[str] = []
        for _, obj in objects:
            for value in check.path.find(obj) or [None]:
                text = say.shown(value) if value is not None else "unset"
                if text not in seen:
                    seen.append(text)
        passed = say.shown(check.value) in seen
        found = f"{subject} was {', then '.join(seen[:8])}{' …' if len(seen) > 8 else ''} over {span}"
        if passed:
            return Outcome(True, found + "." + gone)
        return Outcome(False, f"{found}, never {say.shown(check.value)}.{gone}",
                       f"kubectl get {target.kind.lower()} {target.name} -w shows each change as it is written.")
    limit = parse_quantity(check.value)
    numbers = [(rev, _number(check.path.find(obj))) for rev, obj in objects]
    known = [(rev, n) for rev, n in numbers if n is not None]
    if not known:
        return Outcome(False, f"{subject} is not a number in any of the {span}.{gone}",
                       f"kubectl get {target.kind.lower()} {target.name} -o yaml shows what the field holds.")
    worst_rev, worst = (min if check.op == "never_below" else max)(known, key=lambda rn: rn[1])
    lowest = min(n for _, n in known)
    highest = max(n for _, n in known)
    found = f"{subject} stayed {'at ' + str(lowest) if lowest == highest else f'between {lowest} and {highest}'} over {span}"
    passed = worst >= limit if check.op == "never_below" else worst <= limit
    if passed:
        return Outcome(True, found + "." + gone)
    fell = "fell below" if check.op == "never_below" else "rose above"
    advice = f"It {fell} {check.value} at revision {worst_rev}: undo the change and try again so that it holds throughout."
    if check.op == "never_below" and check.path.display.rsplit(".", 1)[-1].rstrip("}") in ("readyReplicas", "availableReplicas"):
        advice = (f"It fell to {worst} at revision {worst_rev}: a rolling update with maxUnavailable: 0 (and maxSurge: 1) "
                  "keeps every old pod until its replacement is ready.")
    return Outcome(False, f"{found}: it {fell} {check.value}.{gone}", advice)
