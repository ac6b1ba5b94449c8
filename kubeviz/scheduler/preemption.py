"""DefaultPreemption, the PostFilter plugin: when no node fits, could evicting pods of lower
priority make one fit? (pkg/scheduler/framework/preemption, plugins/defaultpreemption)

Only nodes whose rejection was ``Unschedulable`` (resources, ports) are tried; a rejection
``UnschedulableAndUnresolvable`` (taints, affinity, cordon) is one eviction cannot change.
On each such node all lower-priority pods are removed, and if the pod then fits, as many as
possible are put back (most important first); the rest are the victims. Pure: the caller
evicts the victims and nominates the node.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .framework import (
    OK,
    SUCCESS,
    UNRESOLVABLE,
    UNSCHEDULABLE,
    NodeInfo,
    Snapshot,
    Status,
    pod_priority,
)

Obj = dict[str, Any]

NAME = "DefaultPreemption"
NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NOT_ELIGIBLE_POLICY = "not eligible due to preemptionPolicy=Never."
NOT_ELIGIBLE_TERMINATING = "not eligible due to a terminating pod on the nominated node."
MAX_INT32 = 2**31 - 1


@dataclass
class Candidate:
    node: str
    #: most important first
    victims: list[Obj]


@dataclass
class PreemptionResult:
    code: str
    #: the PostFilter status message ("" when preemption found a node)
    message: str = ""
    #: None: leave the pod's nominatedNodeName alone; "": clear it; else nominate that node
    nominated_node: str | None = None
    victims: list[Obj] = field(default_factory=list)
    #: why each node tried in the dry run could not be used
    node_statuses: dict[str, Status] = field(default_factory=dict)
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def postfilter_msg(self) -> str:
        return f"preemption: {self.message}" if self.message else ""


def _start_key(pod: Obj) -> str:
    # A pod not started yet counts as starting now: later than any recorded start.
    return (pod.get("status") or {}).get("startTime") or "~"


def more_important_first(pods: list[Obj]) -> list[Obj]:
    """MoreImportantPod order: higher priority, then the earlier started."""
    return sorted(pods, key=lambda p: (-pod_priority(p), _start_key(p)))


def terminating_by_preemption(pod: Obj) -> bool:
    if not (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == "DisruptionTarget":
            return c.get("status") == "True" and c.get("reason") == "PreemptionByScheduler"
    return False


def eligible(pod: Obj, snapshot: Snapshot, attempt: Any) -> tuple[bool, str]:
    """PodEligibleToPreemptOthers."""
    if (pod.get("spec") or {}).get("preemptionPolicy") == "Never":
        return False, NOT_ELIGIBLE_POLICY
    nominated = (pod.get("status") or {}).get("nominatedNodeName")
    if nominated:
        if attempt.status_of(nominated).code == UNRESOLVABLE:
            return True, ""
        info = snapshot.get(nominated)
        if info is not None:
            priority = pod_priority(pod)
            if any(pod_priority(p) < priority and terminating_by_preemption(p) for p in info.pods):
                return False, NOT_ELIGIBLE_TERMINATING
    return True, ""


def select_victims_on_node(pod: Obj, node_info: NodeInfo, nominated: list[Obj]) -> tuple[list[Obj], Status]:
    from .algorithm import run_filters_with_nominated

    info = node_info.clone()
    priority = pod_priority(pod)
    potential = [p for p in info.pods if pod_priority(p) < priority]
    if not potential:
        return [], Status(UNRESOLVABLE, (NO_VICTIMS,), NAME)
    for p in potential:
        info.remove_pod(p)
    status, _ = run_filters_with_nominated(pod, info, nominated)
    if not status.ok:
        return [], status
    victims = []
    for p in more_important_first(potential):
        info.add_pod(p)
        status, _ = run_filters_with_nominated(pod, info, nominated)
        if not status.ok:
            info.remove_pod(p)
            victims.append(p)
    return victims, OK


def pick_one_node(candidates: list[Candidate]) -> Candidate:
    """pickOneNodeForPreemption's criteria, one after the other, until one node is left."""
    def highest(c: Candidate) -> int:
        return pod_priority(c.victims[0])

    def earliest_of_highest(c: Candidate) -> str:
        top = highest(c)
        return min(_start_key(p) for p in c.victims if pod_priority(p) == top)

    pool = sorted(candidates, key=lambda c: c.node)
    for key in (
        lambda c: -highest(c),  # lowest highest-priority victim
        lambda c: -sum(pod_priority(p) + MAX_INT32 + 1 for p in c.victims),  # smallest sum of priorities
        lambda c: -len(c.victims),  # fewest victims
    ):
        best = max(key(c) for c in pool)
        pool = [c for c in pool if key(c) == best]
        if len(pool) == 1:
            return pool[0]
    latest = max(earliest_of_highest(c) for c in pool)  # victims that started most recently
    return next(c for c in pool if earliest_of_highest(c) == latest)


def preempt(pod: Obj, snapshot: Snapshot, attempt: Any, nominated: list[Obj]) -> PreemptionResult:
    from .explain import fit_error_message

    ok, message = eligible(pod, snapshot, attempt)
    if not ok:
        return PreemptionResult(UNSCHEDULABLE, message)
    statuses: dict[str, Status] = {}
    candidates: list[Candidate] = []
    for info in snapshot.list():
        if attempt.status_of(info.name).code != UNSCHEDULABLE:
            continue
        victims, status = select_victims_on_node(pod, info, nominated)
        if status.ok and victims:
            candidates.append(Candidate(info.name, victims))
        elif not status.ok:
            statuses[info.name] = status
    if not candidates:
        message = fit_error_message(len(snapshot), statuses, Status(UNRESOLVABLE, (NOT_HELPFUL,), NAME))
        return PreemptionResult(UNSCHEDULABLE, message, "", node_statuses=statuses)
    best = pick_one_node(candidates)
    return PreemptionResult(SUCCESS, "", best.node, best.victims, statuses, candidates)
