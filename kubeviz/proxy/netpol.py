"""NetworkPolicy, as a network plugin enforces it on a pod's incoming connections.

Policies are allow lists and they add up: a pod selected by no policy with ``Ingress`` in its
``policyTypes`` accepts everything; once one selects it, the pod is *isolated* and accepts
only what at least one of those policies' ingress rules allows (a rule with no ``from``
allows every source, one with no ``ports`` every port). A peer is a podSelector (pods in
the policy's namespace), a namespaceSelector (every pod there), both (those pods in those
namespaces) or an ipBlock (cluster-external addresses; kubeviz matches the source IP).
No policy "drops" a connection on its own: the verdict names the policies that isolate the
pod and allowed nothing for this source, which is what a learner looks at.

Egress is the mirror image: a policy with ``Egress`` in its ``policyTypes`` (the default when
it has ``egress`` rules) isolates the pods it selects for *outgoing* connections, which then
reach only what some ``egress`` rule's ``to`` peers and ``ports`` allow. A connection needs
both: egress allowed by the client's namespace, ingress by the server's. DNS is a connection
too (UDP port 53 to the cluster DNS pods), so "deny all egress" also stops name resolution
unless a rule allows DNS. kubeviz runs no CoreDNS pods: DNS is answered as if by pods labelled
``k8s-app: kube-dns`` in ``kube-system`` (what CoreDNS's pods carry on a kubeadm cluster), so
the classic rule that allows them matches. Policies are enforced only by a network plugin
that implements them (Calico, Cilium…); on a real cluster without one they are stored and
ignored, while kubeviz always enforces them.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from kubeviz.apiserver.selectors import from_label_selector_object

Obj = dict[str, Any]


@dataclass(frozen=True)
class Peer:
    """One end of a connection: a pod (namespace and labels known) or an outside address."""

    ip: str
    namespace: str | None = None
    labels: tuple[tuple[str, str], ...] | None = None
    pod: str = ""  # namespace/name, for messages
    node: str = ""


#: the client of an ingress check (a Peer; the name says which end it is)
Source = Peer
#: where cluster DNS answers from, as a NetworkPolicy peer (kubeviz has no CoreDNS pods)
DNS_PEER = Peer(ip="10.96.0.10", namespace="kube-system", labels=(("k8s-app", "kube-dns"),), pod="kube-system/coredns")
DNS_PORT = 53


def peer_of(pod: Obj) -> Peer:
    """A pod as a NetworkPolicy peer."""
    meta = pod.get("metadata") or {}
    return Peer(ip=(pod.get("status") or {}).get("podIP") or "", namespace=meta.get("namespace") or "default",
                labels=tuple(sorted((meta.get("labels") or {}).items())),
                pod=f"{meta.get('namespace') or 'default'}/{meta.get('name')}", node=(pod.get("spec") or {}).get("nodeName") or "")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    #: namespace/name of the policies isolating the pod (all of them when dropped)
    isolating: tuple[str, ...] = ()
    #: the policy whose rule let it through (empty when not isolated or dropped)
    allowed_by: str = ""
    #: which side's policies decided: Ingress (the server's) or Egress (the client's)
    direction: str = "Ingress"


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
        # Every namespace carries this label (the API server sets it); kube-system's is assumed.
        labels = (ns.get("metadata") or {}).get("labels") or {"kubernetes.io/metadata.name": source.namespace}
        if not _selects(peer["namespaceSelector"], labels):
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


def policy_types(policy: Obj) -> list[str]:
    """``policyTypes`` as the API server defaults it: Ingress, plus Egress when there are
    egress rules."""
    spec = policy.get("spec") or {}
    return spec.get("policyTypes") or (["Ingress", "Egress"] if spec.get("egress") else ["Ingress"])


def _verdict(direction: str, policies: list[Obj], namespaces: dict[str, Obj], selected: Obj, other: Peer,
             port: int, protocol: str, port_owner: Obj) -> Verdict:
    meta = selected.get("metadata") or {}
    labels = meta.get("labels") or {}
    isolating = [p for p in policies
                 if p["metadata"].get("namespace") == (meta.get("namespace") or "default")
                 and direction in policy_types(p)
                 and _selects((p.get("spec") or {}).get("podSelector"), labels)]
    if not isolating:
        return Verdict(True, direction=direction)
    names = tuple(sorted(_name(p) for p in isolating))
    rules_key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for policy in sorted(isolating, key=_name):
        for rule in (policy.get("spec") or {}).get(rules_key) or []:
            rule = rule or {}
            peers = rule.get(peers_key) or []
            if peers and not any(_peer_matches(peer, policy["metadata"].get("namespace"), other, namespaces) for peer in peers):
                continue
            if _port_matches(rule.get("ports") or [], port_owner, port, protocol):
                return Verdict(True, names, _name(policy), direction)
    return Verdict(False, names, direction=direction)


def ingress_verdict(policies: list[Obj], namespaces: dict[str, Obj], target: Obj, port: int,
                    protocol: str, source: Peer) -> Verdict:
    """May ``source`` open a connection to ``target`` (a pod) on ``port``/``protocol``?"""
    return _verdict("Ingress", policies, namespaces, target, source, port, protocol, target)


def egress_verdict(policies: list[Obj], namespaces: dict[str, Obj], client: Obj, destination: Peer, port: int,
                   protocol: str, destination_pod: Obj | None = None) -> Verdict:
    """May ``client`` (a pod) open a connection to ``destination`` on ``port``/``protocol``?
    A named port in a rule is looked up in the destination pod's containers."""
    return _verdict("Egress", policies, namespaces, client, destination, port, protocol, destination_pod or {})
