"""The scheduling framework's vocabulary (pkg/scheduler/framework): Status, NodeInfo, Snapshot.

A Snapshot is what one scheduling cycle sees: every node with the pods on it (bound, or
assumed by this scheduler while its binding is on the way), their summed requests, the
host ports they hold and the images the nodes have. Pure data: no database, no cache.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from kubeviz.apiserver.jsoncopy import deep_copy

from .resources import RequestsMemo, is_scalar_resource, non_zero_requests, pod_requests, quantity_value

Obj = dict[str, Any]

# Status codes (framework.Code). A node that is Unschedulable may be freed by preemption;
# UnschedulableAndUnresolvable is a rejection preemption cannot help with.
SUCCESS = "Success"
UNSCHEDULABLE = "Unschedulable"
UNRESOLVABLE = "UnschedulableAndUnresolvable"
SKIP = "Skip"

MAX_NODE_SCORE = 100
DEFAULT_SCHEDULER_NAME = "default-scheduler"


@dataclass(frozen=True)
class Status:
    code: str = SUCCESS
    reasons: tuple[str, ...] = ()
    plugin: str = ""

    @property
    def ok(self) -> bool:
        return self.code == SUCCESS

    @property
    def rejected(self) -> bool:
        return self.code in (UNSCHEDULABLE, UNRESOLVABLE)

    def message(self) -> str:
        return ", ".join(self.reasons)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "reasons": list(self.reasons), "plugin": self.plugin}


OK = Status()


def unschedulable(plugin: str, *reasons: str, unresolvable: bool = False) -> Status:
    return Status(UNRESOLVABLE if unresolvable else UNSCHEDULABLE, tuple(reasons), plugin)


# ---- pods ------------------------------------------------------------------------------------


def pod_key(pod: Obj) -> str:
    meta = pod.get("metadata") or {}
    return f"{meta.get('namespace')}/{meta.get('name')}"


def pod_uid(pod: Obj) -> str:
    return (pod.get("metadata") or {}).get("uid") or pod_key(pod)


def pod_priority(pod: Obj) -> int:
    value = (pod.get("spec") or {}).get("priority")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def pod_start_time(pod: Obj) -> str:
    """GetPodStartTime: status.startTime, else (not yet started) the creation time."""
    return (pod.get("status") or {}).get("startTime") or (pod.get("metadata") or {}).get("creationTimestamp") or ""


def is_terminal(pod: Obj) -> bool:
    """Succeeded and Failed pods hold nothing: kube-scheduler's informer does not even list them."""
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def host_ports(pod: Obj) -> list[tuple[str, str, int]]:
    """(hostIP, protocol, hostPort) of every container port with a host port."""
    out = []
    for c in (pod.get("spec") or {}).get("containers") or []:
        for p in (c or {}).get("ports") or []:
            port = p.get("hostPort") or 0
            if isinstance(port, int) and port > 0:
                out.append((p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", port))
    return out


# ---- resources -------------------------------------------------------------------------------


@dataclass
class Resources:
    """framework.Resource: CPU in millicores, memory and storage in bytes, scalar resources."""

    milli_cpu: int = 0
    memory: int = 0
    ephemeral_storage: int = 0
    allowed_pods: int = 0
    scalar: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_requests(cls, reqs: dict[str, int]) -> Resources:
        r = cls()
        r.add(reqs)
        return r

    @classmethod
    def from_list(cls, rl: Any) -> Resources:
        r = cls()
        if isinstance(rl, dict):
            r.add({str(k): quantity_value(str(k), v) for k, v in rl.items()})
        return r

    def add(self, reqs: dict[str, int], sign: int = 1) -> None:
        for name, value in reqs.items():
            if name == "cpu":
                self.milli_cpu += sign * value
            elif name == "memory":
                self.memory += sign * value
            elif name == "ephemeral-storage":
                self.ephemeral_storage += sign * value
            elif name == "pods":
                self.allowed_pods += sign * value
            elif is_scalar_resource(name):
                self.scalar[name] = self.scalar.get(name, 0) + sign * value

    def get(self, name: str) -> int:
        if name == "cpu":
            return self.milli_cpu
        if name == "memory":
            return self.memory
        if name == "ephemeral-storage":
            return self.ephemeral_storage
        if name == "pods":
            return self.allowed_pods
        return self.scalar.get(name, 0)

    def clone(self) -> Resources:
        return Resources(self.milli_cpu, self.memory, self.ephemeral_storage, self.allowed_pods, dict(self.scalar))


@dataclass(frozen=True)
class ImageState:
    """ImageStateSummary: an image's size and on how many nodes it is present."""

    size: int
    num_nodes: int


@dataclass
class NodeInfo:
    node: Obj
    pods: list[Obj] = field(default_factory=list)
    requested: Resources = field(default_factory=Resources)
    non_zero_requested: Resources = field(default_factory=Resources)
    allocatable: Resources = field(default_factory=Resources)
    #: hostIP → {(protocol, port)}
    used_ports: dict[str, set[tuple[str, int]]] = field(default_factory=dict)
    image_states: dict[str, ImageState] = field(default_factory=dict)
    memo: RequestsMemo | None = field(default=None, repr=False, compare=False)
    #: what the plugins concluded about pods of one spec on this node as it is (filter
    #: verdicts, raw scores), keyed by the pod's equivalence key: a new NodeInfo (the node
    #: or its pods changed) starts empty, clones too
    results: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, node: Obj, pods: Iterable[Obj] = (), memo: RequestsMemo | None = None) -> NodeInfo:
        info = cls(node=node, allocatable=Resources.from_list((node.get("status") or {}).get("allocatable")), memo=memo)
        for pod in pods:
            info.add_pod(pod)
        return info

    # The node object of a NodeInfo never changes (a changed node gets a new NodeInfo), and
    # the filters read these for every pod: computed once.
    @cached_property
    def name(self) -> str:
        return self.node["metadata"]["name"]

    @cached_property
    def labels(self) -> dict[str, str]:
        return (self.node.get("metadata") or {}).get("labels") or {}

    @cached_property
    def taints(self) -> list[Obj]:
        return [t for t in (self.node.get("spec") or {}).get("taints") or [] if isinstance(t, dict)]

    def add_pod(self, pod: Obj) -> None:
        self.pods.append(pod)
        self._update(pod, 1)

    def remove_pod(self, pod: Obj) -> None:
        uid = pod_uid(pod)
        for i, p in enumerate(self.pods):
            if pod_uid(p) == uid:
                del self.pods[i]
                self._update(p, -1)
                return

    def requests_of(self, pod: Obj) -> tuple[dict[str, int], dict[str, int]]:
        """(requests, non-zero requests) of ``pod``, from the cycle's memo when there is one
        (as NodeResourcesFit's PreFilter computes them once into the CycleState)."""
        if self.memo is not None:
            return self.memo.of(pod)
        return pod_requests(pod), non_zero_requests(pod)

    def _update(self, pod: Obj, sign: int) -> None:
        requests, nz = self.requests_of(pod)
        self.requested.add(requests, sign)
        self.non_zero_requested.milli_cpu += sign * nz.get("cpu", 0)
        self.non_zero_requested.memory += sign * nz.get("memory", 0)
        for ip, protocol, port in host_ports(pod):
            ports = self.used_ports.setdefault(ip, set())
            if sign > 0:
                ports.add((protocol, port))
            else:
                ports.discard((protocol, port))

    def clone(self) -> NodeInfo:
        return NodeInfo(
            node=self.node, pods=list(self.pods), requested=self.requested.clone(),
            non_zero_requested=self.non_zero_requested.clone(), allocatable=self.allocatable.clone(),
            used_ports={ip: set(p) for ip, p in self.used_ports.items()}, image_states=dict(self.image_states),
            memo=self.memo,
        )


@dataclass
class Snapshot:
    """What one scheduling cycle sees, nodes in name order."""

    nodes: dict[str, NodeInfo]
    #: the node names in order, when the builder already knows them
    names: list[str] | None = None
    #: the infos in that order, when the builder keeps them so
    ordered: list[NodeInfo] | None = None
    #: per equivalence class (see ``algorithm.equivalence_key``), what each node in
    #: ``ordered`` concluded (None: not known), kept by the builder from cycle to cycle
    columns: ClassColumns | None = None
    #: places in ``ordered`` whose info is this cycle's own (assumed pods): not in columns
    own: frozenset[int] = frozenset()
    #: name → place in ``ordered``
    index: dict[str, int] | None = None

    def list(self) -> list[NodeInfo]:
        if self.ordered is not None:
            return list(self.ordered)
        return [self.nodes[n] for n in (self.names if self.names is not None else sorted(self.nodes))]

    def get(self, name: str) -> NodeInfo | None:
        return self.nodes.get(name)

    def __len__(self) -> int:
        return len(self.nodes)


def snapshot_build(nodes: Iterable[Obj], pods: Iterable[Obj], memo: RequestsMemo | None = None) -> Snapshot:
    """Node infos from node objects and the (bound or assumed) pods that name them."""
    infos = {n["metadata"]["name"]: NodeInfo.of(n, memo=memo) for n in nodes}
    for pod in pods:
        node_name = (pod.get("spec") or {}).get("nodeName")
        if node_name in infos and not is_terminal(pod):
            infos[node_name].add_pod(pod)
    _set_image_states(infos)
    return Snapshot(infos)


def _set_image_states(infos: dict[str, NodeInfo]) -> None:
    """Image states are cluster-wide: how many nodes hold each image name."""
    holders: dict[str, tuple[int, set[str]]] = {}
    for name, info in infos.items():
        for image in (info.node.get("status") or {}).get("images") or []:
            size = image.get("sizeBytes") or 0
            for image_name in image.get("names") or []:
                entry = holders.setdefault(image_name, (size, set()))
                entry[1].add(name)
    for info in infos.values():
        info.image_states = {}
        info.results.clear()  # ImageLocality's scores follow the image states
        for image in (info.node.get("status") or {}).get("images") or []:
            for image_name in image.get("names") or []:
                size, on = holders[image_name]
                info.image_states[image_name] = ImageState(size, len(on))


class ClassColumns:
    """For each equivalence class of pods, the filter result and the raw scores of each
    node, in node order (None: not known yet, or the node changed since). A cycle on a
    large cluster reads hundreds of them: kept as lists, they are sliced and picked by
    position instead of being looked up node by node."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._results: dict[int, list[Any]] = {}
        self._scores: dict[int, list[Any]] = {}

    def results(self, key: int) -> list[Any]:
        found = self._results.get(key)
        if found is None:
            if len(self._results) > COLUMNS_LIMIT:
                self._results.clear()
                self._scores.clear()
            found = self._results[key] = [None] * self.size
        return found

    def scores(self, key: int) -> list[Any]:
        found = self._scores.get(key)
        if found is None:
            found = self._scores[key] = [None] * self.size
        return found

    def changed(self, position: int) -> None:
        for column in (*self._results.values(), *self._scores.values()):
            column[position] = None


#: equivalence classes whose columns are kept before they are all dropped
COLUMNS_LIMIT = 256


class SnapshotCache:
    """Node infos kept from one cycle to the next, as kube-scheduler's cache does
    (UpdateSnapshot): only the nodes that changed since the last cycle, themselves or the
    pods bound to them, get a new info; image states are worked out again only when a
    node object changed. A cycle costs the changes since the last one, not a sum over
    every node and pod.

    A cycle must not change the infos it is given (preemption and nominated pods work on
    clones), since the next cycle reuses them."""

    def __init__(self, memo: RequestsMemo | None = None) -> None:
        self.memo = memo
        self._infos: dict[str, NodeInfo] = {}
        self._names: list[str] = []
        self._name_set: set[str] = set()
        # The infos in name order (and each name's place), kept up to date as nodes change.
        self._index: dict[str, int] = {}
        self._ordered: list[NodeInfo] = []
        self._columns = ClassColumns(0)
        self._image_states: dict[str, dict[str, ImageState]] = {}
        self._position: tuple[int, int] | None = None
        self._nodes_generation = -1

    def snapshot(self, cache: Any, assumed: Iterable[Obj] = ()) -> Snapshot:
        """The snapshot of the informer ``cache`` (engine.cache.Cache) for this cycle;
        ``assumed`` are pods this scheduler bound that the cache does not show bound yet."""
        changed, self._position = cache.node_changes(self._position)
        if changed is None:
            self._infos = {}
            changed = {n["metadata"]["name"] for n in cache.iter("nodes")}
        for name in changed:
            node = cache.get("nodes", name)
            if node is None:
                self._infos.pop(name, None)
            else:
                pods = (p for p in cache.pods_on(name) if not is_terminal(p))
                info = self._infos[name] = NodeInfo.of(node, pods, memo=self.memo)
                # Image states follow the node objects only: unchanged, they still hold.
                info.image_states = self._image_states.get(name, {})
        if len(self._names) != len(self._infos) or not changed <= self._name_set:
            self._names = sorted(self._infos)
            self._name_set = set(self._names)
            self._index = {name: i for i, name in enumerate(self._names)}
            self._ordered = [self._infos[n] for n in self._names]
            self._columns = ClassColumns(len(self._ordered))
        else:
            for name in changed:
                position = self._index[name]
                self._ordered[position] = self._infos[name]
                self._columns.changed(position)
        nodes_generation = cache.generation("nodes")
        if nodes_generation != self._nodes_generation:
            self._nodes_generation = nodes_generation
            _set_image_states(self._infos)
            self._image_states = {name: info.image_states for name, info in self._infos.items()}
            self._columns = ClassColumns(len(self._ordered))  # ImageLocality follows the image states
        infos = dict(self._infos)
        ordered = self._ordered
        own = set()
        for pod in assumed:
            name = (pod.get("spec") or {}).get("nodeName")
            if name in infos and not is_terminal(pod):
                infos[name] = infos[name].clone()
                infos[name].add_pod(pod)
                if ordered is self._ordered:
                    ordered = list(ordered)
                ordered[self._index[name]] = infos[name]
                own.add(self._index[name])
        return Snapshot(infos, self._names, ordered, self._columns, frozenset(own), self._index)


def with_node_name(pod: Obj, node: str) -> Obj:
    """The pod as the scheduler assumes it once bound (before the informer shows it)."""
    assumed = deep_copy(pod)
    assumed.setdefault("spec", {})["nodeName"] = node
    return assumed
