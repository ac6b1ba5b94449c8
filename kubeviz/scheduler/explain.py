"""Why the scheduler did what it did: the FailedScheduling message in kube-scheduler's exact
words (framework.FitError), the one-line summary of a binding, and the explanation record
kept per attempt (every node, every filter's verdict, every score)."""
from __future__ import annotations

import heapq
from collections import Counter
from typing import Any

from kubeviz.flow.catalogue import say

from .framework import Status

Obj = dict[str, Any]

NO_NODE_AVAILABLE = "0/{} nodes are available"
#: validation.NoteLengthLimit: an Event's message is cut to this many characters
EVENT_MESSAGE_LIMIT = 1024
#: a binding's one-line summary names this many of the best-scored nodes
SUMMARY_SCORES = 10
#: … and names the nodes the filters rejected, up to this many (beyond: counts by reason)
SUMMARY_REJECTED = 10


def fit_error_message(
    num_all_nodes: int,
    statuses: dict[str, Status],
    absent: Status | None = None,
    *,
    prefilter_msg: str = "",
    postfilter_msg: str = "",
) -> str:
    """FitError.Error(): ``0/3 nodes are available: 3 Insufficient cpu. preemption: …``.

    Each node contributes the reasons of its status; nodes without a status of their own
    (never evaluated) count with ``absent``. "<count> <reason>" strings are sorted as
    strings (so "10 x" sorts before "2 y") and joined with ", ".
    """
    message = NO_NODE_AVAILABLE.format(num_all_nodes) + ":"
    if prefilter_msg:
        message += f" {prefilter_msg}."
    else:
        reasons: Counter[str] = Counter()
        for status in statuses.values():
            for reason in status.reasons:
                reasons[reason] += 1
        if len(statuses) < num_all_nodes and absent is not None:
            for reason in absent.reasons:
                reasons[reason] += num_all_nodes - len(statuses)
        histogram = sorted(f"{count} {reason}" for reason, count in reasons.items())
        if histogram:
            message += f" {', '.join(histogram)}."
    if postfilter_msg:
        message += f" {postfilter_msg}"
    return message


def failed_scheduling_message(attempt: Any) -> str:
    if attempt.error:
        return attempt.error
    return fit_error_message(
        attempt.num_nodes, attempt.node_statuses, attempt.absent_status,
        prefilter_msg=attempt.prefilter_status.message() if attempt.prefilter_status else "",
        postfilter_msg=attempt.preemption.postfilter_msg if attempt.preemption else "",
    )


def event_message(message: str) -> str:
    """truncateMessage: Events carry at most 1024 characters."""
    if len(message) <= EVENT_MESSAGE_LIMIT:
        return message
    suffix = " ..."
    return message[: EVENT_MESSAGE_LIMIT - len(suffix)] + suffix


def _where(pod: Obj) -> str:
    meta = pod.get("metadata") or {}
    return f"{meta.get('namespace')}/{meta.get('name')}"


def binding_summary(attempt: Any) -> str:
    """``bound default/web-x to node-2: 3 nodes feasible; scores node-2 187, node-1 180, …``."""
    head = f"bound {_where(attempt.pod)} to {attempt.chosen}: "
    if attempt.nominated_fast_path:
        return head + "its nominated node (from an earlier preemption) still fits, so no other node was tried"
    feasible = len(attempt.feasible)
    noun = "node" if feasible == 1 else "nodes"
    count = f"{feasible} {noun} feasible" if feasible == attempt.num_nodes else f"{feasible} of {attempt.num_nodes} nodes feasible"
    rejected = sorted(attempt.node_statuses.items())
    if len(rejected) > SUMMARY_REJECTED:
        reasons = Counter(reason for _, status in rejected for reason in status.reasons)
        count += f" ({len(rejected)} rejected: " + ", ".join(sorted(f"{c} {r}" for r, c in reasons.items())) + ")"
    elif rejected:
        count += " (" + "; ".join(f"{n}: {s.message()}" for n, s in rejected) + ")"
    if attempt.processed and attempt.processed < attempt.num_nodes and len(attempt.feasible) >= attempt.nodes_to_find:
        count += (f", after looking at {attempt.processed} nodes: in a cluster this large kube-scheduler stops "
                  f"once {attempt.nodes_to_find} nodes fit (percentageOfNodesToScore)")
    if feasible == 1:
        return head + count + ", so no scoring was needed"
    # Best first, by name among equals (feasible is sorted and nlargest is stable), except
    # that the chosen node leads its equals.
    names = attempt.feasible
    totals = [attempt.totals.get(n) or 0 for n in names]
    best = heapq.nlargest(SUMMARY_SCORES, range(len(names)), key=totals.__getitem__)
    if attempt.chosen in names:
        chosen = names.index(attempt.chosen)
        if chosen in best:
            best.remove(chosen)
        best.insert(0, chosen)
        best = best[:SUMMARY_SCORES]
    listed = ", ".join(f"{names[i]} {totals[i]}" for i in best)
    if len(names) > SUMMARY_SCORES:
        listed += f", and {len(names) - SUMMARY_SCORES} more (every score is in the scheduling explanation)"
    tied = totals.count(max(totals))
    if tied > 1:
        listed += f"; {tied} nodes tied for the best score and one was picked at random"
    return head + count + "; scores " + listed


