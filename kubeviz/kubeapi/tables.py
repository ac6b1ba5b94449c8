"""Server-side printing: the ``Table`` kubectl asks for, with Kubernetes' own columns.

Columns and cell rules follow pkg/printers/internalversion/printers.go, so ``kubectl get``
prints here what it prints against a real cluster. Priority-1 columns show with ``-o wide``.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from kubeviz.clusters.clock import parse_rfc3339

Obj = dict[str, Any]
Column = tuple[str, str, int]  # (name, type, priority)


def human_duration(seconds: float) -> str:
    """apimachinery's duration.HumanDuration (what the AGE column shows)."""
    s = int(seconds)
    if s < 0:
        return "<invalid>"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    years = days // 365
    if days < 365 * 8:
        return f"{years}y{days % 365}d" if days % 365 else f"{years}y"
    return f"{years}y"


class Printer:
    def __init__(self, now: datetime):
        self.now = now

    def age(self, stamp: str | None) -> str:
        if not stamp:
            return "<unknown>"
        return human_duration((self.now - parse_rfc3339(stamp)).total_seconds())


def _containers(spec: Obj) -> tuple[str, str]:
    cs = spec.get("containers") or []
    return ",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs)


def _selector(sel: Obj | None) -> str:
    from kubeviz.apiserver.selectors import selector_to_string

    return selector_to_string(sel) or "<none>"


def _map_selector(sel: Obj | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((sel or {}).items())) or "<none>"


def pod_status_reason(pod: Obj) -> str:
    """printPod's STATUS: the most telling reason, as kubectl shows it."""
    status = pod.get("status") or {}
    reason = status.get("reason") or status.get("phase") or "Unknown"
    initializing = False
    init_statuses = status.get("initContainerStatuses") or []
    for i, cs in enumerate(init_statuses):
        state = cs.get("state") or {}
        term = state.get("terminated")
        if term and term.get("exitCode") == 0:
            continue
        if term:
            reason = "Init:" + (term.get("reason") or (f"Signal:{term['signal']}" if term.get("signal") else f"ExitCode:{term.get('exitCode')}"))
        elif state.get("waiting") and state["waiting"].get("reason") not in (None, "", "PodInitializing"):
            reason = "Init:" + state["waiting"]["reason"]
        else:
            reason = f"Init:{i}/{len((pod.get('spec') or {}).get('initContainers') or [])}"
        initializing = True
        break
    if not initializing:
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            state = cs.get("state") or {}
            if state.get("waiting") and state["waiting"].get("reason"):
                reason = state["waiting"]["reason"]
            elif state.get("terminated"):
                term = state["terminated"]
                if term.get("reason"):
                    reason = term["reason"]
                elif term.get("signal"):
                    reason = f"Signal:{term['signal']}"
                else:
                    reason = f"ExitCode:{term.get('exitCode')}"
            elif "running" in state and cs.get("ready"):
                has_running = True
        if reason == "Completed" and has_running:
            ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
            reason = "Running" if ready else "NotReady"
    if pod["metadata"].get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return reason


