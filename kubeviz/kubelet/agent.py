"""The kubelet of every node: runs the pods bound to its node and reports their status.

One component serves all nodes (so nodes added later need no new component); each action
is taken, and recorded, as ``kubelet/<node>``. A node marked failed has a dead kubelet: it
does nothing until the node recovers.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from kubeviz.clusters.models import Cluster
from kubeviz.engine.cache import Cache, key_of, split_key
from kubeviz.engine.client import Client
from kubeviz.engine.timings import timing
from kubeviz.flow.catalogue import pod_all_running, say
from kubeviz.runtime.process import stop_seconds
from kubeviz.runtime.processes import Processes
from kubeviz.runtime.volumes import volume_sweep

from .lifecycle import RuntimeState, advance
from .logs import LogRecorder
from .nodestatus import node_status
from .podconfig import missing_config, with_resolved_env

# How often a dead kubelet's work is looked at again, in case the node has recovered.
DEAD_POLL_SECONDS = 5.0
# How long a deleted pod's container logs are kept (a follower reads the last lines).
LOG_KEEP_SECONDS = 30.0

Obj = dict[str, Any]


def kubelets(cluster: Cluster) -> list[Kubelet]:
    return [Kubelet(cluster)]


def failed_nodes(cluster: Cluster) -> set[str]:
    return set((cluster.settings or {}).get("failed_nodes", []))


class Kubelet:
    name = "kubelet"
    actor = "kubelet"
    # ConfigMaps and Secrets are watched only to be read (a pod waiting for one is tried
    # again on the kubelet's own schedule, not when it appears, as a real kubelet does).
    # Claims and volumes are read to find a volume's kept files (runtime/volumes.py); a
    # deleted PersistentVolume's files are dropped.
    watches = ("pods", "nodes", "leases", "configmaps", "secrets", "persistentvolumeclaims", "persistentvolumes")

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.runtimes: dict[str, RuntimeState] = {}
        self.images: dict[str, set[str]] = {}
        # When the kubelet sent SIGTERM to each stopping pod's containers (by pod uid).
        self.stopping: dict[str, datetime] = {}
        # The containers' processes (the simulated shell), their files and their network.
        self.processes = Processes.of_cluster(cluster)
        self.logs = LogRecorder(cluster, self.processes)
        # Pods gone from the API whose logs remain: when each was first seen so.
        self.orphans: dict[str, datetime] = {}
        self.swept = False
        # spec.unschedulable as each node's kubelet last saw it (kubelet.lastNodeUnschedulable).
        self.unschedulable: dict[str, bool] = {}

    # ---- handlers ----------------------------------------------------------------------
    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        if plural == "pods":
            if (obj.get("spec") or {}).get("nodeName") and event != "DELETED":
                yield f"pod:{key_of(obj)}"
            if event == "DELETED" or not self.swept:
                # Logs of gone pods are swept after a deletion (and once at start, for
                # pods deleted while no kubelet ran).
                self.swept = True
                yield "logs:gc"
        elif plural == "persistentvolumes" and event == "DELETED":
            yield "volumes:gc"
        elif plural == "nodes" and event != "DELETED":
            name = obj["metadata"]["name"]
            if event == "ADDED":
                yield f"node:{name}"
            if event == "ADDED" or _ready(obj) != _ready(old or {}):
                # A node coming back: its kubelet looks at every pod it should be running.
                for pod in cache.pods_on(name):
                    yield f"pod:{key_of(pod)}"

    # ---- sync --------------------------------------------------------------------------
    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        kind, rest = key.split(":", 1)
        if kind == "node":
            return self._heartbeat(cache, api, rest)
        if kind == "logs":
            return self._sweep_logs(cache, api)
        if kind == "volumes":
            volume_sweep(cluster=self.cluster, volume_uids={pv["metadata"].get("uid") for pv in cache.iter("persistentvolumes")})
            return None
        pod = cache.get("pods", rest)
        if pod is None:
            return None
        node_name = pod["spec"].get("nodeName")
        if not node_name:
            return None
        if node_name in failed_nodes(self.cluster):
            return DEAD_POLL_SECONDS
        node = cache.get("nodes", node_name)
        if node is None:
            return None
        kubelet = f"kubelet/{node_name}"
        kapi = api.as_component(kubelet)

        def lookup(plural: str, namespace: str, name: str) -> Obj | None:
            return cache.get(plural, f"{namespace}/{name}" if namespace else name)

        self.processes.lookup = lookup
        self.processes.new_batch()
        if pod["metadata"].get("deletionTimestamp"):
            self.logs.record_stop(with_resolved_env(pod, lookup), kapi.now(), cpus=_cpus(node))
            self.processes.requests_send(rest, kapi.now(), all_of_them=True)
            return self._stop(cache, kapi, pod, node_name)
        status = pod.get("status") or {}
        if status.get("phase") in ("Succeeded", "Failed"):
            self.processes.requests_send(rest, kapi.now(), all_of_them=True)
            return None
        ns, name = split_key(rest)
        if not status.get("startTime"):
            kapi.step(
                step=6, source="apiserver", target=kubelet, action="watch", obj=pod,
                message=say("kubelet.watch", node=node_name, where=f"{ns}/{name}"),
            )
        runtime = self.runtimes.setdefault(node_name, RuntimeState())
        images = self.images.setdefault(node_name, _node_images(node))
        missing = missing_config(pod, lookup)
        outcome = advance(pod, images, runtime, kapi.now(), status.get("podIP") or _pod_ip(cache, node, pod), _host_ip(node),
                          missing, self.processes)
        for what, details in outcome.runtime:
            _runtime_step(kapi, node_name, pod, what, details)
        for etype, reason, message in outcome.events:
            kapi.event(pod, type=etype, reason=reason, message=message)
        if outcome.status != status:
            updated = dict(pod)
            updated["status"] = outcome.status
            running = pod_all_running(outcome.status)
            kapi.update_status(
                "pods", updated, step=8 if running else None, category="flow" if running else "kubelet",
                message=say("kubelet.status", node=node_name, where=f"{ns}/{name}", summary=_summary(outcome.status)),
            )
        printed = self.logs.record(with_resolved_env({**pod, "status": outcome.status}, lookup), status, outcome.status,
                                   kapi.now(), cpus=_cpus(node))
        # What its programs sent to Services by now reaches the serving pods.
        sending = self.processes.requests_send(rest, kapi.now())
        wakes = [w for w in (printed, sending, outcome.next_in) if w is not None]
        return min(wakes) if wakes else None

    def _sweep_logs(self, cache: Cache, api: Client) -> float | None:
        """Remove the container logs of pods that have been gone for LOG_KEEP_SECONDS (the
        kubelet's container garbage collection); a follower still reads the last lines."""
        now = api.now()
        live = {p["metadata"].get("uid") for p in cache.iter("pods")}
        self.orphans = {uid: self.orphans.get(uid, now) for uid in self.logs.pods_with_logs() - live}
        keep = timedelta(seconds=LOG_KEEP_SECONDS)
        for uid, since in list(self.orphans.items()):
            if now - since >= keep:
                self.logs.forget(uid)
                del self.orphans[uid]
        if not self.orphans:
            return None
        return max((min(self.orphans.values()) + keep - now).total_seconds(), 0.0)

    def _heartbeat(self, cache: Cache, api: Client, node_name: str) -> float | None:
        """Renew the node's Lease (the heartbeat); post the node's status only when it
        changed or is due."""
        node = cache.get("nodes", node_name)
        if node is None:
            return None
        if node_name in failed_nodes(self.cluster):
            # A dead kubelet sends nothing; look again later in case it comes back.
            return DEAD_POLL_SECONDS
        kapi = api.as_component(f"kubelet/{node_name}")
        duration = int(timing(self.cluster.settings, "nodeLeaseDurationSeconds"))
        renew = kapi.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        lease = cache.get("leases", f"kube-node-lease/{node_name}")
        message = say("kubelet.lease", node=node_name)
        if lease is None:
            kapi.create("leases", "kube-node-lease", {
                "metadata": {"name": node_name, "ownerReferences": [{
                    "apiVersion": "v1", "kind": "Node", "name": node_name, "uid": node["metadata"].get("uid", ""),
                }]},
                "spec": {"holderIdentity": node_name, "leaseDurationSeconds": duration, "renewTime": renew},
            }, step=None, category="heartbeat", message=message)
        else:
            kapi.update("leases", {**lease, "spec": {**lease.get("spec", {}), "renewTime": renew}},
                        step=None, category="heartbeat", message=message)
        self._post_status(kapi, node)
        self._record_schedulable(kapi, node)
        return max(duration / 4, 1.0)

    def _record_schedulable(self, kapi: Client, node: Obj) -> None:
        """NodeNotSchedulable / NodeSchedulable when a cordon changes, as the kubelet records
        them with its next status update (recordNodeSchedulableEvent)."""
        name = node["metadata"]["name"]
        now = bool((node.get("spec") or {}).get("unschedulable"))
        if self.unschedulable.setdefault(name, False) != now:
            self.unschedulable[name] = now
            reason = "NodeNotSchedulable" if now else "NodeSchedulable"
            kapi.event(node, type="Normal", reason=reason, message=f"Node {name} status is now: {reason}")

    def _post_status(self, kapi: Client, node: Obj) -> None:
        """Post the node's status when it changed (Ready again, new images) or is due."""
        name = node["metadata"]["name"]
        pulled = self.images.setdefault(name, _node_images(node))
        status = node_status(node, pulled, kapi.now())
        if status == node.get("status"):
            return
        was_ready = _ready(node) == "True"
        what = "Ready" if not was_ready else f"Ready, {len(status.get('images') or [])} images"
        kapi.update_status("nodes", {**node, "status": status}, category="heartbeat",
                           message=say("kubelet.node status", node=name, what=what))
        if not was_ready:
            kapi.event(node, type="Normal", reason="NodeReady", message=f"Node {name} status is now: NodeReady")

    def _stop(self, cache: Cache, kapi: Client, pod: Obj, node_name: str) -> float | None:
        """Stop a pod being deleted: SIGTERM to its running containers (the Killing event),
        wait until each has exited (at most the grace period, then SIGKILL), and only then
        confirm the deletion (grace 0) so the pod leaves the API."""
        meta = pod["metadata"]
        uid = meta.get("uid", "")
        grace = float(meta.get("deletionGracePeriodSeconds") or 0)
        annotations = meta.get("annotations") or {}
        specs = {c["name"]: c for c in pod["spec"].get("containers") or []}
        running = [cs["name"] for cs in (pod.get("status") or {}).get("containerStatuses") or []
                   if "running" in cs.get("state", {}) and cs["name"] in specs]
        # Forget pods removed without the kubelet (deleted with --force --grace-period=0).
        self.stopping = {u: t for u, t in self.stopping.items() if cache.by_uid(u) is not None}
        began = self.stopping.get(uid)
        if began is None:
            began = self.stopping[uid] = kapi.now()
            for name in running:
                kapi.event(pod, type="Normal", reason="Killing", message=f"Stopping container {name}")
                kapi.step(step=None, source=f"kubelet/{node_name}", target=f"runtime/{node_name}", action="stop", obj=pod,
                          category="kubelet", message=say("kubelet.stop", node=node_name, container=name, grace=f"{grace:g}"))
        gone_at = max((began + timedelta(seconds=stop_seconds(specs[n], grace, annotations)) for n in running), default=began)
        now = kapi.now()
        if now < gone_at:
            return (gone_at - now).total_seconds()
        self.stopping.pop(uid, None)
        kapi.delete("pods", meta.get("namespace"), meta["name"], options={"gracePeriodSeconds": 0, "preconditions": {"uid": uid}},
                    step=None, category="kubelet",
                    message=say("kubelet.stopped", node=node_name, where=f"{meta.get('namespace')}/{meta['name']}"))
        return None


#: what the kubelet and the runtime said to each other: (number, which way, action, category)
#: by what happened; only the first pull and start are step 7 of the creation flow
_RUNTIME_STEPS: dict[str, tuple[int | None, bool, str, str]] = {
    "pull": (7, True, "pull", "flow"),
    "image present": (7, True, "check image", "flow"),
    "start": (7, True, "start", "flow"),
    "restart": (None, True, "restart", "kubelet"),
    "exit": (None, False, "exit", "kubelet"),
    "pull failed": (None, False, "pull failed", "kubelet"),
}


def _runtime_step(kapi: Client, node_name: str, pod: Obj, what: str, details: dict[str, Any]) -> None:
    number, asked, action, category = _RUNTIME_STEPS[what]
    kubelet, runtime = f"kubelet/{node_name}", f"runtime/{node_name}"
    prefix = "kubelet" if asked else "runtime"
    kapi.step(step=number, source=kubelet if asked else runtime, target=runtime if asked else kubelet, action=action,
              obj=pod, category=category, message=say(f"{prefix}.{what}", node=node_name, **details))


def _cpus(node: Obj) -> int:
    """Whole CPUs of the node (nginx starts one worker process per CPU)."""
    cpu = str(((node.get("status") or {}).get("capacity") or {}).get("cpu", "4"))
    try:
        return max(int(float(cpu[:-1]) / 1000 if cpu.endswith("m") else float(cpu)), 1)
    except ValueError:
        return 4


def _ready(node: Obj) -> str:
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status", "Unknown")
    return "Unknown"


def _node_images(node: Obj) -> set[str]:
    return {n for image in (node.get("status") or {}).get("images") or [] for n in image.get("names") or []}


def _host_ip(node: Obj) -> str:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return address["address"]
    return ""


def _pod_ip(cache: Cache, node: Obj, pod: Obj) -> str:
    """The lowest free address of the node's podCIDR (.1 is the node's bridge)."""
    cidr = (node.get("spec") or {}).get("podCIDR")
    if not cidr:
        return ""
    used = {
        (p.get("status") or {}).get("podIP")
        for p in cache.pods_on(node["metadata"]["name"])
        if p["metadata"].get("uid") != pod["metadata"].get("uid")
        and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
    }
    network = ipaddress.ip_network(cidr)
    for offset in range(2, network.num_addresses - 1):
        ip = str(network.network_address + offset)
        if ip not in used:
            return ip
    return ""


def _summary(status: Obj) -> str:
    states = []
    for cs in status.get("containerStatuses") or []:
        state = cs.get("state") or {}
        if "waiting" in state:
            states.append(f"{cs['name']} waiting ({state['waiting'].get('reason')})")
        elif "running" in state:
            states.append(f"{cs['name']} running")
        elif "terminated" in state:
            states.append(f"{cs['name']} terminated ({state['terminated'].get('reason')})")
    return f"phase {status.get('phase')}" + (f"; {', '.join(states)}" if states else "")
