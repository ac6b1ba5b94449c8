"""Service (pkg/registry/core/service): type, ports, ClusterIP and NodePort allocation."""
from __future__ import annotations

import ipaddress

from .. import validation as v
from ..resources import register
from ..strategy import Context, Obj, Strategy
from .podspec import set_default

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
NODE_PORT_RANGE = (30000, 32767)
TYPES = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]


def allocate_cluster_ip(ctx: Context) -> str:
    """A free address in the service CIDR, chosen at random as the real allocator does
    (seeded, so settle mode repeats). 10.96.0.1 is the ``kubernetes`` service's."""
    used = {
        ip
        for svc in ctx.read("services", None)
        for ip in (svc.get("spec") or {}).get("clusterIPs") or [(svc.get("spec") or {}).get("clusterIP")]
        if ip
    }
    size = SERVICE_CIDR.num_addresses
    for _ in range(1000):
        offset = ctx.rng.randrange(2, size - 1)
        ip = str(SERVICE_CIDR.network_address + offset)
        if ip not in used:
            return ip
    for offset in range(2, size - 1):
        ip = str(SERVICE_CIDR.network_address + offset)
        if ip not in used:
            return ip
    raise ValueError("the service CIDR is full")


def allocate_node_port(ctx: Context, taken: set[int]) -> int:
    used = set(taken)
    for svc in ctx.read("services", None):
        for p in (svc.get("spec") or {}).get("ports") or []:
            if p.get("nodePort"):
                used.add(p["nodePort"])
    free = [p for p in range(NODE_PORT_RANGE[0], NODE_PORT_RANGE[1] + 1) if p not in used]
    return ctx.rng.choice(free)


