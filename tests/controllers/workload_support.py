"""Shared pieces of the DaemonSet, StatefulSet and Job controller tests.

The controllers are run with the kubelet and the scheduler. While the real scheduler
(``kubeviz.scheduler.component.Scheduler``) is not importable, a minimal stand-in binds
pending pods: to the node a DaemonSet pod's ``metadata.name`` affinity names, otherwise to
the node with the fewest pods — enough for the controllers' own behaviour to be tested.
"""
from __future__ import annotations

import copy
from typing import Any

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.cache import key_of

Obj = dict[str, Any]

try:  # the real scheduler, once it exists
    from kubeviz.scheduler.component import Scheduler as _Scheduler
except ImportError:  # pragma: no cover - depends on the state of the scheduler package
    _Scheduler = None


def _target(pod: Obj) -> str | None:
    required = ((((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in required.get("nodeSelectorTerms") or []:
        for req in term.get("matchFields") or []:
            if req.get("key") == "metadata.name" and req.get("operator") == "In" and req.get("values"):
                return req["values"][0]
    return None


class TestBinder:
    """Stand-in for the default scheduler: binds each pending pod through the API."""

    __test__ = False
    name = "scheduler"
    actor = "scheduler"
    watches = ("pods", "nodes")

    def __init__(self, cluster: Any = None) -> None:
        self.cluster = cluster

    def handle(self, cache, plural, event, obj, old):
        if plural == "pods" and event != "DELETED" and not obj["spec"].get("nodeName") \
                and not obj["metadata"].get("deletionTimestamp"):
            yield key_of(obj)
        elif plural == "nodes" and event == "ADDED":
            for pod in cache.iter("pods"):
                if not pod["spec"].get("nodeName"):
                    yield key_of(pod)

    def sync(self, cache, api, key):
        pod = cache.get("pods", key)
        if pod is None or pod["spec"].get("nodeName") or pod["metadata"].get("deletionTimestamp"):
            return None
        nodes = sorted(n["metadata"]["name"] for n in cache.iter("nodes"))
        target = _target(pod)
        if target is None:
            load = {n: 0 for n in nodes}
            for other in cache.iter("pods"):
                if other["spec"].get("nodeName") in load:
                    load[other["spec"]["nodeName"]] += 1
            target = min(nodes, key=lambda n: (load[n], n)) if nodes else None
        if target not in nodes:
            return None
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        api.bind(ns, name, target, message=f"the test binder assigned pod {ns}/{name} to {target}")
        return None


def scheduler(cluster):
    return _Scheduler(cluster) if _Scheduler is not None else TestBinder(cluster)


def create(cluster, plural: str, body: Obj, namespace: str = "default") -> Obj:
    return registry.create(cluster, by_plural(plural), namespace, copy.deepcopy(body))


def get(cluster, plural: str, name: str, namespace: str = "default") -> Obj:
    return registry.get(cluster, by_plural(plural), namespace, name)


def patch(cluster, plural: str, name: str, body: Obj, namespace: str = "default") -> Obj:
    return registry.patch(cluster, by_plural(plural), namespace, name, "application/merge-patch+json", body)


def pods(cluster, namespace: str = "default") -> list[Obj]:
    return sorted(registry.objects(cluster, "pods", namespace), key=lambda p: p["metadata"]["name"])


def events(cluster, name: str, namespace: str = "default") -> list[tuple[str, str, str]]:
    found = [e for e in registry.objects(cluster, "events", namespace) if e["involvedObject"]["name"] == name]
    found.sort(key=lambda e: int(e["metadata"]["resourceVersion"]))
    return [(e["type"], e["reason"], e["message"]) for e in found]


def condition(obj: Obj, ctype: str) -> Obj | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] == ctype), None)
