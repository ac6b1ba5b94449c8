"""The endpoints and EndpointSlice controllers: which pods stand behind a Service.

Models: pkg/controller/endpoint/endpoints_controller.go and pkg/controller/endpointslice
(with its reconciler in staging/src/k8s.io/endpointslice). For every Service with a
selector, both list the pods the selector matches and write down their addresses:

- the endpoints controller writes the ``Endpoints`` object named like the Service, with
  ready pods in ``addresses`` and the others in ``notReadyAddresses`` (pods being deleted
  are left out, as the real controller does);
- the EndpointSlice controller writes ``EndpointSlice`` objects ``<service>-<5 chars>``,
  owned by the Service, whose endpoints carry ``ready``/``serving``/``terminating``
  conditions, the node and the node's zone.

Services without a selector (their Endpoints are written by hand) and ExternalName
Services are left alone. Both controllers write only when something changed.
"""
from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.apiserver.selectors import LabelSelector, Requirement
from kubeviz.clusters.clock import rfc3339
from kubeviz.clusters.models import Cluster
from kubeviz.engine.cache import Cache, key_of, split_key
from kubeviz.engine.client import Client

from .objects import new_controller_ref, timestamp
from .pods import is_pod_ready, ready_condition

Obj = dict[str, Any]

LAST_CHANGE_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
HEADLESS = "service.kubernetes.io/headless"
LABEL_SERVICE_NAME = "kubernetes.io/service-name"
LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.k8s.io"
LABEL_ZONE = "topology.kubernetes.io/zone"
LEADER_ELECTION_RECORD = "control-plane.alpha.kubernetes.io/leader"
MAX_ENDPOINTS_PER_SLICE = 100


# ---- pods and services (k8s.io/endpointslice/util) ------------------------------------------


def service_selector(svc: Obj) -> LabelSelector | None:
    """The Service's selector as a label selector; None when it has none (an empty map
    means "no selector" too, as it does once stored)."""
    selector = (svc.get("spec") or {}).get("selector")
    if not selector:
        return None
    return LabelSelector(tuple(Requirement(k, "=", (str(v),)) for k, v in sorted(selector.items())))


def manages_endpoints(svc: Obj) -> bool:
    spec = svc.get("spec") or {}
    return spec.get("type") != "ExternalName" and service_selector(svc) is not None


def is_headless(svc: Obj) -> bool:
    return (svc.get("spec") or {}).get("clusterIP") in (None, "", "None")


def services_for_pod(cache: Cache, pod: Obj) -> set[str]:
    """Keys of the Services in the pod's namespace whose selector matches it
    (GetPodServiceMemberships)."""
    namespace = pod["metadata"].get("namespace")
    labels = pod["metadata"].get("labels") or {}
    keys = set()
    for svc in cache.iter("services", namespace):
        selector = service_selector(svc)
        if selector is not None and selector.matches(labels):
            keys.add(key_of(svc))
    return keys


