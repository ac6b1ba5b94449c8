"""Ingress, IngressClass and NetworkPolicy (networking.k8s.io/v1).

Strategies after pkg/registry/networking and pkg/apis/networking/validation, with the
DefaultIngressClass admission plugin (an Ingress without ``ingressClassName`` gets the class
annotated ``ingressclass.kubernetes.io/is-default-class``) and SetDefaults_NetworkPolicy
(``policyTypes`` from the rules given, ports' protocol TCP).
"""
from __future__ import annotations

import ipaddress
from typing import Any

from .. import validation as v
from ..resources import register
from ..strategy import Context, Obj, Strategy
from .podspec import validate_selector

DEFAULT_INGRESS_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"]
POLICY_TYPES = ["Egress", "Ingress"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]


def _backend(backend: Any, field: str) -> list[v.FieldError]:
    if not isinstance(backend, dict):
        return [v.required(field)]
    service, resource = backend.get("service"), backend.get("resource")
    if service is not None and resource is not None:
        return [v.invalid(field, "", "cannot set both resource and service backends")]
    if service is None and resource is None:
        return [v.invalid(field, "", "resource or service backend is required")]
    if resource is not None:
        return []
    errs: list[v.FieldError] = []
    if not service.get("name"):
        errs.append(v.required(f"{field}.service.name"))
    else:
        errs += [v.invalid(f"{field}.service.name", service["name"], m) for m in v.dns1123_label(service["name"])]
    port = service.get("port") or {}
    if port.get("name") and port.get("number"):
        errs.append(v.invalid(f"{field}.service.port", port, "cannot set both port name & port number"))
    elif port.get("name"):
        errs += [v.invalid(f"{field}.service.port.name", port["name"], m) for m in v.port_name(port["name"])]
    elif port.get("number") is not None:
        errs += v.port_number(port["number"], f"{field}.service.port.number")
    else:
        errs.append(v.invalid(f"{field}.service.port", port, "port name or number is required"))
    return errs


def _host(host: Any, field: str) -> list[v.FieldError]:
    if not isinstance(host, str):
        return [v.invalid(field, host, "must be a string")]
    try:
        ipaddress.ip_address(host)
        return [v.invalid(field, host, "must be a DNS name, not an IP address")]
    except ValueError:
        pass
    name = host[2:] if host.startswith("*.") else host
    return [v.invalid(field, host, m) for m in v.dns1123_subdomain(name)]


class IngressClassStrategy(Strategy):
    def validate(self, obj: Obj) -> list[v.FieldError]:
        controller = (obj.get("spec") or {}).get("controller")
        if not controller:
            return [v.required("spec.controller")]
        if not isinstance(controller, str) or len(controller) > 250:
            return [v.invalid("spec.controller", controller, "must be no more than 250 characters")]
        if "/" not in controller:
            return [v.invalid("spec.controller", controller, 'must be a domain-prefixed path (such as "acme.io/foo")')]
        return []

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        if (new.get("spec") or {}).get("controller") != (old.get("spec") or {}).get("controller"):
            return [v.invalid("spec.controller", (new.get("spec") or {}).get("controller"), "field is immutable")]
        return []


class IngressStrategy(Strategy):
    def default(self, obj: Obj, ctx: Context) -> None:
        spec = obj.setdefault("spec", {})
        if isinstance(spec, dict) and not spec.get("ingressClassName") and not \
                ((obj.get("metadata") or {}).get("annotations") or {}).get("kubernetes.io/ingress.class"):
            defaults = [c for c in ctx.read("ingressclasses", None)
                        if ((c["metadata"].get("annotations") or {}).get(DEFAULT_INGRESS_CLASS_ANNOTATION)) == "true"]
            if defaults:
                newest = max(defaults, key=lambda c: (c["metadata"].get("creationTimestamp") or "", c["metadata"]["name"]))
                spec["ingressClassName"] = newest["metadata"]["name"]

    def validate(self, obj: Obj) -> list[v.FieldError]:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [v.required("spec")]
        errs: list[v.FieldError] = []
        rules = spec.get("rules") or []
        if spec.get("defaultBackend") is None and not rules:
            errs.append(v.invalid("spec", spec, "either `defaultBackend` or `rules` must be specified"))
        if spec.get("defaultBackend") is not None:
            errs += _backend(spec["defaultBackend"], "spec.defaultBackend")
        for i, rule in enumerate(rules if isinstance(rules, list) else []):
            field = f"spec.rules[{i}]"
            if rule.get("host"):
                errs += _host(rule["host"], f"{field}.host")
            http = rule.get("http")
            if http is None:
                continue
            paths = http.get("paths") or []
            if not paths:
                errs.append(v.required(f"{field}.http.paths"))
            for j, path in enumerate(paths):
                pfield = f"{field}.http.paths[{j}]"
                path_type = path.get("pathType")
                if not path_type:
                    errs.append(v.required(f"{pfield}.pathType", "pathType must be specified"))
                elif path_type not in PATH_TYPES:
                    errs.append(v.not_supported(f"{pfield}.pathType", path_type, PATH_TYPES))
                value = path.get("path")
                if path_type in ("Exact", "Prefix") and not (isinstance(value, str) and value.startswith("/")):
                    errs.append(v.invalid(f"{pfield}.path", value, "must be an absolute path"))
                errs += _backend(path.get("backend"), f"{pfield}.backend")
        return errs


