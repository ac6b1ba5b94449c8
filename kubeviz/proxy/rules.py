"""The rules kube-proxy programs on one node, as a pure function of Services and Endpoints.

Model: pkg/proxy (servicechangetracker, endpointschangetracker, topology.go) and the
iptables proxier. For every port of every Service with a cluster IP, a node gets:

- a ClusterIP rule ``<clusterIP>:<port>/<protocol>`` → the Service's endpoints;
- for NodePort and LoadBalancer Services, a NodePort rule on the node's own address
  (and a rule per load-balancer ingress IP and external IP);

where the endpoints are the ready ones (or, if none is ready, the serving ones that are
terminating). ``internalTrafficPolicy: Local`` limits the ClusterIP rule, and
``externalTrafficPolicy: Local`` the NodePort/LoadBalancer rules, to endpoints on this
very node: with none there, the traffic is dropped instead of sent elsewhere. A rule with
no endpoints at all rejects connections. ``sessionAffinity: ClientIP`` pins a client to
the endpoint it first reached. Headless and ExternalName Services get no rules; cluster
DNS answers for them.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]

CLUSTER_DOMAIN = "cluster.local"
DEFAULT_AFFINITY_TIMEOUT = 10800  # seconds (3 hours), as v1.DefaultClientIPServiceAffinitySeconds


@dataclass(frozen=True, order=True)
class Backend:
    """One endpoint of one Service port: where a connection is finally sent."""

    ip: str
    port: int
    pod: str = ""
    node: str = ""
    ready: bool = True
    serving: bool = True
    terminating: bool = False

    @property
    def address(self) -> str:
        host = f"[{self.ip}]" if ":" in self.ip else self.ip
        return f"{host}:{self.port}"

    @property
    def label(self) -> str:
        """How traffic results name it: the pod, or the address of a hand-written endpoint."""
        return self.pod or self.address


@dataclass(frozen=True)
class Rule:
    service: str  # namespace/name
    port_name: str
    kind: str  # ClusterIP | NodePort | LoadBalancer | ExternalIP
    ip: str
    port: int
    protocol: str
    policy: str  # Cluster | Local (internal for ClusterIP, external for the others)
    affinity: str  # None | ClientIP
    affinity_timeout: int | None
    backends: tuple[Backend, ...]
    #: does the Service have endpoints at all? (a Local rule without local ones drops
    #: traffic; a rule without any endpoint rejects it)
    has_endpoints: bool = False

    @property
    def frontend(self) -> str:
        host = f"[{self.ip}]" if ":" in self.ip else self.ip
        return f"{host}:{self.port}/{self.protocol}"

    def describe(self) -> str:
        host = f"[{self.ip}]" if ":" in self.ip else self.ip
        where = f"{host}:{self.port}" + ("" if self.protocol == "TCP" else f"/{self.protocol}")
        if self.kind != "ClusterIP":
            where = f"{self.kind} {where}"
        if self.backends:
            target = ", ".join(b.address for b in self.backends)
        elif self.policy == "Local" and self.has_endpoints:
            target = "no local endpoints (dropped)"
        else:
            target = "no endpoints (rejected)"
        return f"{where} → {target}"

    def as_dict(self) -> Obj:
        return {
            "kind": self.kind, "portName": self.port_name, "frontend": self.frontend, "protocol": self.protocol,
            "trafficPolicy": self.policy, "sessionAffinity": self.affinity, "affinityTimeoutSeconds": self.affinity_timeout,
            "endpoints": [
                {"address": b.address, "pod": b.pod, "node": b.node, "ready": b.ready, "serving": b.serving,
                 "terminating": b.terminating}
                for b in self.backends
            ],
            "action": "forward" if self.backends else ("drop" if self.policy == "Local" and self.has_endpoints else "reject"),
        }


@dataclass(frozen=True)
class ServiceRules:
    service: str
    dns: str
    type: str
    cluster_ip: str
    session_affinity: str
    rules: tuple[Rule, ...] = field(default=())

    @property
    def has_backends(self) -> bool:
        return any(r.backends for r in self.rules)

    def describe(self) -> str:
        text = "; ".join(r.describe() for r in self.rules)
        if self.session_affinity == "ClientIP":
            text += " (session affinity: ClientIP)"
        return text

    def as_dict(self) -> Obj:
        return {
            "service": self.service, "dns": self.dns, "type": self.type, "clusterIP": self.cluster_ip,
            "sessionAffinity": self.session_affinity, "rules": [r.as_dict() for r in self.rules],
        }


def dns_name(namespace: str, name: str) -> str:
    return f"{name}.{namespace}.svc.{CLUSTER_DOMAIN}"


def _key(obj: Obj) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace')}/{meta.get('name')}"


def _ip_order(ip: str) -> tuple[int, bytes]:
    try:
        parsed = ipaddress.ip_address(ip)
        return (parsed.version, parsed.packed)
    except ValueError:
        return (9, ip.encode())


def backends_by_port(endpoints: Obj | None) -> dict[str, list[Backend]]:
    """An Endpoints object's addresses per port name (the key kube-proxy's
    EndpointsMap uses), ready and not ready, in address order."""
    out: dict[str, list[Backend]] = {}
    for subset in (endpoints or {}).get("subsets") or []:
        for port in subset.get("ports") or []:
            found = out.setdefault(port.get("name") or "", [])
            for ready, addresses in ((True, subset.get("addresses")), (False, subset.get("notReadyAddresses"))):
                for address in addresses or []:
                    ref = address.get("targetRef") or {}
                    found.append(Backend(
                        ip=address["ip"], port=int(port["port"]),
                        pod=ref.get("name", "") if ref.get("kind", "Pod") == "Pod" else "",
                        node=address.get("nodeName") or "", ready=ready, serving=ready, terminating=False,
                    ))
    for backends in out.values():
        backends.sort(key=lambda b: (_ip_order(b.ip), b.port))
    return out


def usable(backends: Iterable[Backend], *, local_to: str | None = None) -> tuple[Backend, ...]:
    """CategorizeEndpoints: the ready endpoints (on ``local_to`` only, if given); when none
    is ready, the ones still serving while they terminate."""
    candidates = [b for b in backends if local_to is None or b.node == local_to]
    ready = [b for b in candidates if b.ready]
    if ready:
        return tuple(ready)
    return tuple(b for b in candidates if b.serving and b.terminating)


def service_rules(svc: Obj, endpoints: Obj | None, node: str, node_ip: str = "") -> ServiceRules | None:
    """This node's rules for one Service (None for headless and ExternalName Services)."""
    spec = svc.get("spec") or {}
    meta = svc.get("metadata") or {}
    stype = spec.get("type", "ClusterIP")
    cluster_ip = spec.get("clusterIP") or ""
    if stype == "ExternalName" or cluster_ip in ("", "None"):
        return None
    key = _key(svc)
    affinity = spec.get("sessionAffinity") or "None"
    timeout = None
    if affinity == "ClientIP":
        timeout = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds") or DEFAULT_AFFINITY_TIMEOUT
    internal = spec.get("internalTrafficPolicy") or "Cluster"
    external = spec.get("externalTrafficPolicy") or "Cluster"
    by_port = backends_by_port(endpoints)
    rules: list[Rule] = []
    for port in spec.get("ports") or []:
        all_backends = by_port.get(port.get("name") or "", [])
        has_endpoints = bool(usable(all_backends))
        common = {
            "service": key, "port_name": port.get("name") or "", "protocol": port.get("protocol") or "TCP",
            "affinity": affinity, "affinity_timeout": timeout, "has_endpoints": has_endpoints,
        }
        cluster_backends = usable(all_backends)
        local_backends = usable(all_backends, local_to=node)
        rules.append(Rule(
            kind="ClusterIP", ip=cluster_ip, port=int(port["port"]), policy=internal,
            backends=local_backends if internal == "Local" else cluster_backends, **common,
        ))
        external_backends = local_backends if external == "Local" else cluster_backends
        if stype in ("NodePort", "LoadBalancer") and port.get("nodePort"):
            rules.append(Rule(
                kind="NodePort", ip=node_ip or "0.0.0.0", port=int(port["nodePort"]), policy=external,
                backends=external_backends, **common,
            ))
        if stype == "LoadBalancer":
            for ingress in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
                if ingress.get("ip"):
                    rules.append(Rule(
                        kind="LoadBalancer", ip=ingress["ip"], port=int(port["port"]), policy=external,
                        backends=external_backends, **common,
                    ))
        for ip in spec.get("externalIPs") or []:
            rules.append(Rule(
                kind="ExternalIP", ip=ip, port=int(port["port"]), policy=external, backends=external_backends, **common,
            ))
    return ServiceRules(
        service=key, dns=dns_name(meta.get("namespace", ""), meta.get("name", "")), type=stype,
        cluster_ip=cluster_ip, session_affinity=affinity, rules=tuple(rules),
    )