class ServiceStrategy(Strategy):
    def prepare_for_create(self, obj: Obj, ctx: Context) -> None:
        obj["status"] = {"loadBalancer": {}}

    def default(self, obj: Obj, ctx: Context) -> None:
        spec = obj.setdefault("spec", {})
        set_default(spec, "type", "ClusterIP")
        set_default(spec, "sessionAffinity", "None")
        stype = spec["type"]
        for p in spec.get("ports") or []:
            if isinstance(p, dict):
                set_default(p, "protocol", "TCP")
                # SetDefaults_Service: a targetPort of 0 or "" means "the same as port".
                if p.get("targetPort") in (None, 0, "") and "port" in p:
                    p["targetPort"] = p["port"]
        if stype == "ExternalName":
            return
        spec.setdefault("internalTrafficPolicy", "Cluster")
        if stype in ("NodePort", "LoadBalancer"):
            spec.setdefault("externalTrafficPolicy", "Cluster")
            taken: set[int] = set()
            for p in spec.get("ports") or []:
                if isinstance(p, dict) and not p.get("nodePort"):
                    p["nodePort"] = allocate_node_port(ctx, taken)
                    taken.add(p["nodePort"])
        if stype == "LoadBalancer":
            spec.setdefault("allocateLoadBalancerNodePorts", True)
        if not spec.get("clusterIP"):
            spec["clusterIP"] = allocate_cluster_ip(ctx)
        if spec["clusterIP"] != "None":
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
        else:
            spec.setdefault("clusterIPs", ["None"])
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")

    def validate(self, obj: Obj) -> list[v.FieldError]:
        spec = obj.get("spec") or {}
        errs: list[v.FieldError] = []
        stype = spec.get("type")
        if stype not in TYPES:
            errs.append(v.not_supported("spec.type", stype, TYPES))
        if stype == "ExternalName":
            if not spec.get("externalName"):
                errs.append(v.required("spec.externalName"))
            return errs
        ports = spec.get("ports")
        if not ports and spec.get("clusterIP") != "None":
            errs.append(v.required("spec.ports"))
        names: set[str] = set()
        for i, p in enumerate(ports or []):
            f = f"spec.ports[{i}]"
            if not isinstance(p, dict):
                errs.append(v.invalid(f, p, "must be an object"))
                continue
            if "port" not in p:
                errs.append(v.required(f"{f}.port"))
            else:
                errs += v.port_number(p["port"], f"{f}.port")
            if len(ports) > 1 and not p.get("name"):
                errs.append(v.required(f"{f}.name"))
            if p.get("name"):
                if p["name"] in names:
                    errs.append(v.duplicate(f"{f}.name", p["name"]))
                names.add(p["name"])
            tp = p.get("targetPort")
            if isinstance(tp, int):
                errs += v.port_number(tp, f"{f}.targetPort")
            elif isinstance(tp, str):
                for msg in v.port_name(tp):
                    errs.append(v.invalid(f"{f}.targetPort", tp, msg))
            if p.get("protocol") not in ("TCP", "UDP", "SCTP"):
                errs.append(v.not_supported(f"{f}.protocol", p.get("protocol"), ["SCTP", "TCP", "UDP"]))
            if p.get("nodePort") is not None and stype in ("NodePort", "LoadBalancer"):
                np = p["nodePort"]
                if not isinstance(np, int) or not NODE_PORT_RANGE[0] <= np <= NODE_PORT_RANGE[1]:
                    errs.append(v.invalid(f"{f}.nodePort", np, "provided port is not in the valid range. The range of valid ports is 30000-32767"))
        ip = spec.get("clusterIP")
        if ip and ip != "None":
            try:
                if __import__("ipaddress").ip_address(ip) not in SERVICE_CIDR:
                    errs.append(v.invalid("spec.clusterIPs", [ip], "failed to allocate IP " + ip + ": the provided IP (" + ip + ") is not in the valid range. The range of valid IPs is 10.96.0.0/12"))
            except ValueError:
                errs.append(v.invalid("spec.clusterIPs[0]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
        if spec.get("selector") is not None:
            errs += v.validate_labels(spec.get("selector"), "spec.selector")
        if spec.get("sessionAffinity") not in ("None", "ClientIP"):
            errs.append(v.not_supported("spec.sessionAffinity", spec.get("sessionAffinity"), ["ClientIP", "None"]))
        return errs

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        old_ip = (old.get("spec") or {}).get("clusterIP")
        new_ip = (new.get("spec") or {}).get("clusterIP")
        if old_ip and new_ip != old_ip and (new.get("spec") or {}).get("type") != "ExternalName":
            return [v.invalid("spec.clusterIPs[0]", new_ip, "field is immutable")]
        return []

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        super().prepare_for_update(new, old)
        # Keep the allocated address when an update (kubectl replace) leaves it out.
        new_spec = new.get("spec")
        old_spec = old.get("spec") or {}
        if isinstance(new_spec, dict) and not new_spec.get("clusterIP") and old_spec.get("clusterIP"):
            new_spec["clusterIP"] = old_spec["clusterIP"]
            new_spec["clusterIPs"] = old_spec.get("clusterIPs", [old_spec["clusterIP"]])
        # Likewise the allocated node ports, matched by port name, unless another port of
        # the new spec already uses that number (patchAllocatedValues).
        node_port_types = ("NodePort", "LoadBalancer")
        if isinstance(new_spec, dict) and new_spec.get("type") in node_port_types and old_spec.get("type") in node_port_types:
            new_ports = [p for p in new_spec.get("ports") or [] if isinstance(p, dict)]
            old_ports = [p for p in old_spec.get("ports") or [] if isinstance(p, dict)]
            used = {p.get("nodePort") for p in old_ports if p.get("nodePort")} & {
                p.get("nodePort") for p in new_ports if p.get("nodePort")
            }
            by_name = {p.get("name") or "": p.get("nodePort") for p in old_ports}
            for p in new_ports:
                old_port = by_name.get(p.get("name") or "")
                if not p.get("nodePort") and old_port and old_port not in used:
                    p["nodePort"] = old_port


register(ServiceStrategy(
    kind="Service", plural="services", singular="service", short_names=("svc",),
    categories=("all",), etcd_prefix="services/specs", subresources=("status", "proxy"),
))