def _endpoint_view(pod: Obj) -> tuple:
    """What of a pod matters for its endpoints (podEndpointsChanged)."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    return (
        status.get("podIP"), json.dumps(status.get("podIPs"), sort_keys=True), is_pod_ready(pod),
        status.get("phase"), pod["metadata"].get("deletionTimestamp"), spec.get("nodeName"),
        spec.get("hostname"), spec.get("subdomain"),
    )


def services_to_update_on_pod_change(cache: Cache, event: str, pod: Obj, old: Obj | None) -> set[str]:
    """GetServicesToUpdateOnPodChange: nothing when the change does not touch endpoints;
    the old and the new memberships when labels changed."""
    if event != "MODIFIED" or old is None:
        return services_for_pod(cache, pod)
    labels_changed = (old["metadata"].get("labels") or {}) != (pod["metadata"].get("labels") or {})
    if not labels_changed and _endpoint_view(old) == _endpoint_view(pod):
        return set()
    keys = services_for_pod(cache, pod)
    if labels_changed:
        keys |= services_for_pod(cache, old)
    return keys


def is_pod_terminal(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def pod_ips(pod: Obj) -> list[str]:
    status = pod.get("status") or {}
    ips = [p.get("ip") for p in status.get("podIPs") or [] if p.get("ip")]
    if not ips and status.get("podIP"):
        ips = [status["podIP"]]
    return ips


def should_pod_be_in_endpoints(pod: Obj, include_terminating: bool) -> bool:
    """Terminal pods and pods without an IP never are; terminating ones only on request."""
    if is_pod_terminal(pod) or not pod_ips(pod):
        return False
    if not include_terminating and pod["metadata"].get("deletionTimestamp"):
        return False
    return True


def should_set_hostname(pod: Obj, svc: Obj) -> bool:
    spec = pod.get("spec") or {}
    return bool(spec.get("hostname")) and spec.get("subdomain") == svc["metadata"]["name"] \
        and pod["metadata"].get("namespace") == svc["metadata"].get("namespace")


def find_port(pod: Obj, service_port: Obj) -> int | None:
    """The container port a Service port sends to (podutil.FindPort): a number as is, a
    name looked up among the containers' named ports of the same protocol."""
    target = service_port.get("targetPort", service_port.get("port"))
    protocol = service_port.get("protocol", "TCP")
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or [])
    # Sidecars (init containers that keep running) may serve a named port too.
    containers += [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for container in containers:
        for port in container.get("ports") or []:
            if port.get("name") == target and port.get("protocol", "TCP") == protocol:
                return port.get("containerPort")
    return None


def _ip_family(ip: str) -> str:
    try:
        return "IPv6" if ipaddress.ip_address(ip).version == 6 else "IPv4"
    except ValueError:
        return "IPv4"


def _service_families(svc: Obj) -> list[str]:
    families = (svc.get("spec") or {}).get("ipFamilies") or []
    if families:
        return [f for f in families if f in ("IPv4", "IPv6")]
    cluster_ip = (svc.get("spec") or {}).get("clusterIP")
    if cluster_ip and cluster_ip != "None":
        return [_ip_family(cluster_ip)]
    return ["IPv4", "IPv6"]


def _target_ref(pod: Obj) -> Obj:
    meta = pod["metadata"]
    return {"kind": "Pod", "namespace": meta.get("namespace", ""), "name": meta["name"], "uid": meta.get("uid", "")}


def _ports_key(ports: list[Obj]) -> str:
    return json.dumps(ports, sort_keys=True)


def _pods_of(cache: Cache, svc: Obj) -> list[Obj]:
    selector = service_selector(svc)
    if selector is None:
        return []
    pods = cache.list("pods", svc["metadata"].get("namespace"), selector)
    return sorted(pods, key=lambda p: p["metadata"]["name"])


# ---- the trigger time (k8s.io/endpointslice/util/trigger_time_tracker.go) --------------------


class TriggerTimeTracker:
    """When the change that the next write reflects happened: the earliest Ready
    transition (or Service creation) not seen by the previous sync. Exported as the
    ``endpoints.kubernetes.io/last-change-trigger-time`` annotation, from which the real
    cluster measures how long the network takes to follow a pod."""

    def __init__(self) -> None:
        self.states: dict[str, tuple[dict[str, datetime], datetime | None]] = {}

    def compute(self, key: str, svc: Obj, pods: list[Obj]) -> datetime | None:
        known = key in self.states
        last_pods, last_service = self.states.get(key, ({}, None))
        changed: datetime | None = None
        pod_times: dict[str, datetime] = {}
        for pod in pods:
            moment = timestamp((ready_condition(pod) or {}).get("lastTransitionTime"))
            if moment is None:
                continue
            name = pod["metadata"]["name"]
            pod_times[name] = moment
            if name not in last_pods or moment > last_pods[name]:
                changed = moment if changed is None else min(changed, moment)
        service_time = timestamp(svc["metadata"].get("creationTimestamp"))
        if service_time is not None and (last_service is None or service_time > last_service):
            changed = service_time if changed is None else min(changed, service_time)
        self.states[key] = (pod_times, service_time)
        return changed if known else service_time

    def forget(self, key: str) -> None:
        self.states.pop(key, None)


def _set_trigger_time(meta: Obj, moment: datetime | None) -> None:
    annotations = dict(meta.get("annotations") or {})
    if moment is not None:
        annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339(moment)
    else:
        annotations.pop(LAST_CHANGE_TRIGGER_TIME, None)
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)


