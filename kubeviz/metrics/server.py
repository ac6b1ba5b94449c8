"""metrics-server: PodMetrics and NodeMetrics (metrics.k8s.io/v1beta1).

The real metrics-server scrapes every kubelet's resource summary each 15 s and keeps the
latest in memory; the API server proxies ``/apis/metrics.k8s.io`` to it (the aggregation
layer). Here the usage is worked out when asked, from what the kubelets report (pods'
container states) and the runtime's simulated use (runtime/usage.py, runtime/process.py).
Only running containers have metrics; a pod with none, and a node that is not Ready
(its kubelet cannot be scraped), are left out, as metrics-server leaves them out.
"""
from __future__ import annotations

from typing import Any

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.runtime.process import memory_usage
from kubeviz.runtime.usage import WINDOW_SECONDS, cpu_nanocores, served_in_window

Obj = dict[str, Any]
GROUP_VERSION = "metrics.k8s.io/v1beta1"
#: what a node's kubelet, container runtime and system daemons use besides its pods
NODE_OVERHEAD_NANOCORES = 80_000_000
NODE_OVERHEAD_BYTES = 512 * 2**20


def _meta(obj: Obj) -> Obj:
    meta = obj["metadata"]
    out = {"name": meta["name"], "creationTimestamp": meta.get("creationTimestamp")}
    if meta.get("namespace"):
        out["namespace"] = meta["namespace"]
    if meta.get("labels"):
        out["labels"] = meta["labels"]
    return out


def _running(pod: Obj) -> set[str]:
    return {cs.get("name") for cs in (pod.get("status") or {}).get("containerStatuses") or []
            if "running" in (cs.get("state") or {})}


def _container_usage(pod: Obj, served: dict[tuple[str, str], int]) -> list[tuple[str, int, int]]:
    """(name, nanocores, bytes) of each running container of a pod."""
    running = _running(pod)
    annotations = pod["metadata"].get("annotations") or {}
    uid = pod["metadata"].get("uid", "")
    return [(c["name"], cpu_nanocores(c, annotations, served.get((uid, c["name"]), 0)), memory_usage(c, annotations))
            for c in (pod.get("spec") or {}).get("containers") or [] if c.get("name") in running]


def _cpu(nanocores: int) -> str:
    return f"{nanocores}n"


def _memory(n: int) -> str:
    return f"{n // 1024}Ki"


def pod_metrics(cluster: Cluster, namespace: str | None, *, name: str | None = None, label_selector: str = "") -> list[Obj]:
    """PodMetrics of the pods that have running containers."""
    pods = registry.list_(cluster, by_plural("pods"), namespace, label_selector=label_selector)["items"]
    if name is not None:
        pods = [p for p in pods if p["metadata"]["name"] == name]
    now = clock.now(cluster)
    served = served_in_window(cluster, now)
    stamp = clock.rfc3339(now)
    out = []
    for pod in pods:
        usage = _container_usage(pod, served)
        if not usage:
            continue
        out.append({
            "kind": "PodMetrics", "apiVersion": GROUP_VERSION, "metadata": _meta(pod), "timestamp": stamp,
            "window": f"{WINDOW_SECONDS}s",
            "containers": [{"name": n, "usage": {"cpu": _cpu(cpu), "memory": _memory(mem)}} for n, cpu, mem in usage],
        })
    if name is not None and not out:
        raise errors.not_found("pods", name, "metrics.k8s.io")
    return out


def _ready(node: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in (node.get("status") or {}).get("conditions") or [])


def node_metrics(cluster: Cluster, *, name: str | None = None, label_selector: str = "") -> list[Obj]:
    """NodeMetrics of the Ready nodes: their pods' use plus the node's own."""
    nodes = registry.list_(cluster, by_plural("nodes"), None, label_selector=label_selector)["items"]
    if name is not None:
        nodes = [n for n in nodes if n["metadata"]["name"] == name]
    now = clock.now(cluster)
    served = served_in_window(cluster, now)
    stamp = clock.rfc3339(now)
    totals: dict[str, list[int]] = {}
    for pod in registry.list_(cluster, by_plural("pods"), None)["items"]:
        node = (pod.get("spec") or {}).get("nodeName")
        if node:
            total = totals.setdefault(node, [0, 0])
            for _, cpu, mem in _container_usage(pod, served):
                total[0] += cpu
                total[1] += mem
    out = []
    for node in nodes:
        if not _ready(node):
            continue
        cpu, mem = totals.get(node["metadata"]["name"], [0, 0])
        out.append({
            "kind": "NodeMetrics", "apiVersion": GROUP_VERSION, "metadata": _meta(node), "timestamp": stamp,
            "window": f"{WINDOW_SECONDS}s",
            "usage": {"cpu": _cpu(cpu + NODE_OVERHEAD_NANOCORES), "memory": _memory(mem + NODE_OVERHEAD_BYTES)},
        })
    if name is not None and not out:
        raise errors.not_found("nodes", name, "metrics.k8s.io")
    return out


def metrics_list(cluster: Cluster, resource: str, namespace: str | None, query: dict[str, str]) -> Obj:
    """The list document ``kubectl top`` reads."""
    selector = query.get("labelSelector", "")
    if resource == "pods":
        items, kind = pod_metrics(cluster, namespace, label_selector=selector), "PodMetricsList"
    else:
        items, kind = node_metrics(cluster, label_selector=selector), "NodeMetricsList"
    return {"kind": kind, "apiVersion": GROUP_VERSION, "metadata": {}, "items": items}


def metrics_get(cluster: Cluster, resource: str, namespace: str | None, name: str) -> Obj:
    found = pod_metrics(cluster, namespace, name=name) if resource == "pods" else node_metrics(cluster, name=name)
    return found[0]
