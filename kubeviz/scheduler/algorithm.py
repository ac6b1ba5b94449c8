"""One scheduling cycle (schedule_one.go), pure: PreFilter, Filter, PostFilter (preemption),
Score, and the choice of a host. Everything it decides is kept in an Attempt, which
``explain`` turns into the explanation record and the FailedScheduling message.
"""
from __future__ import annotations

import itertools
import operator
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from . import plugins
from .framework import (
    OK,
    SUCCESS,
    UNRESOLVABLE,
    NodeInfo,
    Snapshot,
    Status,
    pod_priority,
    pod_uid,
)
from .plugins.node_affinity import NAME as NODE_AFFINITY

Obj = dict[str, Any]

ERR_NO_NODES = "no nodes available to schedule pods"
# schedule_one.go: below this many nodes every node is evaluated; above it, the adaptive
# percentage (50% less 1% per 125 nodes, at least 5%) of them, but never fewer than this.
MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5


def num_feasible_nodes_to_find(num_all_nodes: int, percentage_of_nodes_to_score: int = 0) -> int:
    """How many feasible nodes kube-scheduler looks for before it stops filtering
    (numFeasibleNodesToFind, with the default percentageOfNodesToScore of 0: adaptive)."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    percentage = percentage_of_nodes_to_score
    if percentage == 0:
        percentage = max(50 - num_all_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    return max(num_all_nodes * percentage // 100, MIN_FEASIBLE_NODES_TO_FIND)


@dataclass(frozen=True, slots=True)
class FilterVerdict:
    plugin: str
    status: Status
    #: kube-scheduler stops at a node's first rejection; later verdicts are shown, not counted
    ran: bool = True


@dataclass(slots=True)
class PluginScore:
    raw: int
    normalized: int
    weight: int

    @property
    def weighted(self) -> int:
        return self.normalized * self.weight


@dataclass(frozen=True, slots=True)
class ScoreColumn:
    """One score plugin's raw and normalized scores, one per scored node (in the order of
    ``Attempt.feasible``): kept by plugin, not by node, as a cycle computes them."""

    plugin: str
    weight: int
    raw: list[int]
    normalized: list[int]


@dataclass(slots=True)
class NodeEvaluation:
    """One node as a cycle saw it (a view: ``Attempt`` keeps the parts in flat maps)."""

    name: str
    status: Status = OK
    verdicts: list[FilterVerdict] | tuple[()] = ()
    total: int | None = None
    #: set when the node was left out before the filters ran (PreFilter result)
    skipped_by: str = ""


#: a node's filter result: its status and every filter's verdict
FilterResult = tuple[Status, "list[FilterVerdict]"]


@dataclass
class Attempt:
    """Everything one cycle decided. Per-node results are kept in flat maps, filled as
    the phases produce them: a cycle on a large cluster looks at hundreds of nodes, and
    an object per node was a sizeable part of its cost."""

    pod: Obj
    num_nodes: int = 0
    #: node → filter result, in the order the nodes were evaluated
    evaluated: dict[str, FilterResult] = field(default_factory=dict)
    #: node → the plugin whose PreFilter left it out (its status is ``absent_status``)
    skipped: dict[str, str] = field(default_factory=dict)
    #: node → the status of each evaluated node the filters rejected (NodeToStatus)
    node_statuses: dict[str, Status] = field(default_factory=dict)
    #: node → total weighted score, for the scored (feasible) nodes
    totals: dict[str, int] = field(default_factory=dict)
    feasible: list[str] = field(default_factory=list)
    chosen: str | None = None
    #: the pod's nominated node passed the filters: taken without scoring
    nominated_fast_path: bool = False
    prefilter_status: Status | None = None
    #: status of nodes not evaluated at all (NodeToStatus.AbsentNodesStatus)
    absent_status: Status | None = None
    error: str = ""
    skipped_scores: list[str] = field(default_factory=list)
    #: the Score phase, by plugin
    scores: list[ScoreColumn] = field(default_factory=list)
    preemption: Any = None  # preemption.PreemptionResult
    #: filtering stopped once this many feasible nodes were found (numFeasibleNodesToFind)
    nodes_to_find: int = 0
    #: nodes the filters looked at, from ``start_index`` of the node list on
    processed: int = 0
    start_index: int = 0

    def evaluate(self, node: str, result: FilterResult) -> None:
        self.evaluated[node] = result
        if result[0].rejected:
            self.node_statuses[node] = result[0]

    @property
    def nodes(self) -> dict[str, NodeEvaluation]:
        """Every node the cycle looked at or left out, as one view each."""
        out = {
            name: NodeEvaluation(name, self.absent_status or Status(UNRESOLVABLE), skipped_by=plugin)
            for name, plugin in self.skipped.items()
        }
        for name, (status, verdicts) in self.evaluated.items():
            out[name] = NodeEvaluation(name, status, verdicts, self.totals.get(name))
        return out

    def scores_of(self, node: str) -> dict[str, PluginScore]:
        """One node's score from each plugin (empty if it was not scored)."""
        if node not in self.feasible or not self.scores:
            return {}
        i = self.feasible.index(node)
        return {c.plugin: PluginScore(c.raw[i], c.normalized[i], c.weight) for c in self.scores}

    def status_of(self, node: str) -> Status:
        result = self.evaluated.get(node)
        if result is not None:
            return result[0]
        return self.absent_status or Status(UNRESOLVABLE)

    @property
    def unschedulable_plugins(self) -> set[str]:
        found = {s.plugin for s in self.node_statuses.values() if s.plugin}
        for status in (self.prefilter_status, self.absent_status):
            if status is not None and status.plugin:
                found.add(status.plugin)
        return found


