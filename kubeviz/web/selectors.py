"""Reads for the pages and the REST API: clusters and their objects."""
from __future__ import annotations

from typing import Any

from kubeviz.apiserver import registry
from kubeviz.etcd.models import Cluster


def cluster_summaries() -> list[dict[str, Any]]:
    out = []
    for c in Cluster.objects.all():
        out.append({
            "name": c.name,
            "revision": c.revision,
            "clock_mode": c.clock_mode,
            "clock_speed": c.clock_speed,
            "nodes": len(registry.objects(c, "nodes")),
            "pods": len(registry.objects(c, "pods")),
        })
    return out


def _ready(node: dict[str, Any]) -> str:
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return "Ready" if cond.get("status") == "True" else "NotReady"
    return "Unknown"


def cluster_overview(cluster: Cluster) -> dict[str, Any]:
    nodes = []
    for n in registry.objects(cluster, "nodes"):
        status = _ready(n)
        if (n.get("spec") or {}).get("unschedulable"):
            status += ",SchedulingDisabled"
        capacity = (n.get("status") or {}).get("capacity") or {}
        nodes.append({
            "name": n["metadata"]["name"],
            "status": status,
            "zone": (n["metadata"].get("labels") or {}).get("topology.kubernetes.io/zone", ""),
            "cpu": capacity.get("cpu", ""),
            "memory": capacity.get("memory", ""),
            "pods": capacity.get("pods", ""),
        })
    pods = []
    for p in registry.objects(cluster, "pods"):
        pods.append({
            "namespace": p["metadata"].get("namespace", ""),
            "name": p["metadata"]["name"],
            "phase": (p.get("status") or {}).get("phase", ""),
            "node": (p.get("spec") or {}).get("nodeName", "") or "",
            "images": ", ".join(c.get("image", "") for c in (p.get("spec") or {}).get("containers") or []),
        })
    return {"nodes": nodes, "pods": pods}