# ---- Endpoints -------------------------------------------------------------------------------


def endpoint_subsets(svc: Obj, pods: list[Obj]) -> list[Obj]:
    """The subsets of a Service's Endpoints: one address per selected pod, ready or not,
    grouped by the ports they serve (addEndpointSubset + RepackSubsets, sorted)."""
    spec = svc.get("spec") or {}
    service_ports = spec.get("ports") or []
    tolerate_unready = bool(spec.get("publishNotReadyAddresses"))
    family = (_service_families(svc) or ["IPv4"])[0]
    groups: dict[str, tuple[list[Obj], list[Obj], list[Obj]]] = {}
    for pod in pods:
        if not should_pod_be_in_endpoints(pod, tolerate_unready):
            continue
        ip = next((ip for ip in pod_ips(pod) if _ip_family(ip) == family), None)
        if ip is None:
            continue
        address: Obj = {"ip": ip}
        if should_set_hostname(pod, svc):
            address["hostname"] = pod["spec"]["hostname"]
        if pod["spec"].get("nodeName"):
            address["nodeName"] = pod["spec"]["nodeName"]
        address["targetRef"] = _target_ref(pod)
        ports: list[Obj] = []
        if not service_ports:
            if not is_headless(svc):
                continue  # only a headless Service may do without ports
        for sp in service_ports:
            number = find_port(pod, sp)
            if number is None:
                continue
            port: Obj = {}
            if sp.get("name"):
                port["name"] = sp["name"]
            port["port"] = number
            port["protocol"] = sp.get("protocol", "TCP")
            if sp.get("appProtocol"):
                port["appProtocol"] = sp["appProtocol"]
            ports.append(port)
        if service_ports and not ports:
            continue
        ready, not_ready, _ = groups.setdefault(_ports_key(ports), ([], [], ports))
        (ready if tolerate_unready or is_pod_ready(pod) else not_ready).append(address)
    subsets = []
    for key in sorted(groups):
        ready, not_ready, ports = groups[key]
        subset: Obj = {}
        if ready:
            subset["addresses"] = sorted(ready, key=_address_order)
        if not_ready:
            subset["notReadyAddresses"] = sorted(not_ready, key=_address_order)
        if ports:
            subset["ports"] = ports
        subsets.append(subset)
    return subsets


def _address_order(address: Obj) -> tuple:
    ip = address["ip"]
    try:
        packed = ipaddress.ip_address(ip).packed
    except ValueError:
        packed = ip.encode()
    return (packed, address.get("targetRef", {}).get("uid", ""))


def _service_labels(svc: Obj) -> dict[str, str]:
    labels = dict(svc["metadata"].get("labels") or {})
    if is_headless(svc):
        labels[HEADLESS] = ""
    else:
        labels.pop(HEADLESS, None)
    return labels


def _describe_subsets(subsets: list[Obj]) -> str:
    ready = [a["ip"] for s in subsets for a in s.get("addresses") or []]
    not_ready = [a["ip"] for s in subsets for a in s.get("notReadyAddresses") or []]
    parts = [f"ready {', '.join(ready)}" if ready else "no ready addresses"]
    if not_ready:
        parts.append(f"not ready {', '.join(not_ready)}")
    return "; ".join(parts)


