"""The disruption controller of kube-controller-manager (pkg/controller/disruption).

For every PodDisruptionBudget it counts the pods its selector matches, how many of them
are healthy (Ready and not being deleted), how many must stay healthy (``minAvailable``,
or the controllers' scale minus ``maxUnavailable``) and so how many may be disrupted now:
``status.disruptionsAllowed``. The eviction subresource reads that number, takes one from
it and records the pod in ``status.disruptedPods`` until the pod is gone (or two minutes
have passed), so two evictions cannot both use the last allowed disruption.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from kubeviz.apiserver.selectors import from_label_selector_object
from kubeviz.clusters.clock import parse_rfc3339, rfc3339
from kubeviz.clusters.models import Cluster
from kubeviz.engine.cache import Cache, key_of, split_key
from kubeviz.engine.client import Client

from .intstr import scaled_value
from .pods import is_pod_ready

Obj = dict[str, Any]
#: DeletionTimeout: a pod evicted but not yet deleted stops counting as disrupted after this
DELETION_TIMEOUT = timedelta(minutes=2)


def _matching_pods(cache: Cache, pdb: Obj) -> list[Obj]:
    selector = from_label_selector_object((pdb.get("spec") or {}).get("selector"))
    namespace = pdb["metadata"].get("namespace")
    return [p for p in cache.iter("pods") if p["metadata"].get("namespace") == namespace
            and selector.matches(p["metadata"].get("labels"))]


def _controller(pod: Obj) -> Obj | None:
    return next((o for o in pod["metadata"].get("ownerReferences") or [] if o.get("controller")), None)


def expected_scale(cache: Cache, pods: list[Obj]) -> int | None:
    """Sum of the scale of the pods' controllers (getExpectedScale); None if a pod has no
    controller whose scale is known (the budget then allows nothing)."""
    scales: dict[str, int] = {}
    for pod in pods:
        ref = _controller(pod)
        if ref is None:
            return None
        namespace = pod["metadata"].get("namespace")
        if ref.get("kind") == "ReplicaSet":
            rs = cache.get("replicasets", f"{namespace}/{ref.get('name')}")
            if rs is None:
                return None
            owner = _controller(rs)
            if owner is not None and owner.get("kind") == "Deployment":
                deploy = cache.get("deployments", f"{namespace}/{owner.get('name')}")
                if deploy is None:
                    return None
                scales[deploy["metadata"].get("uid", "")] = int((deploy.get("spec") or {}).get("replicas", 1))
            else:
                scales[rs["metadata"].get("uid", "")] = int((rs.get("spec") or {}).get("replicas", 1))
        elif ref.get("kind") == "StatefulSet":
            sts = cache.get("statefulsets", f"{namespace}/{ref.get('name')}")
            if sts is None:
                return None
            scales[sts["metadata"].get("uid", "")] = int((sts.get("spec") or {}).get("replicas", 1))
        else:
            return None
    return sum(scales.values())


def budget_status(pdb: Obj, pods: list[Obj], scale: int | None, now: datetime) -> tuple[Obj, float | None]:
    """The new status (a pure function of the pods), and when to look again (a recorded
    disruption expiring)."""
    spec = pdb.get("spec") or {}
    old = pdb.get("status") or {}
    max_unavailable, min_available = spec.get("maxUnavailable"), spec.get("minAvailable")
    failed = ""
    expected, desired = 0, 0
    if max_unavailable is not None or (isinstance(min_available, str) and min_available.endswith("%")):
        if scale is None:
            failed = "found no controllers for pods matching the budget's selector"
        else:
            expected = scale
            if max_unavailable is not None:
                desired = max(expected - scaled_value(max_unavailable, expected, True), 0)
            else:
                desired = scaled_value(min_available, expected, True)
    elif min_available is not None:
        expected, desired = len(pods), int(min_available)
    names = {p["metadata"]["name"]: p for p in pods}
    disrupted: dict[str, str] = {}
    wake: float | None = None
    for name, stamp in (old.get("disruptedPods") or {}).items():
        pod = names.get(name)
        try:
            since = parse_rfc3339(stamp)
        except (TypeError, ValueError):
            continue
        if pod is None or pod["metadata"].get("deletionTimestamp") or now >= since + DELETION_TIMEOUT:
            continue
        disrupted[name] = stamp
        left = (since + DELETION_TIMEOUT - now).total_seconds()
        wake = left if wake is None else min(wake, left)
    healthy = sum(1 for p in pods if is_pod_ready(p) and not p["metadata"].get("deletionTimestamp") and p["metadata"]["name"] not in disrupted)
    allowed = 0 if failed or expected <= 0 or healthy <= desired else healthy - desired
    status: Obj = {
        "observedGeneration": pdb["metadata"].get("generation", 1),
        "disruptionsAllowed": allowed, "currentHealthy": healthy, "desiredHealthy": desired, "expectedPods": expected,
    }
    if disrupted:
        status["disruptedPods"] = disrupted
    if failed:
        condition = ("False", "SyncFailed", failed)
    elif allowed > 0:
        condition = ("True", "SufficientPods", "")
    else:
        condition = ("False", "InsufficientPods", "")
    previous = next((c for c in old.get("conditions") or [] if c.get("type") == "DisruptionAllowed"), {})
    entry: Obj = {
        "type": "DisruptionAllowed", "status": condition[0], "reason": condition[1], "message": condition[2],
        "observedGeneration": status["observedGeneration"],
        "lastTransitionTime": previous.get("lastTransitionTime") if previous.get("status") == condition[0] and previous.get("reason") == condition[1]
        else rfc3339(now),
    }
    status["conditions"] = [entry]
    return status, wake


class DisruptionController:
    name = "controller-manager/disruption"
    actor = "controller-manager"
    watches = ("poddisruptionbudgets", "pods", "replicasets", "deployments", "statefulsets")

    def __init__(self, cluster: Cluster):
        self.cluster = cluster

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural == "poddisruptionbudgets":
            if event != "DELETED":
                yield key_of(obj)
            return
        namespace = obj["metadata"].get("namespace")
        labels = [(obj["metadata"].get("labels") or {})] + ([(old["metadata"].get("labels") or {})] if old else [])
        for pdb in cache.iter("poddisruptionbudgets"):
            if pdb["metadata"].get("namespace") != namespace:
                continue
            if plural != "pods":
                yield key_of(pdb)  # a controller's scale changed: budgets in its namespace recount
                continue
            selector = from_label_selector_object((pdb.get("spec") or {}).get("selector"))
            if any(selector.matches(ls) for ls in labels):
                yield key_of(pdb)

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        pdb = cache.get("poddisruptionbudgets", key)
        if pdb is None:
            return None
        pods = _matching_pods(cache, pdb)
        status, wake = budget_status(pdb, pods, expected_scale(cache, pods), api.now())
        if status != (pdb.get("status") or {}):
            ns, name = split_key(key)
            api.update_status(
                "poddisruptionbudgets", {**pdb, "status": status},
                message=f"the disruption controller counted {status['currentHealthy']} healthy of {status['expectedPods']} expected pods "
                        f"for PodDisruptionBudget {ns}/{name}: {status['disruptionsAllowed']} disruptions allowed",
            )
        return wake
