"""NetworkPolicy, as a network plugin enforces it on a pod's incoming connections.

Policies are allow lists and they add up: a pod selected by no policy with ``Ingress`` in its
``policyTypes`` accepts everything; once one selects it, the pod is *isolated* and accepts
only what at least one of those policies' ingress rules allows (a rule with no ``from``
allows every source, one with no ``ports`` every port). A peer is a podSelector (pods in
the policy's namespace), a namespaceSelector (every pod there), both (those pods in those
namespaces) or an ipBlock (cluster-external addresses; kubeviz matches the source IP).
No policy "drops" a connection on its own: the verdict names the policies that isolate the
pod and allowed nothing for this source, which is what a learner looks at. Egress rules
are stored but the simulated traffic only checks ingress (kubeviz simplifies here).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from kubeviz.apiserver.selectors import from_label_selector_object

Obj = dict[str, Any]


@dataclass(frozen=True)
class Source:
    """Who opens the connection: a pod (namespace and labels known) or an outside address."""

    ip: str
    namespace: str | None = None
    labels: tuple[tuple[str, str], ...] | None = None
    pod: str = ""  # namespace/name, for messages
    node: str = ""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    #: namespace/name of the policies isolating the pod (all of them when dropped)
    isolating: tuple[str, ...] = ()
    #: the policy whose rule let it through (empty when not isolated or dropped)
    allowed_by: str = ""


def _name(policy: Obj) -> str:
    return f"{policy['metadata'].get('namespace')}/{policy['metadata']['name']}"


def _selects(selector: Obj | None, labels: dict[str, str]) -> bool:
    return from_label_selector_object(selector if selector is not None else {}).matches(labels)


def _peer_matches(peer: Obj, policy_ns: str, source: Source, namespaces: dict[str, Obj]) -> bool:
    block = peer.get("ipBlock")
    if block is not None:
        try:
            ip = ipaddress.ip_address(source.ip)
            if ip not in ipaddress.ip_network(block.get("cidr") or "", strict=False):
                return False
            return not any(ip in ipaddress.ip_network(c, strict=False) for c in block.get("except") or [])
        except ValueError:
            return False
    if source.labels is None or source.namespace is None:
        return False  # pod and namespace selectors only ever match pods
    if peer.get("namespaceSelector") is not None:
        ns = namespaces.get(source.namespace) or {}
        if not _selects(peer["namespaceSelector"], (ns.get("metadata") or {}).get("labels") or {}):
            return False
    elif source.namespace != policy_ns:
        return False
    if peer.get("podSelector") is not None:
        return _selects(peer["podSelector"], dict(source.labels))
    return True


def _port_matches(ports: list[Obj], target: Obj, port: int, protocol: str) -> bool:
    if not ports:
        return True
    named = {p.get("name"): p.get("containerPort") for c in (target.get("spec") or {}).get("containers") or []
             for p in c.get("ports") or [] if p.get("name")}
    for rule in ports:
        if (rule.get("protocol") or "TCP") != protocol:
            continue
        value = rule.get("port")
        if value is None:
            return True
        number = named.get(value) if isinstance(value, str) else value
        if number is not None and number <= port <= (rule.get("endPort") or number):
            return True
    return False


def ingress_verdict(policies: list[Obj], namespaces: dict[str, Obj], target: Obj, port: int,
                    protocol: str, source: Source) -> Verdict:
    """May ``source`` open a connection to ``target`` (a pod) on ``port``/``protocol``?"""
    meta = target.get("metadata") or {}
    labels = meta.get("labels") or {}
    isolating = [p for p in policies
                 if p["metadata"].get("namespace") == meta.get("namespace")
                 and "Ingress" in ((p.get("spec") or {}).get("policyTypes") or ["Ingress"])
                 and _selects((p.get("spec") or {}).get("podSelector"), labels)]
    if not isolating:
        return Verdict(True)
    names = tuple(sorted(_name(p) for p in isolating))
    for policy in sorted(isolating, key=_name):
        for rule in (policy.get("spec") or {}).get("ingress") or []:
            rule = rule or {}
            peers = rule.get("from") or []
            if peers and not any(_peer_matches(peer, policy["metadata"].get("namespace"), source, namespaces) for peer in peers):
                continue
            if _port_matches(rule.get("ports") or [], target, port, protocol):
                return Verdict(True, names, _name(policy))
    return Verdict(False, names)
