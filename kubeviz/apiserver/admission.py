"""The LimitRanger and ResourceQuota admission plugins (plugin/pkg/admission/limitranger,
resourcequota), run on create after defaulting and validation, in that order.

LimitRanger fills a new pod's missing requests and limits from the namespace's
LimitRanges and refuses one outside their min/max. ResourceQuota refuses an object that
would take its namespace past a quota's ``spec.hard``. Simplified: the real plugin reads
``used`` from the quota's status (and refuses while the controller has not filled it); here
usage is counted from the stored objects at admission, which is what the controller then
writes. Only creates are checked (pod resources cannot change after creation here).
A quota with ``scopes`` or a ``scopeSelector`` counts only the pods its scopes match, as
the pod evaluator does; object counts of other kinds never match a scoped quota.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from kubeviz.clusters.models import Cluster

from . import errors, registry
from .kinds.podspec import qos_class
from .quantity import QuantityError, canonical, canonical_of, parse_quantity
from .strategy import Obj, Strategy

COMPUTE = {"cpu": "requests.cpu", "memory": "requests.memory", "requests.cpu": "requests.cpu",
           "requests.memory": "requests.memory", "limits.cpu": "limits.cpu", "limits.memory": "limits.memory"}
POD_COMPUTE = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
# The object counts quota has tracked by their own names since before count/<resource>.
LEGACY_COUNTS = {"pods": "pods", "services": "services", "secrets": "secrets", "configmaps": "configmaps",
                 "replicationcontrollers": "replicationcontrollers", "resourcequotas": "resourcequotas",
                 "persistentvolumeclaims": "persistentvolumeclaims"}


def _q(value: Any) -> Decimal:
    try:
        return parse_quantity(value)
    except QuantityError:
        return Decimal(0)


def _containers(pod: Obj) -> list[tuple[str, Obj]]:
    spec = pod.get("spec") or {}
    return ([("container", c) for c in spec.get("containers") or [] if isinstance(c, dict)]
            + [("init container", c) for c in spec.get("initContainers") or [] if isinstance(c, dict)])


# ---- LimitRanger -----------------------------------------------------------------------------

def _merge(container: Obj, item: Obj, prefix: str) -> list[str]:
    resources = container.setdefault("resources", {})
    notes = []
    for field, default in (("requests", "defaultRequest"), ("limits", "default")):
        current = resources.setdefault(field, {})
        added = sorted(name for name in (item.get(default) or {}) if name not in current)
        for name in added:
            current[name] = item[default][name]
        if not current:
            resources.pop(field)
        if added:
            noun = "request" if field == "requests" else "limit"
            notes.append(f"{', '.join(added)} {noun} for {prefix} {container.get('name', '')}")
    return notes


def _check(container: Obj, item: Obj) -> list[str]:
    res = container.get("resources") or {}
    requests, limits = res.get("requests") or {}, res.get("limits") or {}
    kind = item.get("type")
    out = []
    for name, enforced in sorted((item.get("min") or {}).items()):
        shown = canonical_of(enforced)
        if name not in requests:
            out.append(f"minimum {name} usage per {kind} is {shown}.  No request is specified")
        elif _q(requests[name]) < _q(enforced):
            out.append(f"minimum {name} usage per {kind} is {shown}, but request is {canonical_of(requests[name])}")
        elif name in limits and _q(limits[name]) < _q(enforced):
            out.append(f"minimum {name} usage per {kind} is {shown}, but limit is {canonical_of(limits[name])}")
    for name, enforced in sorted((item.get("max") or {}).items()):
        shown = canonical_of(enforced)
        if name not in limits:
            out.append(f"maximum {name} usage per {kind} is {shown}.  No limit is specified")
        elif _q(limits[name]) > _q(enforced):
            out.append(f"maximum {name} usage per {kind} is {shown}, but limit is {canonical_of(limits[name])}")
    return out


def limitrange_admit(cluster: Cluster, pod: Obj) -> None:
    """Default, then check, every container against the namespace's Container limits."""
    namespace = pod["metadata"].get("namespace", "")
    items = [item for lr in registry.objects(cluster, "limitranges", namespace)
             for item in (lr.get("spec") or {}).get("limits") or [] if item.get("type") == "Container"]
    if not items:
        return
    notes: list[str] = []
    for prefix, container in _containers(pod):
        for item in items:
            notes += _merge(container, item, prefix)
    if notes:
        pod["metadata"].setdefault("annotations", {})["kubernetes.io/limit-ranger"] = (
            "LimitRanger plugin set: " + "; ".join(notes))
    problems = [p for _, c in _containers(pod) for item in items for p in _check(c, item)]
    if problems:
        detail = problems[0] if len(problems) == 1 else f"[{', '.join(problems)}]"
        raise errors.forbidden("pods", pod["metadata"].get("name", ""), detail)


