"""What a dashboard draws first: the cluster's objects, and the last step they include.

``snapshot_at`` reads the step sequence, the etcd revision and every object in ONE read
transaction, so ``seq`` names exactly the steps whose effects the objects show: a client
that applies the steps with a greater seq (streamed by ``kubeviz.live.consumers``) never
misses a change and never applies one twice.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from kubeviz.apiserver import registry
from kubeviz.clusters.models import Cluster
from kubeviz.flow.selectors import step_recent
from kubeviz.kubeapi.tables import pod_status_reason

Obj = dict[str, Any]


@contextmanager
def _read_transaction() -> Iterator[None]:
    """One consistent view of the database.

    SQLite (WAL, transactions begun IMMEDIATE) serialises this with every writer.
    PostgreSQL's default READ COMMITTED gives each statement its own snapshot, so an
    outermost transaction asks for REPEATABLE READ: all reads then see the same commits.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _meta(obj: Obj) -> Obj:
    meta = obj.get("metadata") or {}
    out = {
        "uid": meta.get("uid", ""),
        "name": meta.get("name", ""),
        "labels": meta.get("labels") or {},
        "resourceVersion": meta.get("resourceVersion", ""),
        "creationTimestamp": meta.get("creationTimestamp"),
        "deleting": bool(meta.get("deletionTimestamp")),
    }
    if "namespace" in meta:
        out["namespace"] = meta["namespace"]
    owner = next((r for r in meta.get("ownerReferences") or [] if r.get("controller")), None)
    if owner:
        out["owner"] = {"kind": owner.get("kind", ""), "name": owner.get("name", ""), "uid": owner.get("uid", "")}
    return out


def _conditions(status: Obj) -> dict[str, str]:
    return {c["type"]: c.get("status", "Unknown") for c in status.get("conditions") or [] if c.get("type")}


def node_summary(node: Obj) -> Obj:
    spec, status = node.get("spec") or {}, node.get("status") or {}
    conditions = _conditions(status)
    ready = conditions.get("Ready", "Unknown")
    state = {"True": "Ready", "False": "NotReady"}.get(ready, "Unknown")
    labels = (node.get("metadata") or {}).get("labels") or {}
    capacity = status.get("capacity") or {}
    allocatable = status.get("allocatable") or {}
    return {
        **_meta(node),
        "status": state,
        "ready": ready == "True",
        "unschedulable": bool(spec.get("unschedulable")),
        "taints": [
            {"key": t.get("key", ""), "value": t.get("value", ""), "effect": t.get("effect", "")}
            for t in spec.get("taints") or []
        ],
        "zone": labels.get("topology.kubernetes.io/zone", ""),
        "conditions": conditions,
        "capacity": {k: capacity.get(k, "") for k in ("cpu", "memory", "pods")},
        "allocatable": {k: allocatable.get(k, "") for k in ("cpu", "memory", "pods")},
    }


def pod_summary(pod: Obj) -> Obj:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    containers = spec.get("containers") or []
    statuses = status.get("containerStatuses") or []
    return {
        **_meta(pod),
        "phase": status.get("phase", ""),
        # kubectl get pods' STATUS column: Pending, ContainerCreating, CrashLoopBackOff, Terminating…
        "status": pod_status_reason(pod),
        "reason": status.get("reason", ""),
        "nodeName": spec.get("nodeName", "") or "",
        "readyContainers": sum(1 for cs in statuses if cs.get("ready")),
        "containers": len(containers),
        "restarts": sum(int(cs.get("restartCount") or 0) for cs in statuses),
        "images": [c.get("image", "") for c in containers],
        "podIP": status.get("podIP", "") or "",
        "conditions": _conditions(status),
    }


def deployment_summary(deployment: Obj) -> Obj:
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    meta = deployment.get("metadata") or {}
    return {
        **_meta(deployment),
        "replicas": spec.get("replicas", 1),
        "currentReplicas": status.get("replicas", 0),
        "readyReplicas": status.get("readyReplicas", 0),
        "updatedReplicas": status.get("updatedReplicas", 0),
        "availableReplicas": status.get("availableReplicas", 0),
        "selector": (spec.get("selector") or {}).get("matchLabels") or {},
        "strategy": (spec.get("strategy") or {}).get("type", ""),
        "paused": bool(spec.get("paused")),
        "generation": meta.get("generation", 0),
        "observedGeneration": status.get("observedGeneration", 0),
        "conditions": _conditions(status),
    }


def replicaset_summary(rs: Obj) -> Obj:
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    return {
        **_meta(rs),
        "replicas": spec.get("replicas", 1),
        "currentReplicas": status.get("replicas", 0),
        "readyReplicas": status.get("readyReplicas", 0),
        "availableReplicas": status.get("availableReplicas", 0),
        "selector": (spec.get("selector") or {}).get("matchLabels") or {},
    }


def service_summary(service: Obj) -> Obj:
    spec = service.get("spec") or {}
    return {
        **_meta(service),
        "type": spec.get("type", "ClusterIP"),
        "clusterIP": spec.get("clusterIP", "") or "",
        "selector": spec.get("selector") or {},
        "ports": [
            {k: p[k] for k in ("name", "protocol", "port", "targetPort", "nodePort") if k in p}
            for p in spec.get("ports") or []
        ],
    }


SUMMARIES: dict[str, Callable[[Obj], Obj]] = {
    "nodes": node_summary,
    "pods": pod_summary,
    "deployments": deployment_summary,
    "replicasets": replicaset_summary,
    "services": service_summary,
}


def snapshot_at(cluster: Cluster, *, recent_steps: int = 0) -> dict[str, Any]:
    """The cluster now: ``{"seq", "revision", "nodes", "pods", "deployments",
    "replicasets", "services"}`` and, if asked, the last ``recent_steps`` step messages
    (``"steps"``, oldest first, all with seq <= ``seq``).

    Raises ``Cluster.DoesNotExist`` if the cluster was deleted meanwhile.
    """
    with _read_transaction():
        # step_seq is bumped in the transaction that stores the step, so it is the seq of
        # the newest step this transaction can see.
        seq, revision = Cluster.objects.filter(pk=cluster.pk).values_list("step_seq", "revision").get()
        out: dict[str, Any] = {"seq": seq, "revision": revision}
        for plural, summary in SUMMARIES.items():
            out[plural] = [summary(obj) for obj in registry.objects(cluster, plural)]
        if recent_steps > 0:
            out["steps"] = [s.as_message() for s in step_recent(cluster=cluster, through=seq, limit=recent_steps)]
    return out