def watch_message(pod: Obj, attempt_number: int) -> str:
    where = _where(pod)
    if attempt_number == 1:
        return say("scheduler.watch", where=where)
    return say("scheduler.retry", where=where, attempt=attempt_number)


#: how a filter's reason reads after a node's name, in the plain-words explanation
_PLAIN_REASONS = {
    "node(s) were unschedulable": "is cordoned",
    "node(s) didn't match Pod's node affinity/selector": "does not match the pod's node selector or affinity",
    "node(s) didn't match the requested node name": "is not the node the pod names",
    "node(s) didn't have free ports for the requested pod ports": "has the pod's host port taken",
    "Too many pods": "already runs as many pods as it may",
}
#: the resources named in the plain-words explanation, in this order
_PLAIN_RESOURCES = ("cpu", "memory")


def _cpu_words(milli: int) -> str:
    return f"{milli / 1000:g} CPU"


def _memory_words(value: int) -> str:
    for unit, size in (("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if value >= size:
            return f"{value / size:.3g}{unit}"
    return f"{value} bytes"


def _amount(resource: str, value: int) -> str:
    if resource == "cpu":
        return _cpu_words(value)
    if resource == "memory":
        return f"{_memory_words(value)} of memory"
    return f"{value} {resource}"


def _node_words(name: str, info: Any, status: Status | None, wanted: dict[str, int]) -> str:
    """``node-1 has 0.5 CPU free``, ``node-3 is cordoned``, ``node-2 has a taint the pod does not tolerate``."""
    reasons = list(status.reasons) if status is not None else []
    plain = []
    for reason in reasons:
        if reason.startswith("Insufficient "):
            continue
        if reason in _PLAIN_REASONS:
            plain.append(_PLAIN_REASONS[reason])
        elif "untolerated taint" in reason:
            taint = reason.split("{", 1)[-1].rstrip("}").rstrip(": ")
            plain.append(f"has a taint the pod does not tolerate ({taint})")
        else:
            plain.append(f"is ruled out: {reason}")
    free = []
    short = any(r.startswith("Insufficient ") for r in reasons)
    if info is not None and (short or not plain):
        for resource in _PLAIN_RESOURCES:
            if wanted.get(resource) or f"Insufficient {resource}" in reasons:
                free.append(_amount(resource, max(info.allocatable.get(resource) - info.requested.get(resource), 0)))
    if free and not plain:
        return f"{name} has {' and '.join(free)} free"
    if free:
        return f"{name} {' and '.join(plain)} and has {' and '.join(free)} free"
    return f"{name} {' and '.join(plain) or 'fits'}"


def unschedulable_words(attempt: Any, snapshot: Any, wanted: dict[str, int]) -> str:
    """The scheduler's reason in plain words: what the pod asks for, what each node has free
    or why it is out (at most ``SUMMARY_REJECTED`` nodes named, the rest counted)."""
    asks = [_amount(r, wanted[r]) for r in _PLAIN_RESOURCES if wanted.get(r)]
    requests = " and ".join(asks) if asks else "no CPU or memory"
    names = sorted(set(attempt.node_statuses) | set(attempt.skipped))
    words = []
    for name in names[:SUMMARY_REJECTED]:
        status = attempt.node_statuses.get(name) or attempt.absent_status
        words.append(_node_words(name, snapshot.get(name), status, wanted))
    if len(names) > SUMMARY_REJECTED:
        words.append(f"{len(names) - SUMMARY_REJECTED} more nodes are ruled out the same ways")
    if not names:
        words.append("the cluster has no node it could use")
    return say("scheduler.why", where=_where(attempt.pod), requests=requests, nodes=", ".join(words))


def _status(status: Status) -> dict[str, Any]:
    return status.as_dict()


#: the stored form of an explanation (``expand`` reads it back into the documented form);
#: records of format 2 (scores kept per node) are still read
STORED_FORMAT = 3
_NODE_SCORES_FORMAT = 2


def explanation(attempt: Any, *, attempt_number: int, time: str, message: str) -> dict[str, Any]:
    """The record kept for this attempt, in its stored (compact) form: JSON only.

    A pod's attempt covers every node with every filter's verdict and every score: on a
    thousand nodes that is thousands of small objects, nearly all alike. Stored, each
    distinct verdict list and status is written once and the nodes (columns: names,
    status, filters) refer to them by index; scores are kept as the cycle computes them,
    a column per plugin over the feasible nodes (a node's total is their weighted sum).
    ``expand`` gives the documented shape (``nodes[].filters[]``, ``nodes[].scores[]``)
    back.
    """
    meta = attempt.pod.get("metadata") or {}
    absent = attempt.absent_status
    names = list(attempt.skipped) + list(attempt.evaluated)
    results = [(absent, ())] * len(attempt.skipped) + list(attempt.evaluated.values())
    # Nodes share verdict lists and statuses (every node that passed has the same ones,
    # cached per node for pods of one spec): each distinct one is indexed once, by
    # identity, and the nodes refer to it by number.
    lists = list({id(r[1]): r[1] for r in results}.values())
    list_index = {id(found): i for i, found in enumerate(lists)}
    statuses = list({id(r[0]): r[0] for r in results}.values())
    status_index = {id(status): i for i, status in enumerate(statuses)}
    verdicts: dict[tuple[str, Status, bool], int] = {}
    filter_lists = []
    for found in lists:
        indexes = []
        for v in found:
            key = (v.plugin, v.status, v.ran)
            index = verdicts.get(key)
            if index is None:
                index = verdicts[key] = len(verdicts)
            indexes.append(index)
        filter_lists.append(indexes)
    nodes = {
        "names": names,
        "skippedBy": dict(attempt.skipped),
        "status": [status_index[id(r[0])] for r in results],
        "filters": [list_index[id(r[1])] for r in results],
    }
    preemption = None
    if attempt.preemption is not None:
        p = attempt.preemption
        preemption = {
            "code": p.code,
            "message": p.message,
            "nominatedNode": p.nominated_node,
            "victims": [_where(v) for v in p.victims],
            "candidates": [{"node": c.node, "victims": [_where(v) for v in c.victims]} for c in p.candidates],
            "nodes": {n: _status(s) for n, s in sorted(p.node_statuses.items())},
        }
    return {
        "pod": {"namespace": meta.get("namespace"), "name": meta.get("name"), "uid": meta.get("uid")},
        "attempt": attempt_number,
        "time": time,
        "result": "Scheduled" if attempt.chosen else "Unschedulable",
        "chosen": attempt.chosen,
        "message": message,
        "numNodes": attempt.num_nodes,
        "numNodesEvaluated": len(names),
        "feasibleNodesToFind": attempt.nodes_to_find,
        "feasible": list(attempt.feasible),
        "error": attempt.error,
        "preFilter": _status(attempt.prefilter_status) if attempt.prefilter_status else None,
        "absentNodesStatus": _status(attempt.absent_status) if attempt.absent_status else None,
        "nominatedFastPath": attempt.nominated_fast_path,
        "skippedScorePlugins": list(attempt.skipped_scores),
        "format": STORED_FORMAT,
        "filterVerdicts": [
            {"plugin": plugin, "passed": status.ok, "code": status.code, "reasons": list(status.reasons), "counted": ran}
            for (plugin, status, ran) in verdicts
        ],
        "filterLists": filter_lists,
        "statuses": [_status(status) for status in statuses],
        "scores": [[c.plugin, c.weight, c.raw, c.normalized] for c in attempt.scores],
        "nodes": nodes,
        "preemption": preemption,
    }


_STORED_ONLY = ("format", "filterVerdicts", "filterLists", "statuses", "scorePlugins", "scores", "nodes")


def expand(record: dict[str, Any]) -> dict[str, Any]:
    """A stored explanation in its documented shape: per node (by name) its status, every
    filter's verdict and every score (plugin, raw, normalized, weight, weighted) and the
    total."""
    fmt = record.get("format")
    if fmt not in (STORED_FORMAT, _NODE_SCORES_FORMAT):
        return record
    verdicts, statuses = record["filterVerdicts"], record["statuses"]
    out = {k: v for k, v in record.items() if k not in _STORED_ONLY}
    if fmt == _NODE_SCORES_FORMAT:
        plugins = record["scorePlugins"]
        rows = [
            (name, feasible, skipped_by, status, filters,
             [(plugins[i][0], plugins[i][1], raw, normalized) for i, raw, normalized in scores], total)
            for name, feasible, skipped_by, status, filters, scores, total in record["nodes"]
        ]
    else:
        lists, columns, table = record["filterLists"], record["scores"], record["nodes"]
        position = {name: i for i, name in enumerate(record["feasible"])}
        skipped = table["skippedBy"]
        rows = []
        for name, status, filters in zip(table["names"], table["status"], table["filters"], strict=True):
            i = position.get(name)
            scores = [] if i is None else [(plugin, weight, raw[i], normalized[i]) for plugin, weight, raw, normalized in columns]
            total = sum(weight * normalized for _, weight, _, normalized in scores) if scores else None
            rows.append((name, i is not None, skipped.get(name, ""), status, lists[filters], scores, total))
        rows.sort(key=lambda row: row[0])
    out["nodes"] = [
        {
            "name": name,
            "feasible": feasible,
            "skippedBy": skipped_by,
            "status": dict(statuses[status]),
            "filters": [dict(verdicts[i]) for i in filters],
            "scores": [
                {"plugin": plugin, "raw": raw, "normalized": normalized, "weight": weight, "weighted": normalized * weight}
                for plugin, weight, raw, normalized in scores
            ],
            "total": total,
        }
        for name, feasible, skipped_by, status, filters, scores, total in rows
    ]
    return out
