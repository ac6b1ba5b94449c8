"""Pod spec defaulting and validation, shared by Pod and every kind with a pod template."""
from __future__ import annotations

from typing import Any

from .. import validation as v
from ..quantity import QuantityError, parse_quantity

RESTART_POLICIES = ["Always", "OnFailure", "Never"]
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
PROTOCOLS = ["TCP", "UDP", "SCTP"]
DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]


def set_default(d: dict[str, Any], key: str, value: Any) -> Any:
    """Fill ``key`` when it is missing or null: a JSON null decodes to Go's zero value (or
    a nil pointer), which SetDefaults_* then fills, so ``replicas: null`` becomes 1."""
    if d.get(key) is None:
        d[key] = value
    return d[key]


def image_pull_policy(image: str) -> str:
    """Always for the tag ``latest`` or for no tag and no digest, else IfNotPresent
    (SetDefaults_Container with parsers.ParseImageName)."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else ""
    if not tag and not digest:
        tag = "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def default_container(c: dict[str, Any]) -> None:
    if isinstance(c.get("image"), str) and c["image"] and not c.get("imagePullPolicy"):
        c["imagePullPolicy"] = image_pull_policy(c["image"])
    set_default(c, "terminationMessagePath", "/dev/termination-log")
    set_default(c, "terminationMessagePolicy", "File")
    set_default(c, "resources", {})
    for port in c.get("ports") or []:
        if isinstance(port, dict):
            set_default(port, "protocol", "TCP")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        p = c.get(probe)
        if isinstance(p, dict):
            set_default(p, "timeoutSeconds", 1)
            set_default(p, "periodSeconds", 10)
            set_default(p, "successThreshold", 1)
            set_default(p, "failureThreshold", 3)
            http = p.get("httpGet")
            if isinstance(http, dict):
                set_default(http, "path", "/")
                set_default(http, "scheme", "HTTP")


def default_requests_from_limits(spec: dict[str, Any]) -> None:
    """SetDefaults_Pod: a limit without a request sets the request. Kubernetes does this on
    a Pod only, "not a v1.PodTemplate", so a Deployment's template keeps limits alone."""
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        if not isinstance(c, dict) or not isinstance(c.get("resources"), dict):
            continue
        resources = c["resources"]
        limits = resources.get("limits")
        if isinstance(limits, dict) and limits:
            requests = set_default(resources, "requests", {})
            if isinstance(requests, dict):
                for name, value in limits.items():
                    requests.setdefault(name, value)


def default_pod_spec(spec: dict[str, Any]) -> None:
    """SetDefaults_PodSpec and SetDefaults_Container."""
    set_default(spec, "restartPolicy", "Always")
    set_default(spec, "dnsPolicy", "ClusterFirst")
    set_default(spec, "terminationGracePeriodSeconds", 30)
    set_default(spec, "schedulerName", "default-scheduler")
    set_default(spec, "securityContext", {})
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
            if p.get("containerPort") in (None, 0):
                # validateContainerPorts: 0 (Go's zero value) is "Required", not out of range.
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
    deadline = spec.get("activeDeadlineSeconds")
    if isinstance(deadline, int) and not 1 <= deadline <= 4294967295:
        errs.append(v.invalid(f"{field}.activeDeadlineSeconds", deadline, "must be between 1 and 4294967295, inclusive"))
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


QOS_RESOURCES = ("cpu", "memory")


def qos_class(spec: dict[str, Any]) -> str:
    """ComputePodQOS (pkg/apis/core/helper/qos): only cpu and memory count, quantities are
    compared by value, and a limit without a request counts as that request (the Pod
    defaulting above). Guaranteed needs cpu and memory limits on every container with
    requests equal to limits; nothing set at all is BestEffort; the rest is Burstable."""
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    guaranteed = True
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        res = (c.get("resources") if isinstance(c, dict) else None) or {}
        c_limits = res.get("limits") or {}
        c_requests = {**c_limits, **(res.get("requests") or {})}
        found = set()
        for values, total, is_limit in ((c_requests, requests, False), (c_limits, limits, True)):
            for name, value in values.items():
                if name not in QOS_RESOURCES:
                    continue
                try:
                    q = parse_quantity(value)
                except QuantityError:
                    continue
                if q > 0:
                    total[name] = total.get(name, 0) + q
                    if is_limit:
                        found.add(name)
        if not found.issuperset(QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and requests == limits:
        return "Guaranteed"
    return "Burstable"
