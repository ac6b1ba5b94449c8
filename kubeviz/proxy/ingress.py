"""The simulated ingress controller: the Ingresses of the classes it serves, as routes.

A request for ``host`` and ``path`` goes to the rule whose host matches (exactly, or a
``*.example.com`` wildcard for one label), then to its path that matches best: ``Exact``
only the path itself, ``Prefix`` whole path elements (``/shop`` matches ``/shop`` and
``/shop/cart``, not ``/shopping``), the longest match winning and Exact before Prefix at the
same length (``ImplementationSpecific`` is treated as Prefix, as ingress-nginx does for plain
paths). No rule matching: the Ingress's ``defaultBackend``, else the controller's own 404.
From there the request is simulated traffic to the backend Service (``traffic.py``). The
controller publishes its address in ``status.loadBalancer`` (the first node's InternalIP, as
minikube's ingress add-on shows); it is a model of ingress-nginx, not nginx itself.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.bootstrap import INGRESS_CONTROLLER
from kubeviz.clusters.models import Cluster
from kubeviz.engine.cache import Cache, key_of
from kubeviz.engine.client import Client
from kubeviz.flow.services import step_record

from .rules import node_ip
from .traffic import traffic_send

Obj = dict[str, Any]


@dataclass(frozen=True)
class Route:
    ingress: str  # namespace/name
    service: str
    port: int | str
    rule: str  # how it matched, for messages


def _host_matches(rule_host: str, host: str) -> bool:
    if not rule_host:
        return True
    if rule_host.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == rule_host[2:]
    return rule_host == host


def _path_match(path_type: str, rule_path: str, path: str) -> int:
    """Length of the match (-1: none)."""
    if path_type == "Exact":
        return len(rule_path) if path == rule_path else -1
    prefix = rule_path.rstrip("/")
    if prefix == "" or path == prefix or path.startswith(prefix + "/"):
        return len(prefix)
    return -1


def _backend(ingress: Obj, backend: Obj, how: str) -> Route | None:
    service = (backend or {}).get("service")
    if not service:
        return None
    port = service.get("port") or {}
    return Route(key_of(ingress), service["name"], port.get("number") or port.get("name"), how)


def route(ingresses: Iterable[Obj], host: str, path: str) -> Route | None:
    """Where the controller sends a request for ``host`` + ``path`` (None: its 404)."""
    ingresses = sorted(ingresses, key=lambda i: (i["metadata"].get("creationTimestamp") or "", key_of(i)))
    best: tuple[int, int, Route] | None = None
    for ing in ingresses:
        for rule in (ing.get("spec") or {}).get("rules") or []:
            if not _host_matches(rule.get("host") or "", host):
                continue
            for p in (rule.get("http") or {}).get("paths") or []:
                length = _path_match(p.get("pathType", "Prefix"), p.get("path") or "/", path)
                if length < 0:
                    continue
                exact = 1 if p.get("pathType") == "Exact" else 0
                found = _backend(ing, p.get("backend") or {}, f"{rule.get('host') or '*'} {p.get('pathType')} {p.get('path') or '/'}")
                if found is not None and (best is None or (length, exact) > best[:2]):
                    best = (length, exact, found)
    if best is not None:
        return best[2]
    for ing in ingresses:
        default = (ing.get("spec") or {}).get("defaultBackend")
        if default:
            return _backend(ing, default, "defaultBackend")
    return None


def served_classes(classes: Iterable[Obj]) -> set[str]:
    return {c["metadata"]["name"] for c in classes if (c.get("spec") or {}).get("controller") == INGRESS_CONTROLLER}


@transaction.atomic
def ingress_send(*, cluster: Cluster, host: str, path: str, requests: int) -> Obj:
    """Send ``requests`` requests to ``host`` + ``path`` through the ingress controller."""
    classes = served_classes(registry.objects(cluster, "ingressclasses"))
    ingresses = [i for i in registry.objects(cluster, "ingresses") if (i.get("spec") or {}).get("ingressClassName") in classes]
    found = route(ingresses, host, path)
    if found is None:
        raise errors.not_found("ingresses", f"{host}{path}")
    namespace = found.ingress.split("/", 1)[0]
    step_record(cluster=cluster, step=None, source="client", target="ingress-controller", action="traffic",
                obj=registry.objects(cluster, "ingresses", namespace, name=found.ingress.split("/", 1)[1])[0], category="proxy",
                message=f"{requests} request{'s' if requests != 1 else ''} for http://{host}{path} matched Ingress {found.ingress} "
                        f"({found.rule}): the ingress controller forwards them to Service {namespace}/{found.service}")
    result = traffic_send(cluster=cluster, namespace=namespace, name=found.service, requests=requests,
                          port=found.port if found.port else None)
    return {"ingress": found.ingress, "rule": found.rule, **result}


class IngressController:
    """Publishes the address of the Ingresses of the classes it serves."""

    name = "ingress-controller"
    actor = "ingress-controller"
    watches = ("ingresses", "ingressclasses", "nodes")

    def __init__(self, cluster: Cluster):
        self.cluster = cluster

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural == "ingresses":
            return [key_of(obj)] if event != "DELETED" else []
        if plural == "nodes" and event == "MODIFIED":
            return []
        return [key_of(i) for i in cache.iter("ingresses")]

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        ing = cache.get("ingresses", key)
        if ing is None or ing["metadata"].get("deletionTimestamp"):
            return None
        served = (ing.get("spec") or {}).get("ingressClassName") in served_classes(cache.iter("ingressclasses"))
        nodes = sorted(cache.iter("nodes"), key=lambda n: n["metadata"]["name"])
        address = node_ip(nodes[0]) if nodes and served else ""
        status = {"loadBalancer": {"ingress": [{"ip": address}]} if address else {}}
        if (ing.get("status") or {}) != status:
            ing = ing if ing.get("kind") else {**ing, "kind": "Ingress", "apiVersion": "networking.k8s.io/v1"}
            api.update_status("ingresses", {**ing, "status": status},
                              message=f"the ingress controller serves Ingress {key} at {address}" if address else
                              f"the ingress controller does not serve Ingress {key} (not its class)")
        return None