class EndpointsController:
    name = "controller-manager/endpoints"
    actor = "controller-manager"
    # Endpoints are watched so that the current object is read from the cache.
    watches = ("services", "pods", "endpoints")

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.trigger_times = TriggerTimeTracker()
        self.leftovers_checked = False

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if not self.leftovers_checked:
            # checkLeftoverEndpoints, once at start (the cache is full by then): Endpoints
            # whose Service was deleted while the controller was not running.
            self.leftovers_checked = True
            for ep in cache.iter("endpoints"):
                annotations = ep["metadata"].get("annotations") or {}
                if cache.get("services", key_of(ep)) is None and LEADER_ELECTION_RECORD not in annotations:
                    yield key_of(ep)
        if plural == "services":
            yield key_of(obj)
        elif plural == "pods":
            yield from sorted(services_to_update_on_pod_change(cache, event, obj, old))
        elif plural == "endpoints" and event == "DELETED":
            # Someone deleted the Endpoints of a Service: write them again.
            yield key_of(obj)

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        namespace, name = split_key(key)
        svc = cache.get("services", key)
        current = cache.get("endpoints", key)
        if svc is None:
            self.trigger_times.forget(key)
            if current is not None:
                api.delete("endpoints", namespace, name,
                           message=f"the endpoints controller deleted Endpoints {key}: Service {key} is gone")
            return None
        if not manages_endpoints(svc):
            return None
        pods = _pods_of(cache, svc)
        trigger = self.trigger_times.compute(key, svc, pods)
        subsets = endpoint_subsets(svc, pods)
        labels = _service_labels(svc)
        if current is not None and (current.get("subsets") or []) == subsets \
                and (current["metadata"].get("labels") or {}) == labels:
            return None
        if current is None:
            body: Obj = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": namespace}}
        else:
            body = deep_copy(current)
        meta = body["metadata"]
        if labels:
            meta["labels"] = labels
        else:
            meta.pop("labels", None)
        _set_trigger_time(meta, trigger)
        if subsets:
            body["subsets"] = subsets
        else:
            body.pop("subsets", None)
        summary = _describe_subsets(subsets)
        if current is None:
            api.create("endpoints", namespace, body, step=None, category="controller",
                       message=f"the endpoints controller created Endpoints {key} for the pods of Service {key}: {summary}")
        else:
            api.update("endpoints", body,
                       message=f"the endpoints controller updated Endpoints {key}: {summary}")
        return None


# ---- EndpointSlices --------------------------------------------------------------------------


def _slice_endpoint(pod: Obj, node: Obj | None, svc: Obj, address_type: str) -> Obj | None:
    """podToEndpoint: a ready endpoint is serving and not terminating."""
    addresses = [ip for ip in pod_ips(pod) if _ip_family(ip) == address_type]
    if not addresses:
        return None
    serving = is_pod_ready(pod)
    terminating = bool(pod["metadata"].get("deletionTimestamp"))
    ready = bool((svc.get("spec") or {}).get("publishNotReadyAddresses")) or (serving and not terminating)
    endpoint: Obj = {
        "addresses": addresses,
        "conditions": {"ready": ready, "serving": serving, "terminating": terminating},
    }
    if should_set_hostname(pod, svc):
        endpoint["hostname"] = pod["spec"]["hostname"]
    endpoint["targetRef"] = _target_ref(pod)
    node_name = (pod.get("spec") or {}).get("nodeName")
    if node_name:
        endpoint["nodeName"] = node_name
    zone = ((node or {}).get("metadata", {}).get("labels") or {}).get(LABEL_ZONE)
    if zone:
        endpoint["zone"] = zone
    return endpoint


def _slice_ports(svc: Obj, pod: Obj) -> list[Obj]:
    """getEndpointPorts: the Service's ports resolved against this pod."""
    out = []
    for sp in (svc.get("spec") or {}).get("ports") or []:
        number = find_port(pod, sp)
        if number is None:
            continue
        port: Obj = {"name": sp.get("name") or "", "port": number, "protocol": sp.get("protocol", "TCP")}
        if sp.get("appProtocol"):
            port["appProtocol"] = sp["appProtocol"]
        out.append(port)
    return out