# ---- ResourceQuota ---------------------------------------------------------------------------

def _terminal(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def pod_usage(pod: Obj) -> dict[str, Decimal]:
    """What one pod uses of compute quota: its containers' sum, or its largest init
    container when that is more (PodRequests, without sidecars or overhead)."""
    sums = dict.fromkeys(POD_COMPUTE, Decimal(0))
    inits = dict(sums)
    for prefix, c in _containers(pod):
        res = c.get("resources") or {}
        for field in ("requests", "limits"):
            for name, q in (res.get(field) or {}).items():
                key = f"{field}.{name}"
                if key in sums:
                    if prefix == "container":
                        sums[key] += _q(q)
                    else:
                        inits[key] = max(inits[key], _q(q))
    return {k: max(sums[k], inits[k]) for k in POD_COMPUTE}


def _scope_selectors(quota: Obj) -> list[Obj]:
    """The quota's scopes as selector requirements (``scopes: [X]`` is ``X Exists``), as
    the quota helpers turn them before matching."""
    spec = quota.get("spec") or {}
    out = [{"scopeName": name, "operator": "Exists"} for name in spec.get("scopes") or [] if isinstance(name, str)]
    for req in (spec.get("scopeSelector") or {}).get("matchExpressions") or []:
        if isinstance(req, dict):
            out.append(req)
    return out


def _cross_namespace_affinity(pod: Obj) -> bool:
    affinity = (pod.get("spec") or {}).get("affinity") or {}
    for kind in ("podAffinity", "podAntiAffinity"):
        rules = affinity.get(kind) or {}
        terms = list(rules.get("requiredDuringSchedulingIgnoredDuringExecution") or [])
        terms += [(w or {}).get("podAffinityTerm") or {}
                  for w in rules.get("preferredDuringSchedulingIgnoredDuringExecution") or []]
        if any(isinstance(t, dict) and (t.get("namespaces") or t.get("namespaceSelector") is not None) for t in terms):
            return True
    return False


def _pod_matches(req: Obj, pod: Obj) -> bool:
    """podMatchesScopeFunc: one scope requirement against one pod."""
    spec = pod.get("spec") or {}
    terminating = isinstance(spec.get("activeDeadlineSeconds"), int) and spec["activeDeadlineSeconds"] >= 0
    scope = req.get("scopeName")
    if scope in ("Terminating", "NotTerminating"):
        return terminating == (scope == "Terminating")
    if scope in ("BestEffort", "NotBestEffort"):
        return (qos_class(spec) == "BestEffort") == (scope == "BestEffort")
    if scope == "CrossNamespacePodAffinity":
        return _cross_namespace_affinity(pod)
    if scope == "PriorityClass":
        name = spec.get("priorityClassName") or ""
        operator, values = req.get("operator"), req.get("values") or []
        # The pod's class is a label that is always there, empty when the pod names none.
        return {"Exists": bool(name), "DoesNotExist": False,
                "In": name in values, "NotIn": name not in values}.get(operator, False)
    return False


def quota_matches(quota: Obj, strategy: Strategy, obj: Obj) -> bool:
    """Whether a quota counts this object: every scope must match, and only pods have
    scopes (the object-count evaluators match no scope)."""
    selectors = _scope_selectors(quota)
    if not selectors:
        return True
    return strategy.plural == "pods" and all(_pod_matches(req, obj) for req in selectors)


def count_name(strategy: Strategy) -> str:
    return f"count/{strategy.group_resource}"


def usage_of(strategy: Strategy, obj: Obj) -> dict[str, Decimal]:
    """Everything one object counts against quota."""
    if strategy.plural == "pods" and _terminal(obj):
        return {}
    out = {count_name(strategy): Decimal(1)}
    if not strategy.group and strategy.plural in LEGACY_COUNTS:
        out[strategy.plural] = Decimal(1)
    if strategy.plural == "pods":
        out.update(pod_usage(obj))
    return out


def tracked(hard: dict[str, Any], usage: dict[str, Decimal]) -> dict[str, Decimal]:
    """Usage under the quota's own names (``cpu`` counts as ``requests.cpu``)."""
    return {name: usage.get(COMPUTE.get(name, name), Decimal(0)) for name in hard}


def _pretty(values: dict[str, Decimal], binary: set[str]) -> str:
    return ",".join(f"{name}={canonical(values[name], name in binary)}" for name in sorted(values))


def _missing(pod: Obj, hard: dict[str, Any]) -> str:
    """podEvaluator.Constraints: quota on cpu or memory needs every container to say."""
    missing: dict[str, list[str]] = {}
    for name in sorted(hard):
        if name not in COMPUTE:
            continue
        field, _, resource = COMPUTE[name].partition(".")
        for _, c in _containers(pod):
            if resource not in (((c.get("resources") or {}).get(field)) or {}):
                missing.setdefault(name, []).append(c.get("name", ""))
    return "; ".join(f"{name} for: {','.join(sorted(names))}" for name, names in missing.items())


def resourcequota_admit(cluster: Cluster, strategy: Strategy, obj: Obj) -> None:
    """Refuse the object if it takes any quota of its namespace past its hard limits."""
    namespace = obj["metadata"].get("namespace", "")
    quotas = registry.objects(cluster, "resourcequotas", namespace)
    if not quotas:
        return
    requested = usage_of(strategy, obj)
    held: list[Obj] | None = None
    for quota in sorted(quotas, key=lambda q: q["metadata"]["name"]):
        if not quota_matches(quota, strategy, obj):
            continue
        hard_raw = (quota.get("spec") or {}).get("hard") or {}
        name = quota["metadata"]["name"]
        wanted = {k: val for k, val in tracked(hard_raw, requested).items()
                  if COMPUTE.get(k, k) in requested}
        if not wanted:
            continue
        if strategy.plural == "pods":
            problem = _missing(obj, hard_raw)
            if problem:
                raise errors.forbidden(strategy.plural, obj["metadata"].get("name", ""),
                                       f"failed quota: {name}: must specify {problem}", strategy.group)
        if held is None:
            held = registry.objects(cluster, strategy.plural, namespace)
        used = tracked(hard_raw, kind_usage(strategy, (o for o in held if quota_matches(quota, strategy, o))))
        over = [k for k, val in wanted.items() if used[k] + val > _q(hard_raw[k])]
        if over:
            binary = {k for k in over if isinstance(hard_raw[k], str) and hard_raw[k].rstrip("0123456789").endswith("i")}
            raise errors.forbidden(
                strategy.plural, obj["metadata"].get("name", ""),
                f"exceeded quota: {name}, requested: {_pretty({k: wanted[k] for k in over}, binary)}, "
                f"used: {_pretty({k: used[k] for k in over}, binary)}, "
                f"limited: {_pretty({k: _q(hard_raw[k]) for k in over}, binary)}",
                strategy.group,
            )


def kind_usage(strategy: Strategy, objects: Iterable[Obj]) -> dict[str, Decimal]:
    """What objects of one kind count against quota: a create only adds to its own kind's
    counts, so admission reads only that kind from the store."""
    total: dict[str, Decimal] = {}
    for obj in objects:
        for k, val in usage_of(strategy, obj).items():
            total[k] = total.get(k, Decimal(0)) + val
    return total


def admit(cluster: Cluster, strategy: Strategy, obj: Obj) -> None:
    """Both plugins for one create, in the API server's order."""
    if not strategy.namespaced or strategy.plural == "events":
        return
    if strategy.plural == "pods":
        limitrange_admit(cluster, obj)
    resourcequota_admit(cluster, strategy, obj)