def _peers(peers: Any, field: str) -> list[v.FieldError]:
    errs: list[v.FieldError] = []
    for i, peer in enumerate(peers or []):
        pfield = f"{field}[{i}]"
        given = [k for k in ("podSelector", "namespaceSelector", "ipBlock") if peer.get(k) is not None]
        if not given:
            errs.append(v.required(pfield, "must specify a peer"))
        if "ipBlock" in given and len(given) > 1:
            errs.append(v.forbidden(pfield, "may not specify more than 1 peer"))
        for key in ("podSelector", "namespaceSelector"):
            if peer.get(key):
                errs += validate_selector(peer[key], f"{pfield}.{key}")
        block = peer.get("ipBlock")
        if block is not None:
            try:
                network = ipaddress.ip_network(block.get("cidr") or "", strict=False)
            except ValueError:
                errs.append(v.invalid(f"{pfield}.ipBlock.cidr", block.get("cidr"), "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
                continue
            for k, cidr in enumerate(block.get("except") or []):
                try:
                    inner = ipaddress.ip_network(cidr, strict=False)
                except ValueError:
                    errs.append(v.invalid(f"{pfield}.ipBlock.except[{k}]", cidr, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
                    continue
                if inner.version != network.version or not inner.subnet_of(network) or inner == network:  # type: ignore[arg-type]
                    errs.append(v.invalid(f"{pfield}.ipBlock.except[{k}]", cidr, "must be a strict subset of `cidr`"))
    return errs


def _ports(ports: Any, field: str) -> list[v.FieldError]:
    errs: list[v.FieldError] = []
    for i, port in enumerate(ports or []):
        pfield = f"{field}[{i}]"
        if port.get("protocol") not in PROTOCOLS:
            errs.append(v.not_supported(f"{pfield}.protocol", port.get("protocol"), PROTOCOLS))
        value = port.get("port")
        if isinstance(value, int) and not isinstance(value, bool):
            errs += v.port_number(value, f"{pfield}.port")
            end = port.get("endPort")
            if end is not None and (not isinstance(end, int) or end < value):
                errs.append(v.invalid(f"{pfield}.endPort", end, "must be greater than or equal to `port`"))
        elif isinstance(value, str):
            errs += [v.invalid(f"{pfield}.port", value, m) for m in v.port_name(value)]
            if port.get("endPort") is not None:
                errs.append(v.forbidden(f"{pfield}.endPort", "may not be specified when `port` is non-numeric"))
    return errs


class NetworkPolicyStrategy(Strategy):
    def default(self, obj: Obj, ctx: Context) -> None:
        spec = obj.setdefault("spec", {})
        if not isinstance(spec, dict):
            return
        spec.setdefault("podSelector", {})
        if not spec.get("policyTypes"):
            spec["policyTypes"] = ["Ingress"] + (["Egress"] if spec.get("egress") else [])
        for direction in ("ingress", "egress"):
            for rule in spec.get(direction) or []:
                for port in (rule or {}).get("ports") or []:
                    if isinstance(port, dict):
                        port.setdefault("protocol", "TCP")

    def validate(self, obj: Obj) -> list[v.FieldError]:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [v.required("spec")]
        errs: list[v.FieldError] = []
        if spec.get("podSelector"):
            errs += validate_selector(spec["podSelector"], "spec.podSelector")
        types = spec.get("policyTypes") or []
        for i, t in enumerate(types):
            if t not in POLICY_TYPES:
                errs.append(v.not_supported(f"spec.policyTypes[{i}]", t, POLICY_TYPES))
        if len(types) > 2:
            errs.append(v.invalid("spec.policyTypes", types, "may not specify more than two policyTypes"))
        for i, rule in enumerate(spec.get("ingress") or []):
            errs += _ports((rule or {}).get("ports"), f"spec.ingress[{i}].ports")
            errs += _peers((rule or {}).get("from"), f"spec.ingress[{i}].from")
        for i, rule in enumerate(spec.get("egress") or []):
            errs += _ports((rule or {}).get("ports"), f"spec.egress[{i}].ports")
            errs += _peers((rule or {}).get("to"), f"spec.egress[{i}].to")
        return errs


register(IngressClassStrategy(
    kind="IngressClass", plural="ingressclasses", singular="ingressclass", group="networking.k8s.io",
    namespaced=False, subresources=(),
))
register(IngressStrategy(
    kind="Ingress", plural="ingresses", singular="ingress", group="networking.k8s.io",
    short_names=("ing",), tracks_generation=True,
))
register(NetworkPolicyStrategy(
    kind="NetworkPolicy", plural="networkpolicies", singular="networkpolicy", group="networking.k8s.io",
    short_names=("netpol",), subresources=(), tracks_generation=True,
))
