"""The HorizontalPodAutoscaler controller of kube-controller-manager
(pkg/controller/podautoscaler), as in 1.32, for Resource metrics (cpu, memory).

Every 15 s (--horizontal-pod-autoscaler-sync-period) each HPA reads its target's scale
(Deployment, ReplicaSet or StatefulSet), the PodMetrics of the pods the target selects
(metrics.k8s.io, through the API server's client) and works out

    desired = ceil(current ready pods × current utilization / target utilization)

with utilization = usage ÷ requests of the pods that have a metric. A ratio within 0.1
of 1 (--horizontal-pod-autoscaler-tolerance) changes nothing. Pods that are Pending or
not Ready, and pods without a metric, are left out of the first estimate; then, if
scaling would go up, unready pods count as using 0% and missing ones 0%, and if it would
go down, missing ones count as using 100% — and if that flips the direction, nothing
changes (GetResourceReplicas). The result is bounded by minReplicas/maxReplicas and, going
up, by max(2 × current, 4) (no ``behavior``) or by the behavior's policies. Going down,
the highest recommendation of the last 5 minutes wins (the stabilisation window,
--horizontal-pod-autoscaler-downscale-stabilization, or the behavior's scaleDown window),
so a brief lull does not shrink the target.

Simplified: the behavior's policies limit each step relative to the current replicas
(their periodSeconds, 15 s by default, equals the sync period), rather than over a
history of past scale events; the 5-minute CPU initialization period of a new pod is
not modelled (an unready pod is unready).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from kubeviz.apiserver import errors
from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.apiserver.quantity import QuantityError, milli, to_int
from kubeviz.apiserver.selectors import selector_to_string
from kubeviz.clusters.clock import rfc3339
from kubeviz.engine.cache import Cache
from kubeviz.engine.client import Client

from .objects import key_of, name_of, namespace_of

Obj = dict[str, Any]

SYNC_PERIOD = 15.0
TOLERANCE = 0.1
DOWNSCALE_STABILIZATION = 300.0
TARGETS = {"Deployment": "deployments", "ReplicaSet": "replicasets", "StatefulSet": "statefulsets"}


def _quantity(name: str, value: Any) -> int:
    """CPU in millicores, memory in bytes."""
    return milli(value) if name == "cpu" else to_int(value)


def _requests(pod: Obj, resource: str) -> int | None:
    """calculatePodRequests: the sum over the pod's containers; None if one has none."""
    total = 0
    for c in (pod.get("spec") or {}).get("containers") or []:
        value = ((c.get("resources") or {}).get("requests") or {}).get(resource)
        if value is None:
            return None
        try:
            total += _quantity(resource, value)
        except QuantityError:
            return None
    return total


def _ready(pod: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in (pod.get("status") or {}).get("conditions") or [])


def describe_metric(resource: str) -> str:
    return f"{resource} resource utilization (percentage of request)"


class HorizontalPodAutoscalerController:
    name = "controller-manager/horizontal-pod-autoscaler"
    actor = "controller-manager"
    watches = ("horizontalpodautoscalers",)

    def __init__(self, cluster: Any = None) -> None:
        self.cluster = cluster
        # key -> [(time, recommendation)]: the controller's memory, as in the real one
        self.recommendations: dict[str, list[tuple[datetime, int]]] = {}

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if event == "DELETED":
            self.recommendations.pop(key_of(obj), None)
            return []
        if event == "MODIFIED" and old is not None and obj.get("spec") == old.get("spec"):
            return []  # its own status write: the next periodic sync comes anyway
        return [key_of(obj)]

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        cached = cache.get("horizontalpodautoscalers", key)
        if cached is None:
            return None
        _HPASync(self, api, deep_copy(cached), key).run()
        return SYNC_PERIOD