def node_rules(services: Iterable[Obj], endpoints: Iterable[Obj], node: str, node_ip: str = "") -> list[ServiceRules]:
    """Every Service's rules on ``node``, in namespace/name order."""
    endpoints_by_key = {_key(ep): ep for ep in endpoints}
    out = []
    for svc in sorted(services, key=_key):
        rules = service_rules(svc, endpoints_by_key.get(_key(svc)), node, node_ip)
        if rules is not None:
            out.append(rules)
    return out


def dns_records(services: Iterable[Obj], endpoints: Iterable[Obj] = ()) -> dict[str, list[str]]:
    """What cluster DNS answers for ``<service>.<namespace>.svc.cluster.local``: the
    cluster IP, or for a headless Service the addresses of its ready pods."""
    endpoints_by_key = {_key(ep): ep for ep in endpoints}
    out: dict[str, list[str]] = {}
    for svc in sorted(services, key=_key):
        meta = svc.get("metadata") or {}
        spec = svc.get("spec") or {}
        name = dns_name(meta.get("namespace", ""), meta.get("name", ""))
        if spec.get("type") == "ExternalName":
            out[name] = [spec.get("externalName") or ""]
        elif spec.get("clusterIP") in (None, "", "None"):
            ips = {
                b.ip for backends in backends_by_port(endpoints_by_key.get(_key(svc))).values() for b in backends if b.ready
            }
            ips |= {
                a["ip"] for s in (endpoints_by_key.get(_key(svc)) or {}).get("subsets") or []
                for a in s.get("addresses") or [] if not s.get("ports")
            }
            out[name] = sorted(ips, key=_ip_order)
        else:
            out[name] = list(spec.get("clusterIPs") or [spec["clusterIP"]])
    return out


def node_ip(node: Obj) -> str:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return address.get("address", "")
    return ""
