"""PriorityClass (scheduling.k8s.io/v1) and the Priority admission plugin.

A pod names a class in ``spec.priorityClassName``; admission (plugin/pkg/admission/
priority) resolves it to ``spec.priority`` and ``spec.preemptionPolicy``, refusing an
unknown name with 403 Forbidden. A pod that names none gets the class marked
``globalDefault`` if there is one, else priority 0. The two system classes are created
by the API server at start (as its post-start hook does) and are known to admission even
in a cluster created before kubeviz served the kind.
"""
from __future__ import annotations

from typing import Any

from .. import errors
from .. import validation as v
from ..resources import register
from ..strategy import Context, Obj, Strategy

SYSTEM_PREFIX = "system-"
HIGHEST_USER_DEFINABLE = 1_000_000_000
PREEMPTION_POLICIES = ["Never", "PreemptLowerPriority"]
SYSTEM_CLASSES: dict[str, Obj] = {
    "system-node-critical": {
        "value": 2_000_001_000, "description": "Used for system critical pods that must not be moved from their current node.",
    },
    "system-cluster-critical": {
        "value": 2_000_000_000, "description": "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
    },
}


def system_class_bodies() -> list[Obj]:
    """The system PriorityClasses as the API server creates them."""
    return [{"metadata": {"name": name}, "globalDefault": False, "preemptionPolicy": "PreemptLowerPriority", **body}
            for name, body in SYSTEM_CLASSES.items()]


def _is_known_system_class(obj: Obj) -> bool:
    known = SYSTEM_CLASSES.get(obj["metadata"].get("name", ""))
    return known is not None and obj.get("value") == known["value"] and not obj.get("globalDefault")


class PriorityClassStrategy(Strategy):
    def default(self, obj: Obj, ctx: Context) -> None:
        obj.setdefault("preemptionPolicy", "PreemptLowerPriority")

    def validate(self, obj: Obj) -> list[v.FieldError]:
        errs: list[v.FieldError] = []
        value = obj.get("value")
        if not isinstance(value, int) or isinstance(value, bool):
            return [v.required("value")]
        name = obj["metadata"].get("name", "")
        if not _is_known_system_class(obj):
            if name.startswith(SYSTEM_PREFIX):
                errs.append(v.forbidden("metadata.name", f"priority class names with '{SYSTEM_PREFIX}' prefix are reserved for system use only"))
            elif value > HIGHEST_USER_DEFINABLE:
                errs.append(v.forbidden("value", f"maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE}"))
        policy = obj.get("preemptionPolicy")
        if policy not in PREEMPTION_POLICIES:
            errs.append(v.not_supported("preemptionPolicy", policy, PREEMPTION_POLICIES))
        return errs

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        errs: list[v.FieldError] = []
        if new.get("value") != old.get("value"):
            errs.append(v.forbidden("value", "may not be changed in an update."))
        if new.get("preemptionPolicy") != old.get("preemptionPolicy"):
            errs.append(v.invalid("preemptionPolicy", new.get("preemptionPolicy"), "field is immutable"))
        return errs


def admit_priority_class(obj: Obj, ctx: Context, *, updating: Obj | None = None) -> None:
    """The PriorityClass admission plugin on a PriorityClass: only one global default."""
    if not obj.get("globalDefault"):
        return
    for other in ctx.read("priorityclasses", None):
        if other.get("globalDefault") and other["metadata"]["name"] != obj["metadata"].get("name"):
            raise errors.forbidden(
                "priorityclasses", obj["metadata"].get("name", ""),
                f"PriorityClass {other['metadata']['name']} is already marked as default. Only one default can exist",
                "scheduling.k8s.io")


def admit_pod_priority(pod: Obj, ctx: Context) -> None:
    """The Priority admission plugin on a new pod: resolve the class to a priority."""
    spec: dict[str, Any] = pod.setdefault("spec", {})
    name = spec.get("priorityClassName")
    classes = {c["metadata"]["name"]: c for c in ctx.read("priorityclasses", None)}
    if name:
        found = classes.get(name)
        if found is None and name in SYSTEM_CLASSES:
            found = {"metadata": {"name": name}, "preemptionPolicy": "PreemptLowerPriority", **SYSTEM_CLASSES[name]}
        if found is None:
            raise errors.forbidden("pods", pod["metadata"].get("name", ""), f"no PriorityClass with name {name} was found")
    else:
        found = next((c for c in classes.values() if c.get("globalDefault")), None)
        if found is not None:
            spec["priorityClassName"] = found["metadata"]["name"]
    value = int(found["value"]) if found is not None else 0
    given = spec.get("priority")
    if given is not None and given != value:
        raise errors.forbidden(
            "pods", pod["metadata"].get("name", ""),
            f"the integer value of priority ({given}) must not be provided in pod spec; "
            f"priority admission controller computed {value} from the given PriorityClass name")
    spec["priority"] = value
    policy = (found or {}).get("preemptionPolicy") or "PreemptLowerPriority"
    if spec.get("preemptionPolicy") is not None and found is not None and spec["preemptionPolicy"] != policy:
        raise errors.forbidden(
            "pods", pod["metadata"].get("name", ""),
            f"the string value of PreemptionPolicy ({spec['preemptionPolicy']}) must not be provided in pod spec; "
            f"priority admission controller computed {policy} from the given PriorityClass name")
    spec.setdefault("preemptionPolicy", policy)


class _AdmittedPriorityClassStrategy(PriorityClassStrategy):
    def default(self, obj: Obj, ctx: Context) -> None:
        super().default(obj, ctx)
        admit_priority_class(obj, ctx)


register(_AdmittedPriorityClassStrategy(
    kind="PriorityClass", plural="priorityclasses", singular="priorityclass", group="scheduling.k8s.io",
    namespaced=False, short_names=("pc",), subresources=(),
))