# ---- filters -------------------------------------------------------------------------------


def skipped_filters(pod: Obj, filters: Iterable[Any] = plugins.FILTERS) -> frozenset[str]:
    """The filters whose PreFilter returns Skip for ``pod``: they would pass every node."""
    return frozenset(p.name for p in filters if hasattr(p, "pre_filter_skip") and p.pre_filter_skip(pod))


# A passing verdict is the same on every node: shared, not built per node and plugin.
_PASSED = {(p.name, ran): FilterVerdict(p.name, OK, ran) for p in plugins.FILTERS for ran in (True, False)}


ALL_PASSED = [_PASSED[(p.name, True)] for p in plugins.FILTERS]


def _verdict(plugin: str, status: Status, ran: bool) -> FilterVerdict:
    if status.ok:
        found = _PASSED.get((plugin, ran))
        if found is not None:
            return found
    return FilterVerdict(plugin, status, ran)


def run_filters(pod: Obj, node_info: NodeInfo, filters: Iterable[Any] = plugins.FILTERS,
                skip: frozenset[str] = frozenset()) -> tuple[Status, list[FilterVerdict]]:
    """Every filter's verdict; the node's status is the first rejection. Filters in
    ``skip`` (PreFilter said Skip) pass without running."""
    status = OK
    verdicts = []
    for plugin in filters:
        verdict = OK if plugin.name in skip else plugin.filter(pod, node_info)
        verdicts.append(_verdict(plugin.name, verdict, status.ok))
        if status.ok and not verdict.ok:
            status = verdict
    if status.ok and filters is plugins.FILTERS:
        return status, ALL_PASSED  # one list for every node that passed: read-only
    return status, verdicts


def nominated_for(pod: Obj, node: str, nominated: Iterable[Obj]) -> list[Obj]:
    """Pods nominated to ``node`` (after a preemption) that are at least as important."""
    uid, priority = pod_uid(pod), pod_priority(pod)
    return [
        p for p in nominated
        if (p.get("status") or {}).get("nominatedNodeName") == node and pod_uid(p) != uid and pod_priority(p) >= priority
    ]


#: results kept per node before they are dropped (many pods of different specs)
RESULTS_LIMIT = 256