def _pod_row(p: Printer, pod: Obj) -> list[Any]:
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    statuses = status.get("containerStatuses") or []
    total = len(spec.get("containers") or [])
    ready = sum(1 for cs in statuses if cs.get("ready"))
    restarts = sum(cs.get("restartCount", 0) for cs in statuses)
    last_restart = None
    for cs in statuses:
        finished = ((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
        if finished and (last_restart is None or finished > last_restart):
            last_restart = finished
    restarts_cell = str(restarts)
    if restarts and last_restart:
        restarts_cell = f"{restarts} ({p.age(last_restart)} ago)"
    gates = spec.get("readinessGates") or []
    gates_cell = "<none>"
    if gates:
        true = {c.get("type") for c in status.get("conditions") or [] if c.get("status") == "True"}
        gates_cell = f"{sum(1 for g in gates if g.get('conditionType') in true)}/{len(gates)}"
    return [
        pod["metadata"]["name"], f"{ready}/{total}", pod_status_reason(pod), restarts_cell,
        p.age(pod["metadata"].get("creationTimestamp")), status.get("podIP") or "<none>",
        spec.get("nodeName") or "<none>", status.get("nominatedNodeName") or "<none>", gates_cell,
    ]


def _deployment_row(p: Printer, d: Obj) -> list[Any]:
    spec, status = d.get("spec") or {}, d.get("status") or {}
    names, images = _containers((spec.get("template") or {}).get("spec") or {})
    return [
        d["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
        status.get("updatedReplicas", 0), status.get("availableReplicas", 0),
        p.age(d["metadata"].get("creationTimestamp")), names, images, _selector(spec.get("selector")),
    ]


def _replicaset_row(p: Printer, rs: Obj) -> list[Any]:
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    names, images = _containers((spec.get("template") or {}).get("spec") or {})
    return [
        rs["metadata"]["name"], spec.get("replicas", 0), status.get("replicas", 0), status.get("readyReplicas", 0),
        p.age(rs["metadata"].get("creationTimestamp")), names, images, _selector(spec.get("selector")),
    ]


def _daemonset_row(p: Printer, ds: Obj) -> list[Any]:
    spec, status = ds.get("spec") or {}, ds.get("status") or {}
    tspec = (spec.get("template") or {}).get("spec") or {}
    names, images = _containers(tspec)
    return [
        ds["metadata"]["name"], status.get("desiredNumberScheduled", 0), status.get("currentNumberScheduled", 0),
        status.get("numberReady", 0), status.get("updatedNumberScheduled", 0), status.get("numberAvailable", 0),
        _map_selector(tspec.get("nodeSelector")), p.age(ds["metadata"].get("creationTimestamp")), names, images,
        _selector(spec.get("selector")),
    ]


def _statefulset_row(p: Printer, sts: Obj) -> list[Any]:
    spec, status = sts.get("spec") or {}, sts.get("status") or {}
    names, images = _containers((spec.get("template") or {}).get("spec") or {})
    return [
        sts["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
        p.age(sts["metadata"].get("creationTimestamp")), names, images,
    ]


def _job_row(p: Printer, job: Obj) -> list[Any]:
    spec, status = job.get("spec") or {}, job.get("status") or {}
    names, images = _containers((spec.get("template") or {}).get("spec") or {})
    completions = spec.get("completions")
    done = f"{status.get('succeeded', 0)}/{completions}" if completions is not None else f"{status.get('succeeded', 0)}/1 of {spec.get('parallelism', 1)}"
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    if conditions.get("Complete") == "True":
        state = "Complete"
    elif conditions.get("Failed") == "True":
        state = "Failed"
    elif conditions.get("Suspended") == "True":
        state = "Suspended"
    elif conditions.get("FailureTarget") == "True":
        state = "FailureTarget"
    elif conditions.get("SuccessCriteriaMet") == "True":
        state = "SuccessCriteriaMet"
    else:
        state = "Running"
    duration = ""
    if status.get("startTime"):
        end = parse_rfc3339(status["completionTime"]) if status.get("completionTime") else p.now
        duration = human_duration((end - parse_rfc3339(status["startTime"])).total_seconds())
    return [
        job["metadata"]["name"], state, done, duration, p.age(job["metadata"].get("creationTimestamp")),
        names, images, _selector(spec.get("selector")),
    ]


def _ports(svc: Obj) -> str:
    parts = []
    for port in (svc.get("spec") or {}).get("ports") or []:
        text = f"{port.get('port')}"
        if port.get("nodePort"):
            text += f":{port['nodePort']}"
        parts.append(f"{text}/{port.get('protocol', 'TCP')}")
    return ",".join(parts) or "<none>"


def _service_row(p: Printer, svc: Obj) -> list[Any]:
    spec = svc.get("spec") or {}
    stype = spec.get("type", "ClusterIP")
    external = "<none>"
    if stype == "LoadBalancer":
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        external = ",".join(i.get("ip") or i.get("hostname", "") for i in ingress) or "<pending>"
    elif stype == "ExternalName":
        external = spec.get("externalName", "<none>")
    if spec.get("externalIPs"):
        external = ",".join(spec["externalIPs"])
    return [
        svc["metadata"]["name"], stype, spec.get("clusterIP") or "<none>", external, _ports(svc),
        p.age(svc["metadata"].get("creationTimestamp")), _map_selector(spec.get("selector")),
    ]


def _node_row(p: Printer, node: Obj) -> list[Any]:
    status = node.get("status") or {}
    ready = next((c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"), "Unknown")
    state = {"True": "Ready", "False": "NotReady"}.get(ready, "NotReady" if ready == "Unknown" else "Unknown")
    if (node.get("spec") or {}).get("unschedulable"):
        state += ",SchedulingDisabled"
    labels = node["metadata"].get("labels") or {}
    roles = sorted(k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/") and "/" in k)
    info = status.get("nodeInfo") or {}
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
    return [
        node["metadata"]["name"], state, ",".join(roles) or "<none>", p.age(node["metadata"].get("creationTimestamp")),
        info.get("kubeletVersion", ""), addresses.get("InternalIP", "<none>"), addresses.get("ExternalIP", "<none>"),
        info.get("osImage", "<unknown>"), info.get("kernelVersion", "<unknown>"), info.get("containerRuntimeVersion", "<unknown>"),
    ]


def _namespace_row(p: Printer, ns: Obj) -> list[Any]:
    phase = (ns.get("status") or {}).get("phase", "Active")
    if ns["metadata"].get("deletionTimestamp"):
        phase = "Terminating"
    return [ns["metadata"]["name"], phase, p.age(ns["metadata"].get("creationTimestamp"))]


def _endpoints_row(p: Printer, ep: Obj) -> list[Any]:
    pairs = []
    for subset in ep.get("subsets") or []:
        ports = subset.get("ports") or [{}]
        for address in subset.get("addresses") or []:
            for port in ports:
                pairs.append(f"{address.get('ip')}:{port['port']}" if port.get("port") else address.get("ip"))
    shown = ",".join(pairs[:3]) + (f" + {len(pairs) - 3} more..." if len(pairs) > 3 else "")
    return [ep["metadata"]["name"], shown or "<none>", p.age(ep["metadata"].get("creationTimestamp"))]


def _event_row(p: Printer, ev: Obj) -> list[Any]:
    involved = ev.get("involvedObject") or {}
    last = ev.get("lastTimestamp") or ev.get("eventTime") or ev["metadata"].get("creationTimestamp")
    first = ev.get("firstTimestamp") or last
    obj = f"{(involved.get('kind') or '').lower()}/{involved.get('name', '')}"
    source = (ev.get("source") or {}).get("component", "")
    if (ev.get("source") or {}).get("host"):
        source += f", {ev['source']['host']}"
    return [
        p.age(last), ev.get("type", ""), ev.get("reason", ""), obj, involved.get("fieldPath", ""), source,
        ev.get("message", "").strip(), p.age(first), ev.get("count", 1), ev["metadata"]["name"],
    ]


def _configmap_row(p: Printer, cm: Obj) -> list[Any]:
    return [cm["metadata"]["name"], len(cm.get("data") or {}) + len(cm.get("binaryData") or {}), p.age(cm["metadata"].get("creationTimestamp"))]


def _secret_row(p: Printer, s: Obj) -> list[Any]:
    return [s["metadata"]["name"], s.get("type", "Opaque"), len(s.get("data") or {}), p.age(s["metadata"].get("creationTimestamp"))]


def _lease_row(p: Printer, lease: Obj) -> list[Any]:
    return [lease["metadata"]["name"], (lease.get("spec") or {}).get("holderIdentity", ""), p.age(lease["metadata"].get("creationTimestamp"))]


def _pdb_row(p: Printer, pdb: Obj) -> list[Any]:
    spec = pdb.get("spec") or {}
    return [
        pdb["metadata"]["name"], str(spec["minAvailable"]) if spec.get("minAvailable") is not None else "N/A",
        str(spec["maxUnavailable"]) if spec.get("maxUnavailable") is not None else "N/A",
        (pdb.get("status") or {}).get("disruptionsAllowed", 0), p.age(pdb["metadata"].get("creationTimestamp")),
    ]


def _cronjob_row(p: Printer, cj: Obj) -> list[Any]:
    spec, status = cj.get("spec") or {}, cj.get("status") or {}
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    names, images = _containers((job_spec.get("template") or {}).get("spec") or {})
    last = p.age(status["lastScheduleTime"]) if status.get("lastScheduleTime") else "<none>"
    # printBoolPtr: a string, "True"/"False" (kubectl shows "False" as the tutorial does).
    suspend = "<unset>" if spec.get("suspend") is None else str(bool(spec["suspend"]))
    return [
        cj["metadata"]["name"], spec.get("schedule", ""), spec.get("timeZone") or "<none>", suspend,
        len(status.get("active") or []), last, p.age(cj["metadata"].get("creationTimestamp")),
        names, images, _selector(job_spec.get("selector")),
    ]


def _priorityclass_row(p: Printer, pc: Obj) -> list[Any]:
    return [pc["metadata"]["name"], pc.get("value", 0), bool(pc.get("globalDefault")),
            p.age(pc["metadata"].get("creationTimestamp")), pc.get("preemptionPolicy") or "PreemptLowerPriority"]


def _podtemplate_row(p: Printer, pt: Obj) -> list[Any]:
    template = pt.get("template") or {}
    names, images = _containers(template.get("spec") or {})
    return [pt["metadata"]["name"], names, images, _map_selector((template.get("metadata") or {}).get("labels"))]


def _controllerrevision_row(p: Printer, cr: Obj) -> list[Any]:
    controller = "<none>"
    for ref in cr["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            group = (ref.get("apiVersion") or "").rpartition("/")[0]
            controller = f"{(ref.get('kind') or '').lower()}{'.' + group if group else ''}/{ref.get('name', '')}"
    return [cr["metadata"]["name"], controller, cr.get("revision", 0), p.age(cr["metadata"].get("creationTimestamp"))]


def _hpa_target(spec: Obj, current: Obj | None) -> str:
    """formatHPAMetrics for one metric (Resource metrics; others by name)."""
    source = spec.get("resource") or {}
    name, target = source.get("name", ""), source.get("target") or {}
    now = ((current or {}).get("resource") or {}).get("current") or {}
    if target.get("type") == "Utilization":
        shown = f"{now['averageUtilization']}%" if now.get("averageUtilization") is not None else "<unknown>"
        return f"{name}: {shown}/{target.get('averageUtilization')}%"
    if spec.get("type") == "Resource":
        return f"{name}: {now.get('averageValue', '<unknown>')}/{target.get('averageValue', '')}"
    return f"<{spec.get('type', '').lower()} metric>"


def _hpa_row(p: Printer, hpa: Obj) -> list[Any]:
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    metrics = spec.get("metrics") or []
    current = status.get("currentMetrics") or []
    shown = [_hpa_target(m, current[i] if i < len(current) else None) for i, m in enumerate(metrics[:2])]
    targets = ", ".join(shown) + (f" + {len(metrics) - 2} more..." if len(metrics) > 2 else "") or "<none>"
    low = spec.get("minReplicas")
    return [hpa["metadata"]["name"], f"{ref.get('kind', '')}/{ref.get('name', '')}", targets,
            str(low) if low is not None else "<unset>", spec.get("maxReplicas", 0), status.get("currentReplicas", 0),
            p.age(hpa["metadata"].get("creationTimestamp"))]
_ACCESS_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}


def _access_modes(modes: list[str] | None) -> str:
    return ",".join(_ACCESS_MODES.get(m, m) for m in modes or [])


def _storageclass_row(p: Printer, sc: Obj) -> list[Any]:
    from kubeviz.apiserver.kinds.storage import is_default_class

    name = sc["metadata"]["name"] + (" (default)" if is_default_class(sc) else "")
    return [name, sc.get("provisioner", ""), sc.get("reclaimPolicy", "Delete"), sc.get("volumeBindingMode", "Immediate"),
            bool(sc.get("allowVolumeExpansion")), p.age(sc["metadata"].get("creationTimestamp"))]


def _pv_row(p: Printer, pv: Obj) -> list[Any]:
    spec, status = pv.get("spec") or {}, pv.get("status") or {}
    ref = spec.get("claimRef") or {}
    claim = f"{ref.get('namespace')}/{ref.get('name')}" if ref.get("name") else ""
    phase = "Terminating" if pv["metadata"].get("deletionTimestamp") else status.get("phase", "")
    return [pv["metadata"]["name"], (spec.get("capacity") or {}).get("storage", ""), _access_modes(spec.get("accessModes")),
            spec.get("persistentVolumeReclaimPolicy", ""), phase, claim, spec.get("storageClassName", ""),
            spec.get("volumeAttributesClassName") or "<unset>", status.get("reason", ""),
            p.age(pv["metadata"].get("creationTimestamp")), spec.get("volumeMode", "Filesystem")]


def _pvc_row(p: Printer, pvc: Obj) -> list[Any]:
    spec, status = pvc.get("spec") or {}, pvc.get("status") or {}
    phase = "Terminating" if pvc["metadata"].get("deletionTimestamp") else status.get("phase", "")
    bound = bool(spec.get("volumeName")) and phase != "Pending"
    return [pvc["metadata"]["name"], phase, spec.get("volumeName", ""),
            (status.get("capacity") or {}).get("storage", "") if bound else "",
            _access_modes(status.get("accessModes")) if bound else "", spec.get("storageClassName", "") or "",
            spec.get("volumeAttributesClassName") or "<unset>", p.age(pvc["metadata"].get("creationTimestamp")),
            spec.get("volumeMode", "Filesystem")]


def _ingressclass_row(p: Printer, ic: Obj) -> list[Any]:
    params = (ic.get("spec") or {}).get("parameters")
    shown = "<none>"
    if params:
        shown = f"{params.get('kind', '')}.{params.get('apiGroup', '')}/{params.get('name', '')}" if params.get("apiGroup") else \
            f"{params.get('kind', '')}/{params.get('name', '')}"
    return [ic["metadata"]["name"], (ic.get("spec") or {}).get("controller", ""), shown, p.age(ic["metadata"].get("creationTimestamp"))]


def _ingress_row(p: Printer, ing: Obj) -> list[Any]:
    spec = ing.get("spec") or {}
    hosts = ",".join(r.get("host") or "*" for r in spec.get("rules") or []) or "*"
    addresses = ",".join(i.get("ip") or i.get("hostname") or "" for i in ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") or [])
    return [ing["metadata"]["name"], spec.get("ingressClassName") or "<none>", hosts, addresses,
            "80, 443" if spec.get("tls") else "80", p.age(ing["metadata"].get("creationTimestamp"))]


def _networkpolicy_row(p: Printer, np: Obj) -> list[Any]:
    return [np["metadata"]["name"], _selector((np.get("spec") or {}).get("podSelector")), p.age(np["metadata"].get("creationTimestamp"))]


def _default_row(p: Printer, obj: Obj) -> list[Any]:
    return [obj["metadata"]["name"], p.age(obj["metadata"].get("creationTimestamp"))]


TABLES: dict[str, tuple[list[Column], Callable[[Printer, Obj], list[Any]]]] = {
    "Pod": ([("Name", "string", 0), ("Ready", "string", 0), ("Status", "string", 0), ("Restarts", "string", 0),
             ("Age", "string", 0), ("IP", "string", 1), ("Node", "string", 1), ("Nominated Node", "string", 1),
             ("Readiness Gates", "string", 1)], _pod_row),
    "Deployment": ([("Name", "string", 0), ("Ready", "string", 0), ("Up-to-date", "integer", 0), ("Available", "integer", 0),
                    ("Age", "string", 0), ("Containers", "string", 1), ("Images", "string", 1), ("Selector", "string", 1)], _deployment_row),
    "ReplicaSet": ([("Name", "string", 0), ("Desired", "integer", 0), ("Current", "integer", 0), ("Ready", "integer", 0),
                    ("Age", "string", 0), ("Containers", "string", 1), ("Images", "string", 1), ("Selector", "string", 1)], _replicaset_row),
    "DaemonSet": ([("Name", "string", 0), ("Desired", "integer", 0), ("Current", "integer", 0), ("Ready", "integer", 0),
                   ("Up-to-date", "integer", 0), ("Available", "integer", 0), ("Node Selector", "string", 0), ("Age", "string", 0),
                   ("Containers", "string", 1), ("Images", "string", 1), ("Selector", "string", 1)], _daemonset_row),
    "StatefulSet": ([("Name", "string", 0), ("Ready", "string", 0), ("Age", "string", 0), ("Containers", "string", 1),
                     ("Images", "string", 1)], _statefulset_row),
    "Job": ([("Name", "string", 0), ("Status", "string", 0), ("Completions", "string", 0), ("Duration", "string", 0),
             ("Age", "string", 0), ("Containers", "string", 1), ("Images", "string", 1), ("Selector", "string", 1)], _job_row),
    "CronJob": ([("Name", "string", 0), ("Schedule", "string", 0), ("Timezone", "string", 0), ("Suspend", "boolean", 0),
                 ("Active", "integer", 0), ("Last Schedule", "string", 0), ("Age", "string", 0), ("Containers", "string", 1),
                 ("Images", "string", 1), ("Selector", "string", 1)], _cronjob_row),
    "HorizontalPodAutoscaler": ([("Name", "string", 0), ("Reference", "string", 0), ("Targets", "string", 0),
                                 ("MinPods", "string", 0), ("MaxPods", "integer", 0), ("Replicas", "integer", 0),
                                 ("Age", "string", 0)], _hpa_row),
    "PriorityClass": ([("Name", "string", 0), ("Value", "integer", 0), ("Global-Default", "boolean", 0), ("Age", "string", 0),
                       ("PreemptionPolicy", "string", 0)], _priorityclass_row),
    "PodTemplate": ([("Name", "string", 0), ("Containers", "string", 0), ("Images", "string", 0),
                     ("Pod Labels", "string", 0)], _podtemplate_row),
    "ControllerRevision": ([("Name", "string", 0), ("Controller", "string", 0), ("Revision", "integer", 0),
                            ("Age", "string", 0)], _controllerrevision_row),
    "Service": ([("Name", "string", 0), ("Type", "string", 0), ("Cluster-IP", "string", 0), ("External-IP", "string", 0),
                 ("Port(s)", "string", 0), ("Age", "string", 0), ("Selector", "string", 1)], _service_row),
    "Node": ([("Name", "string", 0), ("Status", "string", 0), ("Roles", "string", 0), ("Age", "string", 0), ("Version", "string", 0),
              ("Internal-IP", "string", 1), ("External-IP", "string", 1), ("OS-Image", "string", 1), ("Kernel-Version", "string", 1),
              ("Container-Runtime", "string", 1)], _node_row),
    "Namespace": ([("Name", "string", 0), ("Status", "string", 0), ("Age", "string", 0)], _namespace_row),
    "Endpoints": ([("Name", "string", 0), ("Endpoints", "string", 0), ("Age", "string", 0)], _endpoints_row),
    "Event": ([("Last Seen", "string", 0), ("Type", "string", 0), ("Reason", "string", 0), ("Object", "string", 0),
               ("Subobject", "string", 1), ("Source", "string", 1), ("Message", "string", 0), ("First Seen", "string", 1),
               ("Count", "string", 1), ("Name", "string", 1)], _event_row),
    "ConfigMap": ([("Name", "string", 0), ("Data", "string", 0), ("Age", "string", 0)], _configmap_row),
    "Secret": ([("Name", "string", 0), ("Type", "string", 0), ("Data", "string", 0), ("Age", "string", 0)], _secret_row),
    "Lease": ([("Name", "string", 0), ("Holder", "string", 0), ("Age", "string", 0)], _lease_row),
    "PodDisruptionBudget": ([("Name", "string", 0), ("Min Available", "string", 0), ("Max Unavailable", "string", 0),
                             ("Allowed Disruptions", "integer", 0), ("Age", "string", 0)], _pdb_row),
    "StorageClass": ([("Name", "string", 0), ("Provisioner", "string", 0), ("ReclaimPolicy", "string", 0),
                      ("VolumeBindingMode", "string", 0), ("AllowVolumeExpansion", "string", 0), ("Age", "string", 0)], _storageclass_row),
    "PersistentVolume": ([("Name", "string", 0), ("Capacity", "string", 0), ("Access Modes", "string", 0), ("Reclaim Policy", "string", 0),
                          ("Status", "string", 0), ("Claim", "string", 0), ("StorageClass", "string", 0),
                          ("VolumeAttributesClass", "string", 0), ("Reason", "string", 0), ("Age", "string", 0),
                          ("VolumeMode", "string", 1)], _pv_row),
    "PersistentVolumeClaim": ([("Name", "string", 0), ("Status", "string", 0), ("Volume", "string", 0), ("Capacity", "string", 0),
                               ("Access Modes", "string", 0), ("StorageClass", "string", 0), ("VolumeAttributesClass", "string", 0),
                               ("Age", "string", 0), ("VolumeMode", "string", 1)], _pvc_row),
    "IngressClass": ([("Name", "string", 0), ("Controller", "string", 0), ("Parameters", "string", 0), ("Age", "string", 0)], _ingressclass_row),
    "Ingress": ([("Name", "string", 0), ("Class", "string", 0), ("Hosts", "string", 0), ("Address", "string", 0),
                 ("Ports", "string", 0), ("Age", "string", 0)], _ingress_row),
    "NetworkPolicy": ([("Name", "string", 0), ("Pod-Selector", "string", 0), ("Age", "string", 0)], _networkpolicy_row),
}
DEFAULT: tuple[list[Column], Callable[[Printer, Obj], list[Any]]] = ([("Name", "string", 0), ("Age", "string", 0)], _default_row)


def wants_table(accept: str) -> bool:
    return "as=Table" in (accept or "")


def _partial(obj: Obj) -> Obj:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}


def table_of(kind: str, objects: list[Obj], now: datetime, resource_version: str, continue_: str = "",
             include_object: str = "Metadata") -> Obj:
    columns, row = TABLES.get(kind, DEFAULT)
    printer = Printer(now)
    rows = []
    for obj in objects:
        entry: Obj = {"cells": row(printer, obj)}
        if include_object == "Object":
            entry["object"] = obj
        elif include_object != "None":
            entry["object"] = _partial(obj)
        rows.append(entry)
    meta: Obj = {"resourceVersion": resource_version}
    if continue_:
        meta["continue"] = continue_
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": [
            {"name": name, "type": ctype, "format": "name" if name == "Name" else "", "description": "", "priority": priority}
            for name, ctype, priority in columns
        ],
        "rows": rows,
    }