class _HPASync:
    def __init__(self, controller: HorizontalPodAutoscalerController, api: Client, hpa: Obj, key: str) -> None:
        self.controller = controller
        self.api = api
        self.hpa = hpa
        self.key = key
        self.spec = hpa.get("spec") or {}
        self.status: Obj = deep_copy(hpa.get("status") or {})
        self.now = api.now()
        self.stamp = rfc3339(self.now)
        self.conditions: dict[str, Obj] = {c["type"]: c for c in self.status.get("conditions") or []}

    def condition(self, ctype: str, status: str, reason: str, message: str) -> None:
        """setCondition: lastTransitionTime moves only when the status does."""
        old = self.conditions.get(ctype)
        moved = old is None or old.get("status") != status
        self.conditions[ctype] = {"type": ctype, "status": status, "reason": reason, "message": message,
                                  "lastTransitionTime": self.stamp if moved else old.get("lastTransitionTime", self.stamp)}

    def event(self, etype: str, reason: str, message: str) -> None:
        self.api.event(self.hpa, type=etype, reason=reason, message=message)

    # ---- reconcileAutoscaler ---------------------------------------------------------
    def run(self) -> None:
        ref = self.spec.get("scaleTargetRef") or {}
        kind, target_name = ref.get("kind", ""), ref.get("name", "")
        plural = TARGETS.get(kind)
        target = None
        if plural is not None:
            try:
                target = self.api.get(plural, namespace_of(self.hpa), target_name)
            except errors.StatusError:
                target = None
        if target is None:
            message = f'the HPA controller was unable to get the target\'s current scale: {(kind or "").lower()}s "{target_name}" not found'
            self.condition("AbleToScale", "False", "FailedGetScale", message)
            self.event("Warning", "FailedGetScale", f'{(kind or "").lower()}s.apps "{target_name}" not found')
            self._write(current=int(self.status.get("currentReplicas") or 0), desired=0, metrics=[])
            return
        self.condition("AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale")
        current = int((target.get("spec") or {}).get("replicas", 1))
        low, high = int(self.spec.get("minReplicas") or 1), int(self.spec.get("maxReplicas") or 1)
        metrics: list[Obj] = []
        reason = ""
        if current == 0 and low != 0:
            desired = 0
            self.condition("ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero")
        elif current > high:
            desired, reason = high, "Current number of replicas above Spec.MaxReplicas"
        elif current < low:
            desired, reason = low, "Current number of replicas below Spec.MinReplicas"
        else:
            # recordInitialRecommendation: a new HPA (or a restarted controller) does not
            # scale down at once: the current size counts as a recent recommendation.
            self.controller.recommendations.setdefault(self.key, [(self.now, current)])
            proposal, reason, metrics = self._replicas_for_metrics(target, current)
            if proposal is None:
                self._write(current=current, desired=current, metrics=metrics)
                return
            desired = self._normalize(current, proposal, low, high)
        if desired != current:
            self._rescale(plural, target, current, desired, reason)
            self.status["lastScaleTime"] = self.stamp
        self._write(current=current, desired=desired, metrics=metrics)

    def _replicas_for_metrics(self, target: Obj, current: int) -> tuple[int | None, str, list[Obj]]:
        """computeReplicasForMetrics: the largest proposal over the metrics."""
        selector = (target.get("spec") or {}).get("selector")
        best: int | None = None
        best_name = ""
        statuses: list[Obj] = []
        metrics = self.spec.get("metrics") or []
        for metric in metrics:
            source = metric.get("resource") or {}
            if metric.get("type") != "Resource" or source.get("name") not in ("cpu", "memory"):
                continue  # Pods, Object, External and ContainerResource metrics are not simulated
            result = self._resource_replicas(source, selector, current)
            if isinstance(result, str):
                self.condition("ScalingActive", "False", "FailedGetResourceMetric", result)
                self.event("Warning", "FailedGetResourceMetric", result)
                self.event("Warning", "FailedComputeMetricsReplicas",
                           f"invalid metrics (1 invalid out of {len(metrics)}), first error is: "
                           f"failed to get {source.get('name')} resource metric value: {result}")
                continue
            replicas, status = result
            statuses.append(status)
            if best is None or replicas > best:
                best, best_name = replicas, source["name"]
        if best is None:
            return None, "", statuses
        self.condition("ScalingActive", "True", "ValidMetricFound",
                       f"the HPA was able to successfully calculate a replica count from {describe_metric(best_name)}")
        reason = f"{describe_metric(best_name)} above target" if best > current else "All metrics below target"
        return best, reason, statuses

    def _resource_replicas(self, source: Obj, selector: Obj | None, current: int) -> tuple[int, Obj] | str:
        """GetResourceReplicas (Utilization) or GetRawResourceReplicas (AverageValue)."""
        resource = source["name"]
        target = source.get("target") or {}
        namespace = namespace_of(self.hpa)
        pods = self.api.list("pods", namespace, label_selector=selector_to_string(selector))
        usage = {m["metadata"]["name"]: sum(_quantity(resource, c["usage"][resource]) for c in m.get("containers") or [])
                 for m in self.api.pod_metrics(namespace, label_selector=selector_to_string(selector))}
        ready: dict[str, int] = {}
        unready: list[str] = []
        missing: list[str] = []
        requests: dict[str, int] = {}
        for pod in pods:
            phase = (pod.get("status") or {}).get("phase")
            if pod["metadata"].get("deletionTimestamp") or phase == "Failed":
                continue
            name = name_of(pod)
            requested = _requests(pod, resource)
            if requested is not None:
                requests[name] = requested
            if phase == "Pending" or (resource == "cpu" and not _ready(pod)):
                unready.append(name)
            elif name not in usage:
                missing.append(name)
            else:
                ready[name] = usage[name]
        if not ready:
            return "did not receive metrics for targeted pods (pods might be unready)"
        utilization_target = target.get("averageUtilization") if target.get("type") == "Utilization" else None
        if utilization_target is not None:
            for name in ready:
                if name not in requests:
                    return f"missing request for {resource} in container of Pod {name}"
        def ratio_of(values: dict[str, int]) -> tuple[float, int, int]:
            total = sum(values.values())
            if utilization_target is not None:
                requested = sum(requests[n] for n in values) or 1
                utilization = int(total * 100 / requested)
                return utilization / utilization_target, utilization, total // max(len(values), 1)
            average = total / max(len(values), 1)
            goal = _quantity(resource, target.get("averageValue", "0")) or 1
            return average / goal, 0, int(average)
        ratio, utilization, average = ratio_of(ready)
        status = {"type": "Resource", "resource": {"name": resource, "current": {
            "averageValue": f"{average}m" if resource == "cpu" else str(average),
            **({"averageUtilization": utilization} if utilization_target is not None else {})}}}
        scale_up_with_unready = bool(unready) and ratio > 1.0
        if not scale_up_with_unready and not missing:
            if abs(1.0 - ratio) <= TOLERANCE:
                return current, status
            return math.ceil(ratio * len(ready)), status
        values = dict(ready)
        for name in missing:
            values[name] = requests.get(name, 0) if ratio < 1.0 else 0
        if scale_up_with_unready:
            for name in unready:
                values[name] = 0
        new_ratio, _, _ = ratio_of(values) if utilization_target is None or all(n in requests for n in values) else (ratio, 0, 0)
        if abs(1.0 - new_ratio) <= TOLERANCE or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
            return current, status
        proposal = math.ceil(new_ratio * len(values))
        if (new_ratio < 1.0 and proposal > current) or (new_ratio > 1.0 and proposal < current):
            return current, status
        return proposal, status

    # ---- bounds, stabilisation, behavior ---------------------------------------------
    def _normalize(self, current: int, proposal: int, low: int, high: int) -> int:
        behavior = self.spec.get("behavior")
        if isinstance(behavior, dict):
            return self._normalize_with_behavior(behavior, current, proposal, low, high)
        history = self._remember(proposal, DOWNSCALE_STABILIZATION)
        stabilized = max(r for _, r in history)
        if stabilized != proposal:
            self.condition("AbleToScale", "True", "ScaleDownStabilized",
                           "recent recommendations were higher than current one, applying the highest recent recommendation")
        else:
            self.condition("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size")
        scale_up_limit = max(2 * current, 4)
        allowed = min(high, scale_up_limit)
        if stabilized < low:
            desired, reason, message = low, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
        elif stabilized > allowed:
            desired = allowed
            if scale_up_limit < high:
                reason, message = "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"
            else:
                reason, message = "TooManyReplicas", "the desired replica count is more than the maximum replica count"
        else:
            desired, reason, message = stabilized, "DesiredWithinRange", "the desired count is within the acceptable range"
        self.condition("ScalingLimited", "False" if desired == stabilized else "True", reason, message)
        return desired

    def _normalize_with_behavior(self, behavior: Obj, current: int, proposal: int, low: int, high: int) -> int:
        up, down = behavior.get("scaleUp") or {}, behavior.get("scaleDown") or {}
        up_window = float(up.get("stabilizationWindowSeconds") or 0)
        down_window = float(down.get("stabilizationWindowSeconds") if down.get("stabilizationWindowSeconds") is not None else DOWNSCALE_STABILIZATION)
        history = self._remember(proposal, max(up_window, down_window))
        up_floor = min((r for t, r in history if t >= self.now - timedelta(seconds=up_window)), default=proposal)
        down_ceiling = max((r for t, r in history if t >= self.now - timedelta(seconds=down_window)), default=proposal)
        stabilized = current
        if current < up_floor:
            stabilized = up_floor
        elif current > down_ceiling:
            stabilized = down_ceiling
        if stabilized != proposal:
            self.condition("AbleToScale", "True", "ScaleUpStabilized" if proposal > current else "ScaleDownStabilized",
                           "recent recommendations were lower than current one, applying the lowest recent recommendation"
                           if proposal > current else
                           "recent recommendations were higher than current one, applying the highest recent recommendation")
        else:
            self.condition("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size")
        desired, reason, message = stabilized, "DesiredWithinRange", "the desired count is within the acceptable range"
        if stabilized > current:
            limit = self._policy_limit(up, current, up=True)
            if stabilized > limit:
                desired, reason, message = limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"
        elif stabilized < current:
            limit = self._policy_limit(down, current, up=False)
            if stabilized < limit:
                desired, reason, message = limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"
        if desired > high:
            desired, reason, message = high, "TooManyReplicas", "the desired replica count is more than the maximum replica count"
        elif desired < low:
            desired, reason, message = low, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
        self.condition("ScalingLimited", "False" if reason == "DesiredWithinRange" else "True", reason, message)
        return desired

    def _policy_limit(self, rules: Obj, current: int, *, up: bool) -> int:
        """calculateScaleUpLimitWithScalingRules / …ScaleDown…, relative to the current replicas."""
        select = rules.get("selectPolicy") or "Max"
        if select == "Disabled":
            return current
        limits = []
        for p in rules.get("policies") or []:
            value = int(p.get("value") or 0)
            if p.get("type") == "Pods":
                limits.append(current + value if up else current - value)
            else:
                limits.append(math.ceil(current * (1 + value / 100)) if up else math.ceil(current * (1 - value / 100)))
        if not limits:
            return current
        pick_larger = (select == "Max") == up
        return max(limits) if pick_larger else min(limits)

    def _remember(self, proposal: int, window: float) -> list[tuple[datetime, int]]:
        history = [(t, r) for t, r in self.controller.recommendations.get(self.key, []) if t > self.now - timedelta(seconds=window)]
        history.append((self.now, proposal))
        self.controller.recommendations[self.key] = history
        return history

    # ---- acting ---------------------------------------------------------------------
    def _rescale(self, plural: str, target: Obj, current: int, desired: int, reason: str) -> None:
        kind = target.get("kind", "")
        self.api.patch(plural, namespace_of(target), name_of(target), {"spec": {"replicas": desired}}, message=(
            f"HorizontalPodAutoscaler {self.key}: {reason}: the horizontal pod autoscaler asks the API server to scale "
            f"{kind} {name_of(target)} from {current} to {desired} replicas"))
        self.event("Normal", "SuccessfulRescale", f"New size: {desired}; reason: {reason}")

    def _write(self, *, current: int, desired: int, metrics: list[Obj]) -> None:
        self.status["currentReplicas"] = current
        self.status["desiredReplicas"] = desired
        if metrics:
            self.status["currentMetrics"] = metrics
        else:
            self.status.pop("currentMetrics", None)
        order = ["AbleToScale", "ScalingActive", "ScalingLimited"]
        self.status["conditions"] = [self.conditions[t] for t in order if t in self.conditions]
        self.status["observedGeneration"] = self.hpa["metadata"].get("generation")
        if self.status == (self.hpa.get("status") or {}):
            return
        self.hpa["status"] = self.status
        shown = ", ".join(f"{m['resource']['name']} {m['resource']['current'].get('averageUtilization', '?')}%" for m in metrics)
        self.api.update_status("horizontalpodautoscalers", self.hpa, message=(
            f"the horizontal pod autoscaler reports HorizontalPodAutoscaler {self.key}: {current} current, "
            f"{desired} desired replicas" + (f" ({shown})" if shown else "")))
