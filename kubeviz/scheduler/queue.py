"""The scheduling queue's memory (internal/queue): attempts, backoff, and which cluster events
give an unschedulable pod another try.

A pod that did not fit waits out its backoff (1 s, doubling per attempt, at most 10 s:
podInitialBackoff / podMaxBackoff), and then, unless an event that could help it happened
(a node added, a node's labels/taints/allocatable changed, a bound pod went away), stays
"unschedulable" until it has waited podMaxInUnschedulablePodsDuration (5 min). Events only
move pods that were rejected by a plugin that cares about them (queueing hints).
All times are on the simulated clock; everything lives in memory, keyed by pod uid.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

Obj = dict[str, Any]

INITIAL_BACKOFF = 1.0
MAX_BACKOFF = 10.0
MAX_IN_UNSCHEDULABLE = 300.0

NODE_ADD = "NodeAdd"
NODE_ALLOCATABLE = "UpdateNodeAllocatable"
NODE_LABEL = "UpdateNodeLabel"
NODE_TAINT = "UpdateNodeTaint"
NODE_CONDITION = "UpdateNodeCondition"
NODE_ANNOTATION = "UpdateNodeAnnotation"
ASSIGNED_POD_DELETE = "AssignedPodDelete"
PVC_CHANGE = "PersistentVolumeClaimChange"

#: the events each plugin registers as able to turn its rejection around (EventsToRegister)
INTERESTS: dict[str, set[str]] = {
    "NodeUnschedulable": {NODE_ADD, NODE_TAINT},
    "NodeName": {NODE_ADD},
    "TaintToleration": {NODE_ADD, NODE_TAINT},
    "NodeAffinity": {NODE_ADD, NODE_LABEL},
    "NodePorts": {NODE_ADD, ASSIGNED_POD_DELETE},
    "NodeResourcesFit": {NODE_ADD, NODE_ALLOCATABLE, ASSIGNED_POD_DELETE},
    "VolumeBinding": {PVC_CHANGE},
}


def backoff_seconds(attempts: int) -> float:
    duration = INITIAL_BACKOFF
    for _ in range(1, attempts):
        duration *= 2
        if duration > MAX_BACKOFF:
            return MAX_BACKOFF
    return duration


def node_changes(old: Obj | None, new: Obj) -> set[str]:
    """The scheduling-relevant changes of a node update (heartbeats are not one)."""
    if old is None:
        return {NODE_ADD}
    changes = set()
    o_meta, n_meta = old.get("metadata") or {}, new.get("metadata") or {}
    o_spec, n_spec = old.get("spec") or {}, new.get("spec") or {}
    o_status, n_status = old.get("status") or {}, new.get("status") or {}
    if (o_status.get("allocatable") or {}) != (n_status.get("allocatable") or {}):
        changes.add(NODE_ALLOCATABLE)
    if (o_meta.get("labels") or {}) != (n_meta.get("labels") or {}):
        changes.add(NODE_LABEL)
    if (o_spec.get("taints") or []) != (n_spec.get("taints") or []) or bool(o_spec.get("unschedulable")) != bool(n_spec.get("unschedulable")):
        changes.add(NODE_TAINT)

    def conditions(status: Obj) -> dict[str, str]:
        return {c.get("type"): c.get("status") for c in status.get("conditions") or []}

    if conditions(o_status) != conditions(n_status):
        changes.add(NODE_CONDITION)
    if (o_meta.get("annotations") or {}) != (n_meta.get("annotations") or {}):
        changes.add(NODE_ANNOTATION)
    return changes


def pod_spec_changed(old: Obj | None, new: Obj) -> bool:
    """An update other than status (what isPodUpdated looks at)."""
    if old is None:
        return True

    def strip(pod: Obj) -> tuple[Any, ...]:
        meta = dict(pod.get("metadata") or {})
        for f in ("resourceVersion", "managedFields", "generation"):
            meta.pop(f, None)
        return meta, pod.get("spec")

    return strip(old) != strip(new)


@dataclass
class Entry:
    key: str
    attempts: int = 0
    failed_at: datetime | None = None
    plugins: set[str] = field(default_factory=set)
    #: an event that may help happened since the last failure
    moved: bool = False


class SchedulingQueue:
    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def begin(self, uid: str, key: str) -> int:
        """Count a scheduling attempt; returns its number (1 for the first)."""
        entry = self.entries.setdefault(uid, Entry(key))
        entry.key = key
        entry.attempts += 1
        return entry.attempts

    def wait(self, uid: str, now: datetime) -> float:
        """Seconds until the pod may be tried again (0: now)."""
        entry = self.entries.get(uid)
        if entry is None or entry.failed_at is None:
            return 0.0
        ready = entry.failed_at + timedelta(seconds=backoff_seconds(entry.attempts))
        if not entry.moved:
            ready = max(ready, entry.failed_at + timedelta(seconds=MAX_IN_UNSCHEDULABLE))
        return max(0.0, (ready - now).total_seconds())

    def failed(self, uid: str, now: datetime, plugins: set[str]) -> float:
        """Record a failed attempt; returns the backoff to wait before the next one."""
        entry = self.entries[uid]
        entry.failed_at = now
        entry.plugins = set(plugins)
        entry.moved = False
        return backoff_seconds(entry.attempts)

    def unschedulable(self, uid: str) -> bool:
        entry = self.entries.get(uid)
        return entry is not None and entry.failed_at is not None

    def forget(self, uid: str) -> None:
        self.entries.pop(uid, None)

    def mark_moved(self, uid: str) -> None:
        if uid in self.entries:
            self.entries[uid].moved = True

    def move(self, events: set[str]) -> list[str]:
        """Pods these events may help: marked moved, their keys returned to enqueue."""
        keys = []
        for entry in self.entries.values():
            if entry.failed_at is None:
                continue
            # A pod rejected by no plugin in particular (e.g. no nodes at all) tries on any event.
            if not entry.plugins or any(events & INTERESTS.get(p, set()) for p in entry.plugins):
                entry.moved = True
                keys.append(entry.key)
        return sorted(keys)