def _slice_labels(svc: Obj) -> dict[str, str]:
    """setEndpointSliceLabels: the Service's labels plus the reserved ones."""
    reserved = (LABEL_SERVICE_NAME, LABEL_MANAGED_BY, HEADLESS)
    labels = {k: v for k, v in (svc["metadata"].get("labels") or {}).items() if k not in reserved}
    if is_headless(svc):
        labels[HEADLESS] = ""
    labels[LABEL_SERVICE_NAME] = svc["metadata"]["name"]
    labels[LABEL_MANAGED_BY] = MANAGED_BY
    return labels


def _owned_by(slice_: Obj, svc: Obj) -> bool:
    return any(
        ref.get("uid") == svc["metadata"].get("uid") and ref.get("kind") == "Service" and ref.get("apiVersion") == "v1"
        for ref in slice_["metadata"].get("ownerReferences") or []
    )


def _endpoint_order(endpoint: Obj) -> tuple:
    return ((endpoint.get("targetRef") or {}).get("name", ""), endpoint["addresses"][0])


def desired_slices(svc: Obj, pods: list[Obj], nodes: dict[str, Obj]) -> list[tuple[str, list[Obj], list[Obj]]]:
    """(addressType, ports, endpoints) of every slice the Service should have: endpoints
    grouped by the ports they serve, at most 100 per slice. Pods being deleted stay, as
    terminating endpoints; pods that finished or have no IP yet do not."""
    groups: dict[tuple[str, str], tuple[list[Obj], list[Obj]]] = {}
    for address_type in _service_families(svc):
        for pod in pods:
            if not should_pod_be_in_endpoints(pod, include_terminating=True):
                continue
            endpoint = _slice_endpoint(pod, nodes.get((pod.get("spec") or {}).get("nodeName") or ""), svc, address_type)
            if endpoint is None:
                continue
            ports = _slice_ports(svc, pod)
            _, endpoints = groups.setdefault((address_type, _ports_key(ports)), (ports, []))
            endpoints.append(endpoint)
    out = []
    for (address_type, _), (ports, endpoints) in sorted(groups.items()):
        endpoints.sort(key=_endpoint_order)
        for start in range(0, len(endpoints), MAX_ENDPOINTS_PER_SLICE):
            out.append((address_type, ports, endpoints[start:start + MAX_ENDPOINTS_PER_SLICE]))
    return out


def _describe_endpoints(endpoints: list[Obj]) -> str:
    if not endpoints:
        return "no endpoints"
    ready = sum(1 for e in endpoints if e["conditions"]["ready"])
    terminating = sum(1 for e in endpoints if e["conditions"]["terminating"])
    text = f"{len(endpoints)} endpoint{'s' if len(endpoints) != 1 else ''}, {ready} ready"
    if terminating:
        text += f", {terminating} terminating"
    return text


