"""Reads for pages and the REST API: kube-proxy's rules on every node, as they stand now."""
from __future__ import annotations

from typing import Any

from kubeviz.apiserver import errors, registry
from kubeviz.clusters.models import Cluster

from .rules import ServiceRules, dns_records, node_ip, node_rules, service_rules

Obj = dict[str, Any]


def proxy_rules(cluster: Cluster) -> Obj:
    """Per node, the rules kube-proxy has programmed for every Service; and the DNS
    names cluster DNS answers."""
    services = registry.objects(cluster, "services")
    endpoints = registry.objects(cluster, "endpoints")
    nodes = sorted(registry.objects(cluster, "nodes"), key=lambda n: n["metadata"]["name"])
    return {
        "nodes": {
            n["metadata"]["name"]: [r.as_dict() for r in node_rules(services, endpoints, n["metadata"]["name"], node_ip(n))]
            for n in nodes
        },
        "dns": dns_records(services, endpoints),
    }


def rules_of_service(cluster: Cluster, svc: Obj, node: str | None = None) -> tuple[str, ServiceRules | None]:
    """One Service's rules on ``node`` (by default the first node by name): (node, rules)."""
    nodes = {n["metadata"]["name"]: n for n in registry.objects(cluster, "nodes")}
    if node is None:
        node = min(nodes) if nodes else ""
    elif node not in nodes:
        raise errors.not_found("nodes", node)
    meta = svc["metadata"]
    found = registry.objects(cluster, "endpoints", meta.get("namespace"), name=meta["name"])
    return node, service_rules(svc, found[0] if found else None, node, node_ip(nodes.get(node) or {}))
