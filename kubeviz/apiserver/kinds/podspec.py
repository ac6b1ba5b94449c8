"""Pod spec defaulting and validation, shared by Pod and every kind with a pod template."""
from __future__ import annotations

from typing import Any

from .. import validation as v
from ..quantity import QuantityError, parse_quantity

RESTART_POLICIES = ["Always", "OnFailure", "Never"]
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
PROTOCOLS = ["TCP", "UDP", "SCTP"]
DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]


def image_pull_policy(image: str) -> str:
    """``:latest`` or no tag pulls Always, anything else IfNotPresent (SetDefaults_Container)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if "@" in image:
        return "IfNotPresent"
    if ":" not in last:
        return "Always"
    return "Always" if last.rsplit(":", 1)[1] == "latest" else "IfNotPresent"


def default_container(c: dict[str, Any]) -> None:
    if isinstance(c.get("image"), str) and c["image"] and not c.get("imagePullPolicy"):
        c["imagePullPolicy"] = image_pull_policy(c["image"])
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    resources = c.setdefault("resources", {})
    if resources is None:
        resources = c["resources"] = {}
    limits = resources.get("limits") or {}
    if limits:
        requests = resources.setdefault("requests", {})
        for name, value in limits.items():
            requests.setdefault(name, value)
    for port in c.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        p = c.get(probe)
        if isinstance(p, dict):
            p.setdefault("timeoutSeconds", 1)
            p.setdefault("periodSeconds", 10)
            p.setdefault("successThreshold", 1)
            p.setdefault("failureThreshold", 3)
            http = p.get("httpGet")
            if isinstance(http, dict):
                http.setdefault("path", "/")
                http.setdefault("scheme", "HTTP")


def default_pod_spec(spec: dict[str, Any]) -> None:
    """SetDefaults_PodSpec and SetDefaults_Container."""
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("securityContext", {})
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        if isinstance(c, dict):
            default_container(c)


def _validate_resources(res: Any, field: str) -> list[v.FieldError]:
    errs: list[v.FieldError] = []
    if res is None:
        return errs
    if not isinstance(res, dict):
        return [v.invalid(field, res, "must be an object")]
    limits = res.get("limits") or {}
    requests = res.get("requests") or {}
    for kind, values in (("limits", limits), ("requests", requests)):
        for name, value in values.items():
            errs += v.quantity(value, f"{field}.{kind}[{name}]")
    for name, value in requests.items():
        if name in limits:
            try:
                if parse_quantity(value) > parse_quantity(limits[name]):
                    errs.append(v.invalid(
                        f"{field}.requests", value,
                        f"must be less than or equal to {name} limit of {limits[name]}",
                    ))
            except QuantityError:
                pass
    return errs


def validate_containers(containers: Any, field: str, required: bool) -> list[v.FieldError]:
    errs: list[v.FieldError] = []
    if not containers:
        return [v.required(field)] if required else []
    if not isinstance(containers, list):
        return [v.invalid(field, containers, "must be a list of containers")]
    names: set[str] = set()
    for i, c in enumerate(containers):
        f = f"{field}[{i}]"
        if not isinstance(c, dict):
            errs.append(v.invalid(f, c, "must be an object"))
            continue
        name = c.get("name")
        if not name:
            errs.append(v.required(f"{f}.name"))
        elif not isinstance(name, str):
            errs.append(v.invalid(f"{f}.name", name, "must be a string"))
        else:
            for msg in v.dns1123_label(name):
                errs.append(v.invalid(f"{f}.name", name, msg))
            if name in names:
                errs.append(v.duplicate(f"{f}.name", name))
            names.add(name)
        image = c.get("image")
        if not image or (isinstance(image, str) and not image.strip()):
            errs.append(v.required(f"{f}.image"))
        elif not isinstance(image, str):
            errs.append(v.invalid(f"{f}.image", image, "must be a string"))
        policy = c.get("imagePullPolicy")
        if policy and policy not in PULL_POLICIES:
            errs.append(v.not_supported(f"{f}.imagePullPolicy", policy, PULL_POLICIES))
        port_names: set[str] = set()
        for j, p in enumerate(c.get("ports") or []):
            pf = f"{f}.ports[{j}]"
            if not isinstance(p, dict):
                errs.append(v.invalid(pf, p, "must be an object"))
                continue
            if "containerPort" not in p:
                errs.append(v.required(f"{pf}.containerPort"))
            else:
                errs += v.port_number(p["containerPort"], f"{pf}.containerPort")
            if "hostPort" in p and p["hostPort"] not in (0, None):
                errs += v.port_number(p["hostPort"], f"{pf}.hostPort")
            if p.get("protocol") and p["protocol"] not in PROTOCOLS:
                errs.append(v.not_supported(f"{pf}.protocol", p["protocol"], PROTOCOLS))
            if p.get("name"):
                for msg in v.port_name(str(p["name"])):
                    errs.append(v.invalid(f"{pf}.name", p["name"], msg))
                if p["name"] in port_names:
                    errs.append(v.duplicate(f"{pf}.name", p["name"]))
                port_names.add(p["name"])
        for j, e in enumerate(c.get("env") or []):
            if not isinstance(e, dict) or not e.get("name"):
                errs.append(v.required(f"{f}.env[{j}].name"))
        errs += _validate_resources(c.get("resources"), f"{f}.resources")
    return errs


def validate_pod_spec(spec: Any, field: str) -> list[v.FieldError]:
    if not isinstance(spec, dict):
        return [v.required(field)]
    errs = validate_containers(spec.get("containers"), f"{field}.containers", True)
    errs += validate_containers(spec.get("initContainers"), f"{field}.initContainers", False)
    rp = spec.get("restartPolicy")
    if rp not in RESTART_POLICIES:
        errs.append(v.not_supported(f"{field}.restartPolicy", rp, RESTART_POLICIES))
    dp = spec.get("dnsPolicy")
    if dp not in DNS_POLICIES:
        errs.append(v.not_supported(f"{field}.dnsPolicy", dp, DNS_POLICIES))
    grace = spec.get("terminationGracePeriodSeconds")
    if grace is not None:
        errs += v.non_negative(grace, f"{field}.terminationGracePeriodSeconds")
    node_selector = spec.get("nodeSelector")
    if node_selector is not None:
        errs += v.validate_labels(node_selector, f"{field}.nodeSelector")
    node_name = spec.get("nodeName")
    if node_name:
        for msg in v.dns1123_subdomain(str(node_name)):
            errs.append(v.invalid(f"{field}.nodeName", node_name, msg))
    for i, t in enumerate(spec.get("tolerations") or []):
        tf = f"{field}.tolerations[{i}]"
        if not isinstance(t, dict):
            errs.append(v.invalid(tf, t, "must be an object"))
            continue
        op = t.get("operator", "Equal")
        if op not in ("Equal", "Exists"):
            errs.append(v.not_supported(f"{tf}.operator", op, ["Equal", "Exists"]))
        if op == "Exists" and t.get("value"):
            errs.append(v.invalid(f"{tf}.operator", t.get("value"), "value must be empty when `operator` is 'Exists'"))
        eff = t.get("effect")
        if eff and eff not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            errs.append(v.not_supported(f"{tf}.effect", eff, ["NoExecute", "NoSchedule", "PreferNoSchedule"]))
    return errs


def validate_template(template: Any, field: str, selector: Any) -> list[v.FieldError]:
    """A pod template: labels valid and selected by ``selector``, a valid pod spec."""
    from ..selectors import from_label_selector_object

    if not isinstance(template, dict):
        return [v.required(field)]
    errs: list[v.FieldError] = []
    meta = template.get("metadata") or {}
    labels = meta.get("labels") or {}
    errs += v.validate_labels(labels, f"{field}.metadata.labels")
    if isinstance(selector, dict) and (selector.get("matchLabels") or selector.get("matchExpressions")):
        if not from_label_selector_object(selector).matches(labels):
            errs.append(v.invalid(
                f"{field}.metadata.labels", labels, "`selector` does not match template `labels`"
            ))
    errs += validate_pod_spec(template.get("spec"), f"{field}.spec")
    return errs


def validate_selector(selector: Any, field: str) -> list[v.FieldError]:
    if not isinstance(selector, dict):
        return [v.required(field)]
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        return [v.invalid(field, selector, "empty selector is invalid for deployment")]
    errs = v.validate_labels(selector.get("matchLabels"), f"{field}.matchLabels")
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        op = (expr or {}).get("operator")
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            errs.append(v.not_supported(f"{field}.matchExpressions[{i}].operator", op, ["In", "NotIn", "Exists", "DoesNotExist"]))
    return errs


def default_template(template: Any) -> None:
    if isinstance(template, dict):
        meta = template.setdefault("metadata", {})
        if isinstance(meta, dict):
            meta.setdefault("creationTimestamp", None)
        spec = template.get("spec")
        if isinstance(spec, dict):
            default_pod_spec(spec)


def qos_class(spec: dict[str, Any]) -> str:
    """Guaranteed when every container sets equal cpu and memory requests and limits."""
    containers = (spec.get("containers") or []) + (spec.get("initContainers") or [])
    any_set = False
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        req = res.get("requests") or {}
        lim = res.get("limits") or {}
        if req or lim:
            any_set = True
        for name in ("cpu", "memory"):
            if name not in lim or req.get(name, lim.get(name)) != lim.get(name):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"
