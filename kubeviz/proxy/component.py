"""kube-proxy: on every node, keeps the Service rules in step with Services and Endpoints.

As with the kubelet, one component serves all nodes and acts as ``kube-proxy/<node>``.
When a Service or its Endpoints change, each node's kube-proxy recomputes that Service's
rules (``rules.service_rules``) and, if they differ from what it last announced, records
one unnumbered step. A failed node's kube-proxy is down with it and catches up when the
node comes back.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubeviz.clusters.models import Cluster
from kubeviz.engine.cache import Cache, key_of, split_key
from kubeviz.engine.client import Client

from .rules import node_ip, service_rules

Obj = dict[str, Any]


def _ready(node: Obj | None) -> str:
    for c in ((node or {}).get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status", "Unknown")
    return "Unknown"


class KubeProxy:
    name = "kube-proxy"
    actor = "kube-proxy"
    watches = ("services", "endpoints", "nodes")

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        #: (node, namespace/name) → the rules last announced, as described in the step
        self.announced: dict[tuple[str, str], str] = {}

    def _failed(self) -> set[str]:
        return set((self.cluster.settings or {}).get("failed_nodes", []))

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural in ("services", "endpoints"):
            # Endpoints are named like their Service: the key is the Service's.
            yield key_of(obj)
        elif plural == "nodes":
            if event == "MODIFIED" and old is not None and _ready(old) == _ready(obj) and node_ip(old) == node_ip(obj):
                return  # a heartbeat: nothing for kube-proxy
            # A node joined, left, or came back: its kube-proxy (re)programs every Service.
            for svc in cache.iter("services"):
                yield key_of(svc)

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        svc = cache.get("services", key)
        endpoints = cache.get("endpoints", key)
        nodes = {n["metadata"]["name"]: n for n in cache.iter("nodes")}
        for gone in [k for k in self.announced if k[0] not in nodes]:
            del self.announced[gone]
        failed = self._failed()
        namespace, name = split_key(key)
        obj = svc or {"kind": "Service", "metadata": {"namespace": namespace, "name": name}}
        for node in sorted(nodes):
            if node in failed:
                continue
            rules = service_rules(svc, endpoints, node, node_ip(nodes[node])) if svc else None
            previous = self.announced.get((node, key))
            if rules is None:
                if previous is not None:
                    del self.announced[(node, key)]
                    api.step(step=None, source="apiserver", target=f"kube-proxy/{node}", action="sync rules", obj=obj,
                             category="proxy", message=f"kube-proxy on {node} removed the rules for {key}")
                continue
            text = rules.describe()
            if text == previous:
                continue
            if previous is None and not rules.has_backends:
                continue  # nothing routed yet, nothing to route: no news
            self.announced[(node, key)] = text
            api.step(step=None, source="apiserver", target=f"kube-proxy/{node}", action="sync rules", obj=obj,
                     category="proxy", message=f"kube-proxy on {node} updated the rules for {key}: {text}")
        return None
