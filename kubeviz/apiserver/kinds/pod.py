"""Pod (pkg/registry/core/pod): defaults, validation, and the binding and status subresources."""
from __future__ import annotations

from .. import validation as v
from ..jsoncopy import deep_copy
from ..resources import register
from ..selectors import path_getter
from ..strategy import Context, Obj, Strategy
from .podspec import default_pod_spec, default_requests_from_limits, qos_class, validate_pod_spec
from .priorityclass import admit_pod_priority

# Added by the DefaultTolerationSeconds admission plugin, so that pods leave a failed node
# five minutes after it becomes not-ready or unreachable.
DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
]

_MUTABLE_SPEC_MESSAGE = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)"
)


class PodStrategy(Strategy):
    def node_name(self, obj: Obj) -> str:
        return (obj.get("spec") or {}).get("nodeName") or ""

    def prepare_for_create(self, obj: Obj, ctx: Context) -> None:
        spec = obj.get("spec") or {}
        obj["status"] = {"phase": "Pending", "qosClass": qos_class(spec) if isinstance(spec, dict) else "BestEffort"}
        if isinstance(spec, dict):
            admit_pod_priority(obj, ctx)

    def default(self, obj: Obj, ctx: Context) -> None:
        spec = obj.setdefault("spec", {})
        default_pod_spec(spec)
        default_requests_from_limits(spec)
        # Admission plugins a real API server runs on every pod.
        spec.setdefault("serviceAccountName", "default")
        spec.setdefault("serviceAccount", spec["serviceAccountName"])
        spec.setdefault("enableServiceLinks", True)
        spec.setdefault("priority", 0)
        spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
        tolerations = spec.setdefault("tolerations", [])
        # --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds
        seconds = int(ctx.settings.get("defaultTolerationSeconds", 300))
        for default in DEFAULT_TOLERATIONS:
            # An empty key tolerates every key and an empty effect every effect.
            if not any(
                t.get("key") in (default["key"], "", None) and t.get("effect") in ("NoExecute", "", None)
                for t in tolerations if isinstance(t, dict)
            ):
                tolerations.append({**default, "tolerationSeconds": seconds})

    def validate(self, obj: Obj) -> list[v.FieldError]:
        return validate_pod_spec(obj.get("spec"), "spec")

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        def comparable(spec: Obj) -> Obj:
            spec = deep_copy(spec)
            for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
                c.pop("image", None)
            for f in ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"):
                spec.pop(f, None)
            return spec

        if comparable(new.get("spec") or {}) != comparable(old.get("spec") or {}):
            return [v.forbidden("spec", _MUTABLE_SPEC_MESSAGE)]
        return []


register(PodStrategy(
    kind="Pod", plural="pods", singular="pod", short_names=("po",), categories=("all",),
    subresources=("status", "binding", "log", "eviction", "exec", "attach", "portforward", "ephemeralcontainers"),
    extra_fields={
        "spec.nodeName": path_getter("spec", "nodeName"),
        "spec.restartPolicy": path_getter("spec", "restartPolicy"),
        "spec.schedulerName": path_getter("spec", "schedulerName"),
        "spec.serviceAccountName": path_getter("spec", "serviceAccountName"),
        "status.phase": path_getter("status", "phase"),
        "status.podIP": path_getter("status", "podIP"),
        "status.nominatedNodeName": path_getter("status", "nominatedNodeName"),
    },
))
