"""What a pod asks for: resourcehelper.PodRequests, as kube-scheduler adds it up.

A pod's request is the sum over its containers, or the largest init container if that is
bigger (init containers run one at a time, before the others), with restartable
("sidecar") init containers counted as running alongside; plus ``spec.overhead``.
CPU is in millicores, everything else in whole base units (bytes, pods).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from kubeviz.apiserver.quantity import QuantityError, milli, to_int

Obj = dict[str, Any]

# schedutil.DefaultMilliCPURequest / DefaultMemoryRequest: what scoring assumes for a
# container that requests nothing, so that many "free" pods do not pile onto one node.
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
NON_ZERO_DEFAULTS = {"cpu": DEFAULT_MILLI_CPU_REQUEST, "memory": DEFAULT_MEMORY_REQUEST}


def quantity_value(resource: str, value: Any) -> int:
    """CPU as millicores (MilliValue), anything else as Value(); both round up."""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return _quantity_value_cached(resource, value)
    return _quantity_value(resource, value)


@lru_cache(maxsize=4096)
def _quantity_value_cached(resource: str, value: str | int) -> int:
    # A cluster names few distinct quantities; parsing each with Decimal once is enough.
    return _quantity_value(resource, value)


def _quantity_value(resource: str, value: Any) -> int:
    try:
        return milli(value) if resource == "cpu" else to_int(value)
    except (QuantityError, ArithmeticError, ValueError):
        return 0


def resource_list(rl: Any) -> dict[str, int]:
    if not isinstance(rl, dict):
        return {}
    return {str(name): quantity_value(str(name), value) for name, value in rl.items()}


def _container_requests(container: Obj, non_missing: dict[str, int] | None) -> dict[str, int]:
    raw = (container.get("resources") or {}).get("requests") or {}
    out = resource_list(raw)
    for name, value in (non_missing or {}).items():
        if name not in raw:
            out[name] = out.get(name, 0) + value
    return out


def _add(into: dict[str, int], other: dict[str, int]) -> None:
    for name, value in other.items():
        into[name] = into.get(name, 0) + value


def _max(into: dict[str, int], other: dict[str, int]) -> None:
    for name, value in other.items():
        into[name] = max(into.get(name, 0), value)


def pod_requests(pod: Obj, non_missing: dict[str, int] | None = None) -> dict[str, int]:
    """The pod's effective requests; ``non_missing`` fills in containers' missing entries."""
    spec = pod.get("spec") or {}
    reqs: dict[str, int] = {}
    for c in spec.get("containers") or []:
        if isinstance(c, dict):
            _add(reqs, _container_requests(c, non_missing))
    restartable: dict[str, int] = {}
    init_reqs: dict[str, int] = {}
    for c in spec.get("initContainers") or []:
        if not isinstance(c, dict):
            continue
        creqs = _container_requests(c, non_missing)
        if c.get("restartPolicy") == "Always":
            # A sidecar keeps running: it adds to the pod and to every later init container.
            _add(reqs, creqs)
            _add(restartable, creqs)
            creqs = dict(restartable)
        else:
            tmp: dict[str, int] = {}
            _add(tmp, creqs)
            _add(tmp, restartable)
            creqs = tmp
        _max(init_reqs, creqs)
    _max(reqs, init_reqs)
    _add(reqs, resource_list(spec.get("overhead")))
    return reqs


def non_zero_requests(pod: Obj) -> dict[str, int]:
    """Requests with 100m CPU / 200Mi memory for containers that name none (for scoring)."""
    return pod_requests(pod, NON_ZERO_DEFAULTS)


class RequestsMemo:
    """Requests per stored pod version, for one cluster's scheduler.

    Every scheduling cycle adds up every bound pod; a (uid, resourceVersion) pair names one
    immutable stored version within a cluster, so its sums are computed once. (Across
    clusters uids repeat, since they come from each cluster's seed: one memo per cluster.)
    """

    LIMIT = 50_000

    def __init__(self) -> None:
        self._memo: dict[tuple[str, str], tuple[dict[str, int], dict[str, int]]] = {}

    def of(self, pod: Obj) -> tuple[dict[str, int], dict[str, int]]:
        """(requests, non-zero requests); callers must not modify them."""
        meta = pod.get("metadata") or {}
        uid, rv = meta.get("uid"), meta.get("resourceVersion")
        if not uid or not rv:
            return pod_requests(pod), non_zero_requests(pod)
        found = self._memo.get((uid, rv))
        if found is None:
            if len(self._memo) >= self.LIMIT:
                self._memo.clear()
            found = self._memo[(uid, rv)] = (pod_requests(pod), non_zero_requests(pod))
        return found


def is_scalar_resource(name: str) -> bool:
    """Extended resources (``example.com/gpu``), hugepages and attachable volumes."""
    if name.startswith(("hugepages-", "attachable-volumes-")):
        return True
    return "/" in name and "kubernetes.io/" not in name and not name.startswith("requests.")