class EndpointSliceController:
    name = "controller-manager/endpointslice"
    actor = "controller-manager"
    watches = ("services", "pods", "nodes", "endpointslices")

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.trigger_times = TriggerTimeTracker()

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural == "services":
            yield key_of(obj)
        elif plural == "pods":
            yield from sorted(services_to_update_on_pod_change(cache, event, obj, old))
        elif plural == "endpointslices":
            labels = obj["metadata"].get("labels") or {}
            if labels.get(LABEL_MANAGED_BY) == MANAGED_BY and labels.get(LABEL_SERVICE_NAME):
                # Our own writes come back here too; the sync then finds nothing to do.
                yield f"{obj['metadata'].get('namespace')}/{labels[LABEL_SERVICE_NAME]}"
        elif plural == "nodes" and event == "MODIFIED" and old is not None:
            # A node's zone is copied onto the endpoints of its pods.
            zone = (obj["metadata"].get("labels") or {}).get(LABEL_ZONE)
            if zone != (old["metadata"].get("labels") or {}).get(LABEL_ZONE):
                name = obj["metadata"]["name"]
                keys: set[str] = set()
                for pod in cache.iter("pods"):
                    if (pod.get("spec") or {}).get("nodeName") == name:
                        keys |= services_for_pod(cache, pod)
                yield from sorted(keys)

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        namespace, name = split_key(key)
        svc = cache.get("services", key)
        if svc is None:
            # The slices are owned by the Service: the garbage collector removes them.
            self.trigger_times.forget(key)
            return None
        if not manages_endpoints(svc):
            return None
        pods = _pods_of(cache, svc)
        trigger = self.trigger_times.compute(key, svc, pods)
        nodes = {n["metadata"]["name"]: n for n in cache.iter("nodes")}
        desired = desired_slices(svc, pods, nodes)
        families = _service_families(svc) or ["IPv4"]
        if not desired:
            # A Service with no endpoints still gets one (empty) placeholder slice.
            desired = [(families[0], [], [])]
        existing = sorted(
            (s for s in cache.iter("endpointslices", namespace)
             if (s["metadata"].get("labels") or {}).get(LABEL_SERVICE_NAME) == name
             and (s["metadata"].get("labels") or {}).get(LABEL_MANAGED_BY) == MANAGED_BY),
            key=lambda s: s["metadata"]["name"],
        )
        labels = _slice_labels(svc)
        # Reuse slices that already serve the same ports; the rest are to create or delete.
        reusable: dict[tuple[str, str], list[Obj]] = {}
        to_delete: list[Obj] = []
        for slice_ in existing:
            if _owned_by(slice_, svc) and slice_.get("addressType") in families:
                reusable.setdefault((slice_["addressType"], _ports_key(slice_.get("ports") or [])), []).append(slice_)
            else:
                to_delete.append(slice_)
        to_update: list[tuple[Obj, tuple[str, list[Obj], list[Obj]]]] = []
        to_create: list[tuple[str, list[Obj], list[Obj]]] = []
        for want in desired:
            candidates = reusable.get((want[0], _ports_key(want[1])))
            if candidates:
                to_update.append((candidates.pop(0), want))
            else:
                to_create.append(want)
        to_delete += [s for group in reusable.values() for s in group]
        to_delete.sort(key=lambda s: s["metadata"]["name"])
        # finalize(): a slice that would be deleted is updated instead of creating a new one.
        for slice_ in list(to_delete):
            match = next((w for w in reversed(to_create) if w[0] == slice_.get("addressType")), None)
            if match is not None and _owned_by(slice_, svc):
                to_create.remove(match)
                to_delete.remove(slice_)
                to_update.append((slice_, match))
        owner = new_controller_ref(svc, "v1", "Service")
        for slice_, (_, ports, endpoints) in to_update:
            if (slice_.get("endpoints") or []) == endpoints and (slice_.get("ports") or []) == ports \
                    and (slice_["metadata"].get("labels") or {}) == labels:
                continue
            body = deep_copy(slice_)
            body["metadata"]["labels"] = labels
            _set_trigger_time(body["metadata"], trigger)
            body["ports"] = ports
            body["endpoints"] = endpoints
            api.update("endpointslices", body,
                       message=f"the EndpointSlice controller updated EndpointSlice {namespace}/{slice_['metadata']['name']} "
                               f"of Service {key}: {_describe_endpoints(endpoints)}")
        for address_type, ports, endpoints in to_create:
            meta: Obj = {"generateName": f"{name}-", "namespace": namespace, "labels": labels, "ownerReferences": [owner]}
            _set_trigger_time(meta, trigger)
            body = {
                "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": meta,
                "addressType": address_type, "ports": ports, "endpoints": endpoints,
            }
            api.create("endpointslices", namespace, body, step=None, category="controller",
                       message=f"the EndpointSlice controller created an EndpointSlice for Service {key}: "
                               f"{_describe_endpoints(endpoints)}")
        for slice_ in to_delete:
            api.delete("endpointslices", namespace, slice_["metadata"]["name"],
                       options={"preconditions": {"uid": slice_["metadata"].get("uid")}},
                       message=f"the EndpointSlice controller deleted EndpointSlice {namespace}/{slice_['metadata']['name']}, "
                               f"which Service {key} no longer needs")
        return None
