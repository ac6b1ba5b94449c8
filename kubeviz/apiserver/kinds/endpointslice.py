"""EndpointSlice (discovery.k8s.io/v1, pkg/registry/discovery/endpointslice): the
scalable successor of Endpoints, written by the EndpointSlice controller and read by
kube-proxy. Validation follows pkg/apis/discovery/validation."""
from __future__ import annotations

import ipaddress

from .. import validation as v
from ..resources import register
from ..strategy import Context, Obj, Strategy

ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
MAX_ADDRESSES = 100
MAX_PORTS = 100
MAX_ENDPOINTS = 1000


def _too_many(field: str, count: int, limit: int) -> v.FieldError:
    return v.invalid(field, count, f"must have at most {limit} items")


def _non_special_ip(address: str, field: str) -> list[v.FieldError]:
    """apivalidation.ValidateNonSpecialIP: endpoints may not point at special ranges."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return [v.invalid(field, address, "must be a valid IP address")]
    errs = []
    if ip.is_unspecified:
        errs.append(v.invalid(field, address, f"may not be unspecified ({address})"))
    if ip.is_loopback:
        errs.append(v.invalid(field, address, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
    if ip.is_link_local:
        errs.append(v.invalid(field, address, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
    if ip in ipaddress.ip_network("224.0.0.0/24") or ip in ipaddress.ip_network("ff02::/16"):
        errs.append(v.invalid(field, address, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
    return errs


def _address(address: str, address_type: str, field: str) -> list[v.FieldError]:
    if not isinstance(address, str):
        return [v.invalid(field, address, "must be a string")]
    if address_type in ("IPv4", "IPv6"):
        family = ipaddress.IPv4Address if address_type == "IPv4" else ipaddress.IPv6Address
        errs = []
        try:
            family(address)
        except ValueError:
            errs.append(v.invalid(field, address, f"must be a valid {address_type} address"))
        return errs + _non_special_ip(address, field)
    if address_type == "FQDN":
        name = address[:-1] if address.endswith(".") else address
        if not name:
            return [v.required(field)]
        errs = [v.invalid(field, address, msg) for msg in v.dns1123_subdomain(name)]
        if len(name.split(".")) < 2:
            errs.append(v.invalid(field, address, "should be a domain with at least two segments separated by dots"))
        return errs
    return []  # unknown address types are not validated (reported on addressType)


def validate_endpoints(endpoints: list, address_type: str) -> list[v.FieldError]:
    if len(endpoints) > MAX_ENDPOINTS:
        return [_too_many("endpoints", len(endpoints), MAX_ENDPOINTS)]
    errs: list[v.FieldError] = []
    for i, ep in enumerate(endpoints):
        path = f"endpoints[{i}]"
        if not isinstance(ep, dict):
            errs.append(v.invalid(path, ep, "must be an object"))
            continue
        addresses = ep.get("addresses") or []
        if not isinstance(addresses, list):
            errs.append(v.invalid(f"{path}.addresses", addresses, "must be a list of strings"))
            continue
        if not addresses:
            errs.append(v.required(f"{path}.addresses", "must contain at least 1 address"))
        elif len(addresses) > MAX_ADDRESSES:
            errs.append(_too_many(f"{path}.addresses", len(addresses), MAX_ADDRESSES))
        for j, address in enumerate(addresses):
            errs += _address(address, address_type, f"{path}.addresses[{j}]")
        if ep.get("nodeName") is not None:
            for msg in v.dns1123_subdomain(str(ep["nodeName"])):
                errs.append(v.invalid(f"{path}.nodeName", ep["nodeName"], msg))
        if ep.get("hostname") is not None:
            for msg in v.dns1123_label(str(ep["hostname"])):
                errs.append(v.invalid(f"{path}.hostname", ep["hostname"], msg))
        for key in ("ready", "serving", "terminating"):
            value = (ep.get("conditions") or {}).get(key)
            if value is not None and not isinstance(value, bool):
                errs.append(v.invalid(f"{path}.conditions.{key}", value, "must be a boolean"))
    return errs


def validate_ports(ports: list) -> list[v.FieldError]:
    if len(ports) > MAX_PORTS:
        return [_too_many("ports", len(ports), MAX_PORTS)]
    errs: list[v.FieldError] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        path = f"ports[{i}]"
        if not isinstance(port, dict):
            errs.append(v.invalid(path, port, "must be an object"))
            continue
        name = port.get("name") or ""
        if name:
            for msg in v.dns1123_label(str(name)):
                errs.append(v.invalid(f"{path}.name", name, msg))
        if name in names:
            errs.append(v.duplicate(f"{path}.name", name))
        names.add(name)
        protocol = port.get("protocol")
        if protocol is None:
            errs.append(v.required(f"{path}.protocol"))
        elif protocol not in PROTOCOLS:
            errs.append(v.not_supported(f"{path}.protocol", protocol, PROTOCOLS))
        if port.get("port") is not None:
            errs += v.port_number(port["port"], f"{path}.port")
        if port.get("appProtocol") is not None:
            for msg in v.qualified_name(str(port["appProtocol"])):
                errs.append(v.invalid(f"{path}.appProtocol", port["appProtocol"], msg))
    return errs


class EndpointSliceStrategy(Strategy):
    def default(self, obj: Obj, ctx: Context) -> None:
        # SetDefaults_EndpointPort: name "" and protocol TCP.
        for port in obj.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("name", "")
                port.setdefault("protocol", "TCP")
        # The Go field has no omitempty: a slice always shows its (possibly empty) list.
        if obj.get("endpoints") is None:
            obj["endpoints"] = []

    def validate(self, obj: Obj) -> list[v.FieldError]:
        errs: list[v.FieldError] = []
        address_type = obj.get("addressType")
        if not address_type:
            errs.append(v.required("addressType"))
        elif address_type not in ADDRESS_TYPES:
            errs.append(v.not_supported("addressType", address_type, ADDRESS_TYPES))
        endpoints = obj.get("endpoints") or []
        if not isinstance(endpoints, list):
            errs.append(v.invalid("endpoints", endpoints, "must be a list"))
        else:
            errs += validate_endpoints(endpoints, address_type or "")
        ports = obj.get("ports") or []
        if not isinstance(ports, list):
            errs.append(v.invalid("ports", ports, "must be a list"))
        else:
            errs += validate_ports(ports)
        return errs

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        if new.get("addressType") != old.get("addressType"):
            return [v.invalid("addressType", new.get("addressType"), "field is immutable")]
        return []


register(EndpointSliceStrategy(
    kind="EndpointSlice", plural="endpointslices", singular="endpointslice", group="discovery.k8s.io",
    subresources=(),
))
