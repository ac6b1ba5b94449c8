"""Simulated traffic: what happens to N requests sent to a Service.

kube-proxy in iptables mode does not balance by load: each new connection walks the
Service's chain, where rule *i* of *n* is taken with probability 1/(n-i) — so every
endpoint is equally likely. With ``sessionAffinity: ClientIP`` the first connection of a
client picks an endpoint that way, and the ``recent`` match sends every later one from
that client to the same endpoint. The random source is seeded from the cluster's seed
and the request, so the same request gives the same answer.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.models import Cluster
from kubeviz.flow.services import step_record
from kubeviz.runtime.served import record_requests

from .netpol import Source, Verdict, egress_verdict, ingress_verdict, peer_of
from .rules import Backend, Rule
from .selectors import rules_of_service

Obj = dict[str, Any]
DEFAULT_CLIENT_IP = "10.244.0.100"
MAX_REQUESTS = 10000


def iptables_pick(backends: Sequence[Backend], rng: random.Random) -> Backend:
    """Walk a KUBE-SVC chain: ``-m statistic --mode random --probability 1/(n-i)``."""
    n = len(backends)
    for i, backend in enumerate(backends[:-1]):
        if rng.random() < 1.0 / (n - i):
            return backend
    return backends[-1]


def spread(rule: Rule, requests: int, rng: random.Random) -> dict[str, int]:
    """How ``requests`` connections from one client are spread over the rule's endpoints
    (every endpoint listed, with 0 if it got none)."""
    counts = {b.label: 0 for b in rule.backends}
    pinned: Backend | None = None
    for _ in range(requests):
        if pinned is not None:
            chosen = pinned
        else:
            chosen = iptables_pick(rule.backends, rng)
            if rule.affinity == "ClientIP":
                pinned = chosen
        counts[chosen.label] += 1
    return counts


def _pick_rule(rules: Sequence[Rule], key: str, port: int | str | None) -> Rule:
    cluster_rules = [r for r in rules if r.kind == "ClusterIP"]
    if port is None or port == "":
        return cluster_rules[0]
    for r in cluster_rules:
        if r.port_name == port or str(r.port) == str(port):
            return r
    raise errors.bad_request(f"service {key} has no port {port}")


@transaction.atomic
def traffic_send(
    *, cluster: Cluster, namespace: str, name: str, requests: int, node: str | None = None,
    port: int | str | None = None, client_ip: str = DEFAULT_CLIENT_IP, from_pod: str | None = None,
    at: datetime | None = None,
) -> Obj:
    """Send ``requests`` requests from a pod on ``node`` (default: the first node) to the
    Service's cluster IP; return how kube-proxy spread them, per pod, and record it.

    ``from_pod`` (``name`` in the Service's namespace, or ``namespace/name``) makes that pod
    the client, so NetworkPolicies can match it by its labels and namespace; without it the
    client is an address (``client_ip``) that only ipBlock peers match. Requests sent to a
    pod whose policies allow nothing for this client are dropped (counted in ``dropped``).
    ``at`` is when they were served (default now): a container's program sends them at its
    own time (runtime/processes.py)."""
    if not 1 <= requests <= MAX_REQUESTS:
        raise errors.bad_request(f"requests must be between 1 and {MAX_REQUESTS}")
    svc = registry.get(cluster, by_plural("services"), namespace, name)
    key = f"{namespace}/{name}"
    spec = svc.get("spec") or {}
    if spec.get("type") == "ExternalName":
        raise errors.bad_request(
            f"service {key} is of type ExternalName: DNS answers with {spec.get('externalName')}, kube-proxy does not route it"
        )
    if spec.get("clusterIP") in (None, "", "None"):
        raise errors.bad_request(
            f"service {key} is headless (clusterIP: None): kube-proxy has no rules for it, clients connect to the pods directly"
        )
    source = _source(cluster, namespace, from_pod, client_ip)
    if from_pod:
        client_ip = source.ip
        node = source.node or node
    node, rules = rules_of_service(cluster, svc, node)
    if rules is None or not rules.rules:
        raise errors.StatusError(503, "ServiceUnavailable", f"no ready endpoints for service {key}")
    rule = _pick_rule(rules.rules, key, port)
    if not rule.backends:
        where = f" on {node} (internalTrafficPolicy: Local)" if rule.policy == "Local" and rule.has_endpoints else ""
        raise errors.StatusError(503, "ServiceUnavailable", f"no ready endpoints for service {key}{where}")
    rng = random.Random(f"{cluster.seed}:traffic:{key}:{rule.port}:{node}:{client_ip}:{requests}{at or ''}")
    distribution = spread(rule, requests, rng)
    verdicts = _verdicts(cluster, namespace, rule, source)
    dropped = {pod: distribution.pop(pod) for pod, verdict in verdicts.items() if not verdict.allowed and pod in distribution}
    # The chosen pods' containers serve the requests and write their access logs.
    record_requests(cluster, namespace, {b.pod: distribution.get(b.label, 0) for b in rule.backends if b.pod},
                    {b.pod: b.port for b in rule.backends if b.pod}, client_ip=client_ip, at=at)
    summary = ", ".join(f"{label} {count}" for label, count in distribution.items()) or "none delivered"
    if dropped:
        summary += "; dropped by the network policy: " + ", ".join(
            f"{pod} {count} ({_why(verdicts[pod], source)})"
            for pod, count in dropped.items())
    how = f"all to one endpoint (session affinity: ClientIP from {client_ip})" if rule.affinity == "ClientIP" else \
        f"at random over {len(rule.backends)} endpoint{'s' if len(rule.backends) != 1 else ''}"
    step_record(
        cluster=cluster, step=None, source="client", target=f"kube-proxy/{node}", action="traffic", obj=svc,
        category="proxy",
        message=f"{requests} request{'s' if requests != 1 else ''} from {f'pod {from_pod}' if from_pod else 'a pod'} on {node} to {key} "
                f"({rule.frontend.rsplit('/', 1)[0]}) {'were' if requests != 1 else 'was'} sent by kube-proxy {how}: {summary}",
    )
    result: Obj = {
        "service": key, "requests": requests, "distribution": distribution, "node": node,
        "frontend": rule.frontend, "sessionAffinity": rule.affinity,
    }
    if dropped:
        result["dropped"] = dropped
        result["droppedBy"] = {pod: list(verdicts[pod].isolating) for pod in dropped}
    return result


def _source(cluster: Cluster, namespace: str, from_pod: str | None, client_ip: str) -> Source:
    if not from_pod:
        return Source(ip=client_ip)
    ns, _, name = from_pod.rpartition("/")
    pod = registry.get(cluster, by_plural("pods"), ns or namespace, name)
    labels = tuple(sorted((pod["metadata"].get("labels") or {}).items()))
    return Source(ip=(pod.get("status") or {}).get("podIP") or client_ip, namespace=ns or namespace, labels=labels,
                  pod=f"{ns or namespace}/{name}", node=(pod.get("spec") or {}).get("nodeName") or "")


def _who(source: Source) -> str:
    return f"pod {source.pod}" if source.pod else source.ip


def _why(verdict: Verdict, source: Source) -> str:
    policies = ", ".join(verdict.isolating)
    if verdict.direction == "Egress":
        return f"{_who(source)} is isolated for egress by {policies}, which allow nothing to it"
    return f"isolated by {policies}, which allow nothing from {_who(source)}"


def _verdicts(cluster: Cluster, namespace: str, rule: Rule, source: Source) -> dict[str, Verdict]:
    """Each backend pod's NetworkPolicy verdict for this client: egress from the client pod
    (its namespace's policies) first, then ingress to the backend."""
    policies = registry.objects(cluster, "networkpolicies", namespace)
    client = _client_pod(cluster, source)
    outgoing = registry.objects(cluster, "networkpolicies", source.namespace) if client is not None else []
    if not policies and not outgoing:
        return {}
    pods = {p["metadata"]["name"]: p for p in registry.objects(cluster, "pods", namespace)}
    namespaces = {n["metadata"]["name"]: n for n in registry.objects(cluster, "namespaces")}
    verdicts: dict[str, Verdict] = {}
    for b in rule.backends:
        if b.pod not in pods:
            continue
        if client is not None and outgoing:
            out = egress_verdict(outgoing, namespaces, client, peer_of(pods[b.pod]), b.port, rule.protocol, pods[b.pod])
            if not out.allowed:
                verdicts[b.pod] = out
                continue
        verdicts[b.pod] = ingress_verdict(policies, namespaces, pods[b.pod], b.port, rule.protocol, source)
    return verdicts


def _client_pod(cluster: Cluster, source: Source) -> Obj | None:
    if not source.pod:
        return None
    ns, _, name = source.pod.partition("/")
    return registry.get(cluster, by_plural("pods"), ns, name)