def equivalence_key(pod: Obj) -> int:
    """Pods with the same spec get the same verdicts and scores on a node that has not
    changed (the idea of kube-scheduler's old equivalence-class cache): replicas of one
    template are scheduled one after another, and between two of them only the node that
    took the last one changed. The class is the spec itself (every plugin reads only
    that), numbered: a cycle looks its class up on hundreds of nodes, and comparing a
    kilobyte of spec each time cost more than the lookups themselves. Filter results are
    kept under the number, raw scores under its complement."""
    spec = orjson.dumps(pod.get("spec") or {}, option=orjson.OPT_SORT_KEYS)
    number = _CLASSES.get(spec)
    if number is None:
        if len(_CLASSES) >= CLASSES_LIMIT:
            _CLASSES.clear()  # numbers are never reused: what nodes kept under old ones is just not found
        number = _CLASSES.setdefault(spec, next(_NUMBERS))
    return number


#: equivalence classes numbered so far (spec → number), and the numbers to come
CLASSES_LIMIT = 4096
_CLASSES: dict[bytes, int] = {}
_NUMBERS = itertools.count(1)


def filter_node(pod: Obj, info: NodeInfo, nominated: list[Obj], skip: frozenset[str],
                key: int | None) -> tuple[Status, list[FilterVerdict]]:
    """The node's filter verdicts for ``pod``, from the node's results when a pod of the
    same spec was already filtered against it (never with nominated pods in the way)."""
    if key is None or (nominated and nominated_for(pod, info.name, nominated)):
        return run_filters_with_nominated(pod, info, nominated, skip)
    found = info.results.get(key)
    if found is None:
        if len(info.results) > RESULTS_LIMIT:
            info.results.clear()
        found = info.results[key] = run_filters(pod, info, skip=skip)
    return found


def run_filters_with_nominated(pod: Obj, node_info: NodeInfo, nominated: Iterable[Obj] = (),
                               skip: frozenset[str] = frozenset()) -> tuple[Status, list[FilterVerdict]]:
    """RunFilterPluginsWithNominatedPods: pass both with and without the nominated pods."""
    extra = nominated_for(pod, node_info.name, nominated) if nominated else []
    if extra:
        with_them = node_info.clone()
        for p in extra:
            with_them.add_pod(p)
        status, verdicts = run_filters(pod, with_them, skip=skip)
        if not status.ok:
            return status, verdicts
    return run_filters(pod, node_info, skip=skip)


# ---- scores --------------------------------------------------------------------------------


def score_nodes(pod: Obj, snapshot: Snapshot, feasible: list[str], attempt: Attempt, key: int | None = None) -> dict[str, int]:
    """Every score plugin's raw score per feasible node, normalized and weighted. Raw
    scores come from the node's results for pods of this spec when it has them."""
    active = []
    for plugin in plugins.SCORES:
        if plugin.pre_score(pod):
            active.append(plugin)
        else:
            attempt.skipped_scores.append(plugin.name)
    if not feasible:
        return {}
    nodes = snapshot.nodes
    score_key = ~key if key is not None else None
    columns, index = snapshot.columns, snapshot.index
    if key is not None and columns is not None and index is not None and len(feasible) > 1:
        # Raw scores by class and node place (see ``_filter_by_columns``).
        kept = columns.scores(key)
        places = operator.itemgetter(*feasible)(index)
        rows = list(operator.itemgetter(*places)(kept))
        for i, place in enumerate(places):
            if place in snapshot.own:
                rows[i] = None
    else:
        kept, places, rows = None, (), [None] * len(feasible)
    i = -1
    while True:  # only the unknown ones, found by C-level scans
        try:
            i = rows.index(None, i + 1)
        except ValueError:
            break
        info = nodes[feasible[i]]
        raws = info.results.get(score_key) if key is not None else None
        if raws is None:
            raws = tuple(plugin.score(pod, info, snapshot) for plugin in active)
            if key is not None:
                info.results[score_key] = raws
        rows[i] = raws
        if kept is not None and places[i] not in snapshot.own:
            kept[places[i]] = raws
    totals = [0] * len(feasible)
    pick = operator.itemgetter(*feasible)
    for plugin, column in zip(active, zip(*rows, strict=True), strict=True):
        normalized = plugin.normalize(dict(zip(feasible, column, strict=True)))
        values = list(pick(normalized)) if len(feasible) > 1 else [normalized[feasible[0]]]
        weight = plugin.weight
        totals = list(map(operator.add, totals, map(operator.mul, values, itertools.repeat(weight))))
        attempt.scores.append(ScoreColumn(plugin.name, weight, list(column), values))
    attempt.totals = dict(zip(feasible, totals, strict=True))
    return attempt.totals


