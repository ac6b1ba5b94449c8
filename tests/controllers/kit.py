"""Helpers for the controller tests: builders, a fake kubelet, the clock, and readers.

No scheduler or kubelet runs here, so pods would stay Pending forever; ``kubelet`` plays
both parts, straight through the registry, between engine runs.
"""
from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.engine.runner import Engine

Obj = dict[str, Any]
NS = "default"


def container(image: str = "nginx:1.27") -> Obj:
    return {"name": "web", "image": image}


def replicaset(name: str = "web", replicas: int = 3, *, labels: dict[str, str] | None = None, **spec: Any) -> Obj:
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                 "template": {"metadata": {"labels": dict(labels)}, "spec": {"containers": [container()]}}, **spec},
    }


def deployment(name: str = "web", replicas: int = 3, *, image: str = "nginx:1.27", **spec: Any) -> Obj:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                 "template": {"metadata": {"labels": dict(labels)}, "spec": {"containers": [container(image)]}}, **spec},
    }


def create(cluster: Cluster, plural: str, body: Obj) -> Obj:
    return registry.create(cluster, by_plural(plural), NS, copy.deepcopy(body))


def get(cluster: Cluster, plural: str, name: str) -> Obj:
    return registry.get(cluster, by_plural(plural), NS, name)


def edit(cluster: Cluster, plural: str, name: str, change: Any) -> Obj:
    """Read, change with ``change(obj)``, write back (as kubectl edit would)."""
    obj = get(cluster, plural, name)
    change(obj)
    return registry.update(cluster, by_plural(plural), NS, name, obj)


def objects(cluster: Cluster, plural: str) -> list[Obj]:
    return registry.objects(cluster, plural, NS)


def pods(cluster: Cluster, *, active: bool = True) -> list[Obj]:
    return [p for p in objects(cluster, "pods") if not (active and p["metadata"].get("deletionTimestamp"))]


def pods_of(cluster: Cluster, rs: Obj, *, active: bool = True) -> list[Obj]:
    uid = rs["metadata"]["uid"]
    return [p for p in pods(cluster, active=active)
            if any(r.get("uid") == uid and r.get("controller") for r in p["metadata"].get("ownerReferences") or [])]


def events(cluster: Cluster, name: str | None = None, reason: str | None = None) -> list[Obj]:
    return [e for e in objects(cluster, "events")
            if (name is None or e["involvedObject"]["name"] == name) and (reason is None or e["reason"] == reason)]


def is_ready(pod: Obj) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in (pod.get("status") or {}).get("conditions") or [])


def kubelet(cluster: Cluster, *, bind: bool = True, ready: bool = True, skip: set[str] | None = None) -> int:
    """One pass of a fake scheduler + kubelet: bind pending pods round-robin to the nodes,
    mark bound pods Running and Ready, and finish terminating pods. Returns the number of
    writes (0 when there was nothing to do). Pods named in ``skip`` are left alone."""
    strategy = by_plural("pods")
    nodes = sorted(n["metadata"]["name"] for n in registry.objects(cluster, "nodes"))
    writes = 0
    for i, pod in enumerate(objects(cluster, "pods")):
        name = pod["metadata"]["name"]
        if skip and name in skip:
            continue
        if pod["metadata"].get("deletionTimestamp"):
            registry.delete(cluster, strategy, NS, name, options={"gracePeriodSeconds": 0})
            writes += 1
            continue
        if bind and not pod["spec"].get("nodeName"):
            target = nodes[i % len(nodes)]
            pod = registry.bind(cluster, NS, name, {"metadata": {"name": name, "namespace": NS},
                                                      "target": {"kind": "Node", "name": target}})
            writes += 1
        if ready and pod["spec"].get("nodeName") and not (pod["status"].get("phase") == "Running" and is_ready(pod)):
            stamp = clock.rfc3339(clock.now(cluster))
            status = pod.setdefault("status", {})
            status["phase"] = "Running"
            kept = [c for c in status.get("conditions") or [] if c["type"] not in ("Ready", "ContainersReady", "Initialized")]
            status["conditions"] = kept + [
                {"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp}
                for t in ("Initialized", "ContainersReady", "Ready")
            ]
            registry.update(cluster, strategy, NS, name, pod, subresource="status")
            writes += 1
    return writes


def converge(engine: Engine, *, rounds: int = 100, horizon: float = 0, **kubelet_args: Any) -> None:
    """Settle the controllers and run the fake kubelet until neither has anything to do."""
    for _ in range(rounds):
        engine.settle(horizon=horizon)
        if not kubelet(engine.cluster, **kubelet_args):
            return
    raise AssertionError("the cluster did not converge")


def advance(engine: Engine, seconds: float) -> None:
    """Move the paused simulated clock forward (as settle does when it jumps idle time)."""
    due = clock.now(engine.cluster) + timedelta(seconds=seconds)
    Cluster.objects.filter(pk=engine.cluster.pk).update(sim_time=due, sim_anchor=clock.real_now())
    engine.cluster.sim_time = due


def revision_of(obj: Obj) -> str | None:
    return (obj["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision")


def replica_sets(cluster: Cluster) -> list[Obj]:
    return objects(cluster, "replicasets")
