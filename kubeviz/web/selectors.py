"""Reads for the pages and the REST API: clusters and their objects."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q

from kubeviz.accounts.roles import Identity
from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.permissions import is_owner
from kubeviz.flow.models import Step
from kubeviz.kubeapi.tables import pod_status_reason
from kubeviz.kubelet.logs import recent_logs

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"


def cluster_summaries(identity: Identity) -> list[dict[str, Any]]:
    """The clusters a visitor is shown: the public ones and their own (a teacher: also the
    site's and their learners'; staff: all)."""
    visible = Cluster.objects.select_related("owner")
    if not identity.is_staff:
        mine = Q(pk=identity.cluster_pk) if identity.cluster_pk else Q(pk__in=[])
        if identity.user is not None:
            mine |= Q(owner=identity.user)
        if identity.guest:
            mine |= Q(owner_guest=identity.guest)
        if identity.is_teacher:
            from kubeviz.classes.selectors import learner_ids_of

            mine |= Q(owner__isnull=True, owner_guest="") | Q(owner_id__in=learner_ids_of(identity.user))
        visible = visible.filter(Q(public=True) | mine)
    return [{
        "name": c.name,
        "revision": c.revision,
        "clock_mode": c.clock_mode,
        "clock_speed": c.clock_speed,
        "nodes": registry.count(c, "nodes"),
        "pods": registry.count(c, "pods"),
        "public": c.public,
        "template": c.fixture,
        "asleep": c.asleep,
        "owner": c.owner.get_username() if c.owner else ("guest" if c.owner_guest else "site"),
        "mine": is_owner(identity, c),
    } for c in visible]


def _ready(node: dict[str, Any]) -> str:
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return "Ready" if cond.get("status") == "True" else "NotReady"
    return "Unknown"


def cluster_overview(cluster: Cluster) -> dict[str, Any]:
    nodes = []
    for n in registry.objects(cluster, "nodes"):
        status = _ready(n)
        if (n.get("spec") or {}).get("unschedulable"):
            status += ",SchedulingDisabled"
        capacity = (n.get("status") or {}).get("capacity") or {}
        nodes.append({
            "name": n["metadata"]["name"],
            "status": status,
            "zone": (n["metadata"].get("labels") or {}).get("topology.kubernetes.io/zone", ""),
            "cpu": capacity.get("cpu", ""),
            "memory": capacity.get("memory", ""),
            "pods": capacity.get("pods", ""),
        })
    pods = []
    for p in registry.objects(cluster, "pods"):
        pods.append({
            "namespace": p["metadata"].get("namespace", ""),
            "name": p["metadata"]["name"],
            "phase": (p.get("status") or {}).get("phase", ""),
            "node": (p.get("spec") or {}).get("nodeName", "") or "",
            "images": ", ".join(c.get("image", "") for c in (p.get("spec") or {}).get("containers") or []),
        })
    return {"nodes": nodes, "pods": pods}


# ---- the dashboard ----------------------------------------------------------------------

#: beyond these, the diagram draws counts per state instead of every node and pod
COLLAPSE_NODES = 20
COLLAPSE_PODS = 300
#: the object kinds the dashboard links to and shows in detail (plural names)
DETAIL_PLURALS = (
    "pods", "nodes", "deployments", "replicasets", "services", "endpoints", "endpointslices",
    "events", "namespaces", "configmaps", "leases", "daemonsets", "jobs",
    "cronjobs", "horizontalpodautoscalers", "persistentvolumeclaims", "persistentvolumes", "ingresses",
)
#: a kind the detail panel links to → its plural
_DETAIL_KINDS = {
    "Pod": "pods", "Deployment": "deployments", "ReplicaSet": "replicasets", "StatefulSet": "statefulsets",
    "Service": "services", "Job": "jobs", "CronJob": "cronjobs", "HorizontalPodAutoscaler": "horizontalpodautoscalers",
    "PersistentVolumeClaim": "persistentvolumeclaims", "PersistentVolume": "persistentvolumes", "Ingress": "ingresses",
}
PANELS = ("nodes", "pods", "deployments", "services", "events")
MANIFESTS_DIR = Path(settings.BASE_DIR) / "fixtures" / "manifests"

#: a pod's STATUS (as kubectl prints it) → the group the diagram draws it as
_STATE_GROUPS = {
    "Pending": "pending",
    "ContainerCreating": "creating",
    "PodInitializing": "creating",
    "CreateContainerConfigError": "creating",
    "Running": "running",
    "NotReady": "notready",
    "CrashLoopBackOff": "crash",
    "Error": "crash",
    "OOMKilled": "crash",
    "Failed": "crash",
    "ContainerCannotRun": "crash",
    "ErrImagePull": "image",
    "ImagePullBackOff": "image",
    "InvalidImageName": "image",
    "ErrImageNeverPull": "image",
    "Completed": "completed",
    "Succeeded": "completed",
    "Terminating": "terminating",
}


def pod_state(pod: dict[str, Any]) -> str:
    """What ``kubectl get pods`` shows in STATUS (Pending, ContainerCreating, Running, …)."""
    return pod_status_reason(pod)


def state_group(state: str) -> str:
    if state in _STATE_GROUPS:
        return _STATE_GROUPS[state]
    if state.startswith("Init:"):
        return "creating"
    if state.startswith(("ExitCode:", "Signal:")):
        return "crash"
    return "unknown"


def _restarts(pod: dict[str, Any]) -> int:
    return sum(int(cs.get("restartCount") or 0) for cs in (pod.get("status") or {}).get("containerStatuses") or [])


def _images(spec: dict[str, Any]) -> list[str]:
    return [str(c.get("image", "")) for c in spec.get("containers") or [] if isinstance(c, dict)]


def _sim_settings(cluster: Cluster) -> tuple[list[str], list[str]]:
    conf = cluster.settings or {}
    return list(conf.get("failed_nodes") or []), list(conf.get("stopped") or [])


def node_row(node: dict[str, Any], failed: list[str], pod_count: int = 0) -> dict[str, Any]:
    meta = node["metadata"]
    ready = _ready(node)
    cordoned = bool((node.get("spec") or {}).get("unschedulable"))
    is_failed = meta["name"] in failed
    capacity = (node.get("status") or {}).get("capacity") or {}
    status = ready + (",SchedulingDisabled" if cordoned else "")
    return {
        "uid": meta.get("uid", ""),
        "name": meta["name"],
        "ready": ready,
        "status": status,
        "cordoned": cordoned,
        "failed": is_failed,
        # the diagram's state: failed wins (the kubelet is dead even if the node still looks Ready)
        "state": "Failed" if is_failed else ready,
        "zone": (meta.get("labels") or {}).get("topology.kubernetes.io/zone", ""),
        "cpu": capacity.get("cpu", ""),
        "memory": capacity.get("memory", ""),
        "max_pods": capacity.get("pods", ""),
        "pods": pod_count,
        "revision": meta.get("resourceVersion", ""),
    }


def pod_workload(meta: dict[str, Any], cron_jobs: dict[tuple[str, str], str] | None = None) -> str:
    """The workload a pod belongs to, as a learner named it: a Deployment's pods are owned
    by a ReplicaSet named ``<deployment>-<pod-template-hash>``, so the hash is dropped; a
    CronJob's pods by one of its Jobs (``cron_jobs``: (namespace, Job) → CronJob), so
    they are named after the CronJob."""
    owner = next((o for o in meta.get("ownerReferences") or [] if o.get("controller")), None)
    if not owner:
        return ""
    name = owner.get("name") or ""
    if owner.get("kind") == "Job" and cron_jobs:
        name = cron_jobs.get((meta.get("namespace", ""), name), name)
    template_hash = (meta.get("labels") or {}).get("pod-template-hash")
    if owner.get("kind") == "ReplicaSet" and template_hash and name.endswith("-" + template_hash):
        return name[: -len(template_hash) - 1]
    return name


def cron_job_owners(cluster: Cluster) -> dict[tuple[str, str], str]:
    """(namespace, Job name) → the CronJob that made the Job."""
    out = {}
    for job in registry.objects(cluster, "jobs"):
        meta = job["metadata"]
        owner = next((o for o in meta.get("ownerReferences") or [] if o.get("controller") and o.get("kind") == "CronJob"), None)
        if owner:
            out[(meta.get("namespace", ""), meta["name"])] = owner.get("name", "")
    return out


def pod_row(pod: dict[str, Any], cron_jobs: dict[tuple[str, str], str] | None = None) -> dict[str, Any]:
    meta = pod["metadata"]
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    state = pod_state(pod)
    statuses = status.get("containerStatuses") or []
    return {
        "uid": meta.get("uid", ""),
        "namespace": meta.get("namespace", ""),
        "name": meta["name"],
        "node": spec.get("nodeName") or "",
        "phase": status.get("phase", ""),
        "state": state,
        "group": state_group(state),
        "ready": f"{sum(1 for cs in statuses if cs.get('ready'))}/{len(spec.get('containers') or [])}",
        "restarts": _restarts(pod),
        "images": ", ".join(_images(spec)),
        "ip": status.get("podIP", "") or "",
        "owner": next((f"{o.get('kind')}/{o.get('name')}" for o in meta.get("ownerReferences") or [] if o.get("controller")), ""),
        "workload": pod_workload(meta, cron_jobs),
        "revision": meta.get("resourceVersion", ""),
    }


def diagram_state(cluster: Cluster) -> dict[str, Any]:
    """Everything the diagram draws, keyed by uid: nodes, pods, stopped components, clock."""
    cluster.refresh_from_db()
    failed, stopped = _sim_settings(cluster)
    cron_jobs = cron_job_owners(cluster)
    pods = [pod_row(p, cron_jobs) for p in registry.objects(cluster, "pods")]
    per_node: dict[str, int] = {}
    for p in pods:
        if p["node"]:
            per_node[p["node"]] = per_node.get(p["node"], 0) + 1
    nodes = [node_row(n, failed, per_node.get(n["metadata"]["name"], 0)) for n in registry.objects(cluster, "nodes")]
    return {
        "cluster": cluster.name,
        "seq": cluster.step_seq,
        "revision": cluster.revision,
        "clock": {"mode": cluster.clock_mode, "speed": cluster.clock_speed},
        "stopped": stopped,
        "failed_nodes": failed,
        "collapsed": len(nodes) > COLLAPSE_NODES or len(pods) > COLLAPSE_PODS,
        "nodes": nodes,
        "pods": pods,
    }


def recent_steps(cluster: Cluster, limit: int = 60, flow: int = 20, most: int = 400) -> list[dict[str, Any]]:
    """The last steps as stream messages, oldest first: at least ``limit``, and far enough
    back to hold the last ``flow`` numbered steps (a quiet cluster's last 60 steps are all
    heartbeats, which the 1–9 filter hides), but never more than ``most``. Contiguous, so
    the timeline has no gaps."""
    steps = Step.objects.filter(cluster=cluster)
    last = steps.order_by("-seq").values_list("seq", flat=True).first()
    if last is None:
        return []
    flow_seqs = list(steps.filter(step__isnull=False).order_by("-seq").values_list("seq", flat=True)[:flow])
    start = min([last - limit + 1, *flow_seqs])
    start = max(start, last - most + 1)
    return [s.as_message() for s in steps.filter(seq__gte=start).order_by("seq")]


def panel_nodes(cluster: Cluster) -> dict[str, Any]:
    state = diagram_state(cluster)
    return {"nodes": state["nodes"], "stopped": state["stopped"]}


def panel_pods(cluster: Cluster, limit: int = 300) -> dict[str, Any]:
    cron_jobs = cron_job_owners(cluster)
    pods = [pod_row(p, cron_jobs) for p in registry.objects(cluster, "pods")]
    return {"pods": pods[:limit], "more": max(0, len(pods) - limit), "total": len(pods)}


def panel_deployments(cluster: Cluster) -> dict[str, Any]:
    rows = []
    for d in registry.objects(cluster, "deployments"):
        meta, spec, status = d["metadata"], d.get("spec") or {}, d.get("status") or {}
        rows.append({
            "uid": meta.get("uid", ""),
            "namespace": meta.get("namespace", ""),
            "name": meta["name"],
            "replicas": spec.get("replicas", 0),
            "ready": status.get("readyReplicas", 0),
            "updated": status.get("updatedReplicas", 0),
            "available": status.get("availableReplicas", 0),
            "images": ", ".join(_images((spec.get("template") or {}).get("spec") or {})),
            "rollout": (meta.get("annotations") or {}).get(REVISION_ANNOTATION, ""),
        })
    return {"deployments": rows}


def _ports(spec: dict[str, Any]) -> str:
    out = []
    for p in spec.get("ports") or []:
        if not isinstance(p, dict):
            continue
        text = f"{p.get('port')}"
        if p.get("nodePort"):
            text += f":{p['nodePort']}"
        out.append(f"{text}/{p.get('protocol', 'TCP')}")
    return ",".join(out)


def panel_services(cluster: Cluster) -> dict[str, Any]:
    rows = []
    for s in registry.objects(cluster, "services"):
        meta, spec = s["metadata"], s.get("spec") or {}
        selector = spec.get("selector") or {}
        rows.append({
            "uid": meta.get("uid", ""),
            "namespace": meta.get("namespace", ""),
            "name": meta["name"],
            "type": spec.get("type", "ClusterIP"),
            "cluster_ip": spec.get("clusterIP", ""),
            "ports": _ports(spec),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(selector.items())) if isinstance(selector, dict) else "",
        })
    return {"services": rows}


def panel_events(cluster: Cluster, limit: int = 60) -> dict[str, Any]:
    events = registry.objects(cluster, "events")
    events.sort(key=lambda e: (str(e.get("lastTimestamp") or e["metadata"].get("creationTimestamp") or ""),
                               int(e["metadata"].get("resourceVersion") or 0)), reverse=True)
    rows = []
    for e in events[:limit]:
        involved = e.get("involvedObject") or {}
        rows.append({
            "type": e.get("type", ""),
            "reason": e.get("reason", ""),
            "object": f"{involved.get('kind', '')}/{involved.get('name', '')}",
            "object_kind": involved.get("kind", ""),
            "object_namespace": involved.get("namespace", ""),
            "object_name": involved.get("name", ""),
            "object_uid": involved.get("uid", ""),
            "message": e.get("message", ""),
            "count": e.get("count", 1),
            "last": e.get("lastTimestamp") or e["metadata"].get("creationTimestamp", ""),
        })
    return {"events": rows, "total": len(events)}


def panel_data(cluster: Cluster, panel: str) -> dict[str, Any]:
    return {
        "nodes": panel_nodes,
        "pods": panel_pods,
        "deployments": panel_deployments,
        "services": panel_services,
        "events": panel_events,
    }[panel](cluster)


def _scheduling_decision(cluster: Cluster, namespace: str, name: str) -> dict[str, Any] | None:
    """The scheduler's explanation for a pod, if the scheduler records them (defensive:
    the scheduler package may not offer ``decision_get`` in every build)."""
    try:
        from kubeviz.scheduler.selectors import decision_get
    except Exception:  # noqa: BLE001 - an optional component; absent means "not recorded"
        return None
    try:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():  # a savepoint, so a failed read cannot spoil the caller's transaction
                decision = decision_get(cluster, namespace, name)
        else:
            decision = decision_get(cluster, namespace, name)
    except DatabaseError:
        return None
    if not isinstance(decision, dict):
        return None
    explanation = decision.get("explanation") or {}
    if not isinstance(explanation, dict):
        explanation = {"message": str(explanation)}
    nodes = []
    for n in explanation.get("nodes") or []:
        if not isinstance(n, dict):
            continue
        failed = [f for f in n.get("filters") or [] if isinstance(f, dict) and not f.get("passed", True)]
        status = n.get("status") or {}
        reasons = list(status.get("reasons") or []) if isinstance(status, dict) else []
        for f in failed:
            reasons += [r for r in f.get("reasons") or [] if r not in reasons]
        nodes.append({
            "name": n.get("name", ""),
            "feasible": bool(n.get("feasible")),
            "chosen": n.get("name") == explanation.get("chosen"),
            "reasons": "; ".join(str(r) for r in reasons),
            "failed_filters": ", ".join(str(f.get("plugin", "")) for f in failed),
            "total": n.get("total"),
            "scores": [s for s in n.get("scores") or [] if isinstance(s, dict)],
        })
    return {
        "created": decision.get("created", ""),
        "result": explanation.get("result", ""),
        "chosen": explanation.get("chosen") or "",
        "message": explanation.get("message", ""),
        "attempt": explanation.get("attempt"),
        "nodes": nodes,
    }


def etcd_key(plural: str, namespace: str, name: str) -> str:
    """Where Kubernetes keeps the object in etcd (nodes under /registry/minions/, …)."""
    strategy = by_plural(plural)
    return strategy.key(namespace if strategy.namespaced else "", name)


def object_detail(cluster: Cluster, plural: str, namespace: str | None, name: str) -> dict[str, Any]:
    """One object as the detail panel shows it. Raises StatusError (404) if it is not there."""
    if plural not in DETAIL_PLURALS:
        raise errors.not_found(plural, name)
    strategy = by_plural(plural)
    ns = (namespace or "default") if strategy.namespaced else ""
    obj = registry.get(cluster, strategy, ns or None, name)
    meta = obj.get("metadata") or {}
    detail: dict[str, Any] = {
        "plural": plural,
        "kind": strategy.kind,
        "api_version": strategy.api_version,
        "namespace": ns,
        "name": name,
        "uid": meta.get("uid", ""),
        "revision": meta.get("resourceVersion", ""),
        "created": meta.get("creationTimestamp", ""),
        "etcd_key": strategy.key(ns, name),
        "yaml": yaml.safe_dump(obj, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100),
        "labels": sorted((meta.get("labels") or {}).items()),
        "annotations": sorted((meta.get("annotations") or {}).items()),
    }
    if strategy.kind == "Pod":
        detail["pod"] = pod_row(obj)
        detail["scheduling"] = _scheduling_decision(cluster, ns, name)
        detail["logs"] = recent_logs(cluster, obj) if (obj.get("spec") or {}).get("nodeName") else []
        detail["containers"] = [
            {"name": c.get("name", ""), "image": c.get("image", "")}
            for c in (obj.get("spec") or {}).get("containers") or [] if isinstance(c, dict)
        ]
    elif strategy.kind == "Node":
        failed, _ = _sim_settings(cluster)
        detail["node"] = node_row(obj, failed)
    elif strategy.kind == "Deployment":
        detail["deployment"] = {
            "replicas": (obj.get("spec") or {}).get("replicas", 0),
            "containers": [
                {"name": c.get("name", ""), "image": c.get("image", "")}
                for c in ((obj.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []
                if isinstance(c, dict)
            ],
            "rollout": (meta.get("annotations") or {}).get(REVISION_ANNOTATION, ""),
            "replicasets": [
                {
                    "name": rs["metadata"]["name"],
                    "revision": (rs["metadata"].get("annotations") or {}).get(REVISION_ANNOTATION, ""),
                    "replicas": (rs.get("spec") or {}).get("replicas", 0),
                    "ready": (rs.get("status") or {}).get("readyReplicas", 0),
                    "images": ", ".join(_images(((rs.get("spec") or {}).get("template") or {}).get("spec") or {})),
                }
                for rs in owned_replicasets(cluster, obj)
            ],
        }
    elif strategy.kind == "Service":
        detail["service"] = {"ports": _ports(obj.get("spec") or {})}
    detail["related"] = related_objects(cluster, strategy.kind, obj)
    return detail


def _link(relation: str, kind: str, namespace: str, name: str, note: str = "") -> dict[str, str]:
    plural = _DETAIL_KINDS.get(kind, "")
    return {"relation": relation, "kind": kind, "plural": plural if plural in DETAIL_PLURALS else "", "namespace": namespace,
            "name": name, "note": note}


def _owned(cluster: Cluster, plural: str, owner: dict[str, Any]) -> list[dict[str, Any]]:
    uid, ns = owner["metadata"].get("uid"), owner["metadata"].get("namespace")
    return [o for o in registry.objects(cluster, plural, ns)
            if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or [])]


def related_objects(cluster: Cluster, kind: str, obj: dict[str, Any]) -> list[dict[str, str]]:
    """The objects this one is tied to, the way a learner follows them: a CronJob's Jobs
    (and a Job's CronJob), the workload an HPA scales, a claim's volume and the pods that
    mount it, a volume's claim, the Services an Ingress routes to."""
    meta, spec, status = obj["metadata"], obj.get("spec") or {}, obj.get("status") or {}
    ns = meta.get("namespace", "")
    out: list[dict[str, str]] = []
    if kind == "CronJob":
        active = {a.get("name") for a in status.get("active") or [] if isinstance(a, dict)}
        for job in _owned(cluster, "jobs", obj):
            done = next((c.get("type") for c in (job.get("status") or {}).get("conditions") or []
                         if c.get("type") in ("Complete", "Failed") and c.get("status") == "True"), "")
            out.append(_link("made Job", "Job", ns, job["metadata"]["name"], "active" if job["metadata"]["name"] in active else done))
    elif kind in ("Job", "Pod"):
        for o in meta.get("ownerReferences") or []:
            if o.get("controller"):
                out.append(_link("made by", o.get("kind", ""), ns, o.get("name", "")))
    elif kind == "HorizontalPodAutoscaler":
        target = spec.get("scaleTargetRef") or {}
        out.append(_link("scales", target.get("kind", ""), ns, target.get("name", ""),
                         f"{status.get('currentReplicas', 0)} → {status.get('desiredReplicas', 0)} replicas "
                         f"(between {spec.get('minReplicas', 1)} and {spec.get('maxReplicas', '?')})"))
    elif kind == "PersistentVolumeClaim":
        if spec.get("volumeName"):
            out.append(_link("bound to", "PersistentVolume", "", spec["volumeName"], status.get("phase", "")))
        for p in registry.objects(cluster, "pods", ns):
            claims = {(v.get("persistentVolumeClaim") or {}).get("claimName") for v in (p.get("spec") or {}).get("volumes") or []
                      if isinstance(v, dict)}
            if meta["name"] in claims:
                out.append(_link("mounted by", "Pod", ns, p["metadata"]["name"]))
    elif kind == "PersistentVolume":
        ref = spec.get("claimRef") or {}
        if ref.get("name"):
            out.append(_link("bound to", "PersistentVolumeClaim", ref.get("namespace", ""), ref["name"], status.get("phase", "")))
    elif kind == "Ingress":
        routes = [("default backend", spec.get("defaultBackend") or {})]
        for rule in spec.get("rules") or []:
            for path in ((rule or {}).get("http") or {}).get("paths") or []:
                routes.append((f"routes {rule.get('host') or '*'}{path.get('path') or '/'} to", path.get("backend") or {}))
        for relation, backend in routes:
            service = backend.get("service") or {}
            if service.get("name"):
                port = service.get("port") or {}
                out.append(_link(relation, "Service", ns, service["name"], f"port {port.get('number') or port.get('name', '')}"))
    return out


def owned_replicasets(cluster: Cluster, deployment: dict[str, Any]) -> list[dict[str, Any]]:
    """The ReplicaSets a Deployment controls, newest revision first."""
    uid = deployment["metadata"].get("uid")
    ns = deployment["metadata"].get("namespace")
    out = [
        rs for rs in registry.objects(cluster, "replicasets", ns)
        if any(o.get("uid") == uid and o.get("controller") for o in rs["metadata"].get("ownerReferences") or [])
    ]

    def revision(rs: dict[str, Any]) -> int:
        try:
            return int((rs["metadata"].get("annotations") or {}).get(REVISION_ANNOTATION, 0))
        except ValueError:
            return 0

    return sorted(out, key=revision, reverse=True)


def manifest_samples() -> list[dict[str, str]]:
    """The sample manifests a learner can start from: fixtures/manifests/*.yaml."""
    out = []
    for path in sorted(MANIFESTS_DIR.glob("*.yaml")):
        first = path.read_text().splitlines()[0] if path.stat().st_size else ""
        title = first.lstrip("# ").strip() if first.startswith("#") else path.stem
        out.append({"name": path.stem, "title": title})
    return out


def manifest_sample(name: str) -> str | None:
    if name not in {s["name"] for s in manifest_samples()}:
        return None
    return (MANIFESTS_DIR / f"{name}.yaml").read_text()
