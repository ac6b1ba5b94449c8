"""Control and fault injection: what the dashboard's buttons and the REST API do.

Changes to Kubernetes objects go through the API server like any client's (and show as
step 1 from the client); switches that belong to the simulation itself (a node's kubelet
dying, a component stopped, the clock) are cluster settings the engine reads.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.kubelet.lifecycle import CRASH_AT
from kubeviz.kubelet.registration import node_manifest

from .client import Client

COMPONENTS = ("scheduler", "controller-manager")


def _client(cluster: Cluster, client: str = "") -> Client:
    return Client(cluster, "client", client=client)


def _who(client: str) -> str:
    return registry.Actor("client", client).subject


def _settings_update(cluster: Cluster, **changes: Any) -> None:
    cluster.refresh_from_db()
    settings = dict(cluster.settings or {})
    settings.update(changes)
    Cluster.objects.filter(pk=cluster.pk).update(settings=settings)
    cluster.settings = settings


@transaction.atomic
def clock_set(*, cluster: Cluster, mode: str | None = None, speed: float | None = None) -> Cluster:
    """Change mode (live, step, paused) or speed without a jump in simulated time."""
    if mode is not None and mode not in dict(Cluster.CLOCK_MODES):
        raise errors.bad_request(f'mode must be one of live, step, paused (got "{mode}")')
    if speed is not None and not 0.05 <= speed <= 100:
        raise errors.bad_request("speed must be between 0.05 and 100")
    cluster.refresh_from_db()
    now = clock.now(cluster)
    cluster.sim_time = now
    cluster.sim_anchor = clock.real_now()
    if mode is not None:
        cluster.clock_mode = mode
    if speed is not None:
        cluster.clock_speed = speed
    cluster.save(update_fields=["sim_time", "sim_anchor", "clock_mode", "clock_speed"])
    return cluster


def clock_next(*, cluster: Cluster) -> int:
    """Ask the worker for exactly one more component action (step mode)."""
    cluster.refresh_from_db()
    if cluster.clock_mode != Cluster.CLOCK_STEP:
        clock_set(cluster=cluster, mode=Cluster.CLOCK_STEP)
    Cluster.objects.filter(pk=cluster.pk).update(step_requests=F("step_requests") + 1)
    cluster.refresh_from_db()
    return cluster.step_requests


def _node(cluster: Cluster, name: str) -> dict:
    return registry.get(cluster, by_plural("nodes"), None, name)


@transaction.atomic
def node_fail(*, cluster: Cluster, name: str) -> None:
    """The node's kubelet dies: no more heartbeats, no more pod updates."""
    _node(cluster, name)
    failed = set((cluster.settings or {}).get("failed_nodes", [])) | {name}
    _settings_update(cluster, failed_nodes=sorted(failed))
    _client(cluster).step(step=None, source="client", target=f"kubelet/{name}", action="fail node", obj=None,
                          message=f"the kubelet on {name} stopped: the node has failed", category="fault")


@transaction.atomic
def node_recover(*, cluster: Cluster, name: str) -> None:
    _node(cluster, name)
    failed = set((cluster.settings or {}).get("failed_nodes", [])) - {name}
    _settings_update(cluster, failed_nodes=sorted(failed))
    _client(cluster).step(step=None, source="client", target=f"kubelet/{name}", action="recover node", obj=None,
                          message=f"the kubelet on {name} is running again", category="fault")


@transaction.atomic
def node_cordon(*, cluster: Cluster, name: str, unschedulable: bool = True, client: str = "") -> dict:
    return _client(cluster, client).patch("nodes", None, name, {"spec": {"unschedulable": unschedulable or None}}, step=1, category="flow",
                                          message=f"{_who(client)} asked the API server to {'cordon' if unschedulable else 'uncordon'} node {name}")


@transaction.atomic
def node_add(*, cluster: Cluster, cpu: str = "4", memory: str = "8Gi", pods: int = 110, zone: str | None = None,
             client: str = "") -> dict:
    """Register a new worker node, up to ``KUBEVIZ_MAX_NODES_PER_CLUSTER`` (the cap keeps
    a button or a script from filling the dashboard and the store without end)."""
    existing = [n["metadata"]["name"] for n in registry.objects(cluster, "nodes")]
    index = 1
    while f"node-{index}" in existing:
        index += 1
    limit = settings.KUBEVIZ_MAX_NODES_PER_CLUSTER
    if len(existing) >= limit:
        raise errors.forbidden("nodes", f"node-{index}", f"cluster {cluster.name} already has {len(existing)} nodes, "
                               f"the most it may have (KUBEVIZ_MAX_NODES_PER_CLUSTER={limit})")
    zones = ["zone-a", "zone-b", "zone-c"]
    body = node_manifest(name=f"node-{index}", index=index, cpu=cpu, memory=memory, pods=pods,
                         zone=zone or zones[(index - 1) % 3], now=clock.rfc3339(clock.now(cluster)))
    return _client(cluster, client).create("nodes", None, body, message=f"a new node, node-{index}, registered with the API server")


@transaction.atomic
def node_remove(*, cluster: Cluster, name: str) -> None:
    _client(cluster).delete("nodes", None, name, step=1, category="flow", message=f"the REST API asked the API server to delete node {name}")


@transaction.atomic
def pod_crash(*, cluster: Cluster, namespace: str, name: str, client: str = "") -> dict:
    """Make the pod's running containers exit now (once); the kubelet restarts them per
    restartPolicy, as after a real crash."""
    stamp = clock.rfc3339(clock.now(cluster))
    return _client(cluster, client).patch("pods", namespace, name, {"metadata": {"annotations": {CRASH_AT: stamp}}}, step=1,
                                          category="flow", message=f"{_who(client)} marked pod {namespace}/{name} to crash its containers")


@transaction.atomic
def pod_kill(*, cluster: Cluster, namespace: str, name: str, client: str = "") -> None:
    _client(cluster, client).delete("pods", namespace, name, step=1, category="flow",
                                    message=f"{_who(client)} asked the API server to delete pod {namespace}/{name}")


@transaction.atomic
def component_set(*, cluster: Cluster, component: str, running: bool) -> None:
    if component not in COMPONENTS:
        raise errors.bad_request(f"component must be one of {', '.join(COMPONENTS)}")
    stopped = set((cluster.settings or {}).get("stopped", []))
    stopped = stopped - {component} if running else stopped | {component}
    _settings_update(cluster, stopped=sorted(stopped))
    _client(cluster).step(step=None, source="client", target=component, action="start" if running else "stop", obj=None,
                          message=f"{component} {'started: it catches up on waiting work' if running else 'stopped: its work waits'}",
                          category="fault")