def select_host(totals: dict[str, int], rng: random.Random) -> str:
    """The highest total; a tie is broken at random (seeded), as kube-scheduler samples."""
    best = max(totals.values())
    tied = sorted(n for n, t in totals.items() if t == best)
    return tied[0] if len(tied) == 1 else rng.choice(tied)


# ---- the cycle -----------------------------------------------------------------------------


def schedule_pod(pod: Obj, snapshot: Snapshot, *, rng: random.Random, nominated: Iterable[Obj] = (),
                 start_index: int = 0, volumes: Status | None = None) -> Attempt:
    """Find a node for ``pod``; on failure, try preemption (PostFilter).

    ``volumes`` is VolumeBinding's PreFilter verdict (it reads claims, which a snapshot has not).
    Filtering goes round the node list from ``start_index`` (the scheduler carries on
    next cycle from where this one stopped, ``Attempt.processed`` nodes later) and stops
    once ``num_feasible_nodes_to_find`` nodes fit: in a large cluster only those are scored.
    """
    from .preemption import preempt

    nominated = list(nominated)
    attempt = Attempt(pod=pod, num_nodes=len(snapshot))
    if not len(snapshot):
        attempt.error = ERR_NO_NODES
        return attempt

    allowed, pre_status = plugins.PRE_FILTER.pre_filter(pod)
    if volumes is not None and volumes.rejected:
        allowed, pre_status = None, volumes
    if pre_status.rejected:
        attempt.prefilter_status = attempt.absent_status = pre_status
        attempt.skipped = dict.fromkeys(snapshot.nodes, pre_status.plugin)
        attempt.preemption = preempt(pod, snapshot, attempt, nominated)
        return attempt

    # A pod nominated to a node by an earlier preemption tries that node first.
    nominated_node = (pod.get("status") or {}).get("nominatedNodeName")
    info = snapshot.get(nominated_node) if nominated_node else None
    if info is not None and (allowed is None or info.name in allowed):
        status, verdicts = run_filters_with_nominated(pod, info, nominated)
        if status.ok:
            attempt.evaluate(info.name, (status, verdicts))
            attempt.feasible = [info.name]
            attempt.chosen = info.name
            attempt.nominated_fast_path = True
            return attempt

    skip = skipped_filters(pod)
    key = equivalence_key(pod)
    nodes = snapshot.list()
    if allowed is not None:
        attempt.absent_status = Status(UNRESOLVABLE, (f"node(s) didn't satisfy plugin(s) [{NODE_AFFINITY}]",), NODE_AFFINITY)
        attempt.skipped = {info.name: NODE_AFFINITY for info in nodes if info.name not in allowed}
        nodes = [info for info in nodes if info.name in allowed]
    attempt.nodes_to_find = num_feasible_nodes_to_find(len(nodes))
    attempt.start_index = start_index % len(snapshot)
    start = attempt.start_index % len(nodes) if nodes else 0
    evaluated, rejected = attempt.evaluated, attempt.node_statuses
    feasible, to_find = attempt.feasible, attempt.nodes_to_find
    # Nodes go in slices of as many as are still to be found: on a large cluster that is
    # hundreds per pod, so each slice is a few comprehensions, not a loop of statements.
    # In the common case (no nominated pods, a node already filtered for this spec) a
    # node's result is one dictionary lookup.
    cached = None if nominated else key
    if cached is not None and allowed is None and snapshot.columns is not None and snapshot.columns.size == len(nodes):
        _filter_by_columns(pod, snapshot, attempt, nodes, start, cached, skip)
        return _after_filters(pod, snapshot, attempt, nominated, rng, key)
    rotated = nodes[start:] + nodes[:start]
    processed = 0
    while len(feasible) < to_find and processed < len(rotated):
        batch = rotated[processed:processed + to_find - len(feasible)]
        processed += len(batch)
        names = [info.name for info in batch]
        results = [info.results.get(cached) for info in batch] if cached is not None else [None] * len(batch)
        for i, found in enumerate(results):
            if found is None:
                results[i] = filter_node(pod, batch[i], nominated, skip, key)
        evaluated.update(zip(names, results, strict=True))
        feasible += [n for n, r in zip(names, results, strict=True) if r[0].code == SUCCESS]
        rejected.update((n, r[0]) for n, r in zip(names, results, strict=True) if r[0].rejected)
    attempt.processed = processed
    return _after_filters(pod, snapshot, attempt, nominated, rng, key)


