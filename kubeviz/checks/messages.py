"""The sentences an outcome says: what a check found, and what to try when it fails.

Plain text, as a person would say it, in Kubernetes' own words (phases, reasons, kubectl
commands). Names are not escaped here: templates escape them where they are shown.
"""
from __future__ import annotations

import json
from typing import Any

from kubeviz.controllers.pods import ready_condition

from .language import AT_LEAST_ONE, Count, Target


def plural(n: int, word: str) -> str:
    """"1 pod", "3 pods", "2 ReplicaSets", "0 NetworkPolicies"."""
    if n == 1:
        return f"{n} {word}"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return f"{n} {word[:-1]}ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return f"{n} {word}es"
    return f"{n} {word}s"


def are(n: int) -> str:
    return "is" if n == 1 else "are"


def wanted(count: Count) -> str:
    """The expectation, short: "3", "at least 1", "at most 2", "2 to 4"."""
    if count.exactly is not None:
        return str(count.exactly)
    if count.min is not None and count.max is not None:
        return f"{count.min} to {count.max}"
    if count.max is not None:
        return f"at most {count.max}"
    return f"at least {count.min}"


def kind_word(kind: str) -> str:
    """How a sentence names objects of a kind: "pod" for Pods (as people say it), else the kind."""
    return "pod" if kind == "Pod" else kind


def short_of(count: Count, n: int) -> str:
    """", 3 wanted" after a count that fails; nothing when the want is just "some" and there are none."""
    return "" if count == AT_LEAST_ONE and n == 0 else f", {wanted(count)} wanted"


def where(namespace: str, selector_text: str) -> str:
    """" labelled app=web", " in namespace kube-system", or both."""
    out = f" labelled {selector_text}" if selector_text else ""
    if namespace != "default":
        out += f" in namespace {namespace}"
    return out


def named(target: Target, namespaced: bool = True) -> str:
    """"Deployment web" (with its namespace when not the default one)."""
    text = f"{target.kind} {target.name}"
    if namespaced and target.namespace != "default":
        text += f" in namespace {target.namespace}"
    return text


def missing(target: Target, namespaced: bool) -> str:
    if namespaced:
        return f"There is no {target.kind} {target.name} in namespace {target.namespace}"
    return f"There is no {target.kind} {target.name}"


def missing_advice(target: Target, namespaced: bool, plural_name: str) -> str:
    listing = f"kubectl get {plural_name}" + (f" -n {target.namespace}" if namespaced else "")
    return f"Create it, or check its name: {listing} lists what there is."


def shown(value: Any) -> str:
    """A field's value as kubectl's JSONPath output prints it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return str(value)


COMPARISON_WORDS = {
    "equals": "{}", "not_equals": "anything but {}", "contains": "containing {}", "matches": "matching {}",
    "gt": "more than {}", "gte": "at least {}", "lt": "less than {}", "lte": "at most {}",
}


def comparison(op: str, value: Any) -> str:
    if op == "exists":
        return "set" if value else "not set"
    return COMPARISON_WORDS[op].format(shown(value))


def strip_stop(text: str) -> str:
    return text[:-1] if text.endswith(".") else text


def pod_state(pod: dict[str, Any]) -> tuple[str, str]:
    """Why a pod is not (yet) what a check wants, as (sentence, advice): "web-x is Pending:
    0/3 nodes are available: 3 Insufficient cpu" with where to look next."""
    name = pod["metadata"]["name"]
    status = pod.get("status") or {}
    phase = status.get("phase") or "Pending"
    if pod["metadata"].get("deletionTimestamp"):
        return (f"{name} is Terminating",
                "A Terminating pod is being shut down: a controller (a ReplicaSet's, say) makes its replacement, "
                "while a pod of its own is gone for good.")
    conditions = {c.get("type"): c for c in status.get("conditions") or []}
    scheduled = conditions.get("PodScheduled") or {}
    if phase == "Pending" and not (pod.get("spec") or {}).get("nodeName"):
        if scheduled.get("status") == "False" and scheduled.get("message"):
            return (f"{name} is Pending: {strip_stop(scheduled['message'])}",
                    "A Pending pod has not been placed: kubectl describe pod shows the scheduler's reason.")
        return (f"{name} is Pending: not yet scheduled",
                "A Pending pod has not been placed yet: the scheduler binds it to a node (step 4) when it gets to it.")
    for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
        waiting = (cs.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason") not in (None, "ContainerCreating", "PodInitializing"):
            reason = waiting["reason"]
            if reason == "CrashLoopBackOff":
                advice = "The container keeps crashing: kubectl logs --previous shows what the last one printed."
            elif reason in ("ErrImagePull", "ImagePullBackOff", "InvalidImageName"):
                advice = "The image cannot be pulled: check its name and tag (kubectl describe pod shows the kubelet's error)."
            else:
                advice = "A container that is waiting has not started: kubectl describe pod shows why."
            return f"{name} is {phase}: container {cs.get('name')} is waiting ({reason})", advice
    if phase == "Pending":
        return (f"{name} is Pending: its containers are being created on {pod['spec'].get('nodeName')}",
                "The kubelet is still starting its containers: give it a moment (kubectl get pods -w).")
    if phase == "Running":
        ready = ready_condition(pod) or {}
        if ready.get("status") != "True":
            detail = f": {strip_stop(ready['message'])}" if ready.get("message") else ""
            return (f"{name} is Running but not ready{detail}",
                    "A Running pod that is not ready fails its readiness probe or is still starting: "
                    "kubectl describe pod shows its conditions.")
        return f"{name} is Running and ready", ""
    reason = status.get("reason")
    return (f"{name} is {phase}" + (f" ({reason})" if reason else ""),
            f"A {phase} pod's containers have all stopped and will not run again: kubectl describe pod shows how they ended.")