_FIRST = operator.itemgetter(0)
_CODE = operator.attrgetter("code")


def _filter_by_columns(pod: Obj, snapshot: Snapshot, attempt: Attempt, nodes: list[NodeInfo], start: int,
                       key: int, skip: frozenset[str]) -> None:
    """The filter loop of ``schedule_pod`` when the snapshot keeps its nodes' results by
    class (``framework.ClassColumns``): the same nodes in the same order, each slice read
    from the columns, only unknown results computed, the rest done by C-level builtins."""
    assert snapshot.columns is not None and snapshot.names is not None
    results, own, n = snapshot.columns.results(key), snapshot.own, len(nodes)
    ring = results[start:] + results[:start]
    for position in own:
        ring[(position - start) % n] = None
    names = snapshot.names[start:] + snapshot.names[:start]
    evaluated, rejected, feasible = attempt.evaluated, attempt.node_statuses, attempt.feasible
    found, processed = 0, 0
    while found < attempt.nodes_to_find and processed < n:
        end = min(n, processed + attempt.nodes_to_find - found)
        batch = ring[processed:end]
        j = -1
        while True:
            try:
                j = batch.index(None, j + 1)
            except ValueError:
                break
            position = (start + processed + j) % n
            batch[j] = filter_node(pod, nodes[position], [], skip, key)
            if position not in own:
                results[position] = batch[j]
        ok = list(map(SUCCESS.__eq__, map(_CODE, map(_FIRST, batch))))
        batch_names = names[processed:end]
        evaluated.update(zip(batch_names, batch, strict=True))
        feasible.extend(itertools.compress(batch_names, ok))
        passed = sum(ok)
        if passed < len(ok):
            rejected.update(
                (name, result[0]) for name, result, good in zip(batch_names, batch, ok, strict=True)
                if not good and result[0].rejected
            )
        found += passed
        processed = end
    attempt.processed = processed


def _after_filters(pod: Obj, snapshot: Snapshot, attempt: Attempt, nominated: list[Obj], rng: random.Random,
                   key: int | None) -> Attempt:
    """PostFilter (preemption) when no node fits; else Score and the choice of a host."""
    from .preemption import preempt

    attempt.feasible.sort()
    if not attempt.feasible:
        attempt.preemption = preempt(pod, snapshot, attempt, nominated)
        return attempt
    if len(attempt.feasible) == 1:
        # kube-scheduler does not score a single feasible node.
        attempt.chosen = attempt.feasible[0]
        return attempt
    attempt.chosen = select_host(score_nodes(pod, snapshot, attempt.feasible, attempt, key), rng)
    return attempt
