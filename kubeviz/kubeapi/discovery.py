"""Discovery documents: the legacy formats (APIVersions, APIGroupList, APIResourceList)
and aggregated discovery (APIGroupDiscoveryList, v2 and v2beta1), which client-go asks
for first and which answers every group in one request."""
from __future__ import annotations

import re
from typing import Any

from kubeviz.apiserver import errors
from kubeviz.apiserver.resources import all_resources
from kubeviz.apiserver.strategy import Strategy

SERVER_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0-kubeviz",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.23.4",
    "compiler": "gc",
    "platform": "linux/amd64",
}

# The checks kube-apiserver lists under /healthz, /livez and /readyz (?verbose), the ones
# that mean something here: the store answers, the informers have synced, no shutdown.
_HEALTH = ["ping", "log", "etcd", "poststarthook/start-apiserver-admission-initializer",
           "poststarthook/generic-apiserver-start-informers"]


def health_checks(endpoint: str) -> list[str]:
    """The named checks of one health endpoint, in kube-apiserver's order."""
    if endpoint == "readyz":
        return _HEALTH[:3] + ["etcd-readiness", "informer-sync"] + _HEALTH[3:] + ["shutdown"]
    return list(_HEALTH)


# Subresources and what they accept (kind and verbs), as the real API server lists them.
_SUBRESOURCE_DOCS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    # name: (group, version, kind, verbs); empty group/version means the parent's.
    "status": ("", "", "", ("get", "patch", "update")),
    "scale": ("autoscaling", "v1", "Scale", ("get", "patch", "update")),
    "binding": ("", "", "Binding", ("create",)),
    "eviction": ("policy", "v1", "Eviction", ("create",)),
    "log": ("", "", "Pod", ("get",)),
    "exec": ("", "", "PodExecOptions", ("create", "get")),
    "attach": ("", "", "PodAttachOptions", ("create", "get")),
    "portforward": ("", "", "PodPortForwardOptions", ("create", "get")),
    "proxy": ("", "", "", ("create", "delete", "get", "patch", "update")),
    "finalize": ("", "", "Namespace", ("update",)),
    "ephemeralcontainers": ("", "", "Pod", ("get", "patch", "update")),
    "token": ("authentication.k8s.io", "v1", "TokenRequest", ("create",)),
}


# Kinds a course meets that kubeviz does not serve yet. kubectl resolves a manifest's kind
# through discovery before it sends anything, so a kind missing there fails inside kubectl
# with "no matches for kind"; listed here, kubectl sends the request and shows the API
# server's plain answer (handlers.UNSERVED_MESSAGE). A kind disappears from this list
# by itself once a strategy serves it.
_UNSERVED = [
    # (group, version, kind, plural, namespaced)
    ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True),
    ("", "v1", "PersistentVolume", "persistentvolumes", False),
    ("", "v1", "ServiceAccount", "serviceaccounts", True),
    ("", "v1", "ResourceQuota", "resourcequotas", True),
    ("", "v1", "LimitRange", "limitranges", True),
    ("", "v1", "PodTemplate", "podtemplates", True),
    ("", "v1", "ReplicationController", "replicationcontrollers", True),
    ("apps", "v1", "ControllerRevision", "controllerrevisions", True),
    ("batch", "v1", "CronJob", "cronjobs", True),
    ("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", True),
    ("networking.k8s.io", "v1", "IngressClass", "ingressclasses", False),
    ("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
    ("storage.k8s.io", "v1", "StorageClass", "storageclasses", False),
    ("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", False),
]


def unserved() -> list[Strategy]:
    """The kinds of ``_UNSERVED`` no strategy serves (yet), shaped like strategies so that
    discovery lists them; every request for them gets the plain refusal."""
    served = {(s.group, s.kind) for s in all_resources()}
    return [
        Strategy(kind=kind, plural=plural, singular=kind.lower(), group=group, version=version,
                 namespaced=namespaced, subresources=(), verbs=("create", "get", "list", "patch"))
        for group, version, kind, plural, namespaced in _UNSERVED if (group, kind) not in served
    ]


def unserved_kind(group: str, version: str, plural: str) -> Strategy | None:
    return next((s for s in unserved() if (s.group, s.version, s.plural) == (group, version, plural)), None)


def _listed() -> list[Strategy]:
    return all_resources() + unserved()


def group_versions() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in _listed():
        versions = out.setdefault(s.group, [])
        if s.version not in versions:
            versions.append(s.version)
    return out


# The resource metrics API: an APIService that a real API server proxies to
# metrics-server; kubeviz serves it itself (kubeviz/metrics), read-only.
METRICS_GROUP, METRICS_VERSION = "metrics.k8s.io", "v1beta1"
_METRICS_RESOURCES = [
    {"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics", "verbs": ["get", "list"]},
    {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics", "verbs": ["get", "list"]},
]


def _served_groups() -> dict[str, list[str]]:
    return {**{g: vs for g, vs in group_versions().items() if g}, METRICS_GROUP: [METRICS_VERSION]}


def api_versions() -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:8000"}],
    }


def _group_doc(group: str, versions: list[str]) -> dict[str, Any]:
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list() -> dict[str, Any]:
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group_doc(g, vs) for g, vs in sorted(_served_groups().items())],
    }


def api_group(group: str) -> dict[str, Any]:
    versions = _served_groups().get(group)
    if not group or not versions:
        raise errors.StatusError(404, "NotFound", "the server could not find the requested resource")
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_doc(group, versions)}


def _resource_doc(s: Strategy) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": s.plural,
        "singularName": s.singular,
        "namespaced": s.namespaced,
        "kind": s.kind,
        "verbs": list(s.verbs),
        "storageVersionHash": "",
    }
    if s.short_names:
        doc["shortNames"] = list(s.short_names)
    if s.categories:
        doc["categories"] = list(s.categories)
    return doc


def _subresource_doc(s: Strategy, sub: str) -> dict[str, Any]:
    group, version, kind, verbs = _SUBRESOURCE_DOCS[sub]
    doc: dict[str, Any] = {
        "name": f"{s.plural}/{sub}",
        "singularName": "",
        "namespaced": s.namespaced,
        "kind": kind or s.kind,
        "verbs": list(verbs),
    }
    if group:
        doc["group"] = group
        doc["version"] = version
    return doc


def api_resource_list(group: str, version: str) -> dict[str, Any]:
    if (group, version) == (METRICS_GROUP, METRICS_VERSION):
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}",
                "resources": [dict(r) for r in _METRICS_RESOURCES]}
    served = [s for s in _listed() if s.group == group and s.version == version]
    if not served:
        raise errors.StatusError(404, "NotFound", "the server could not find the requested resource")
    resources = []
    for s in sorted(served, key=lambda s: s.plural):
        resources.append(_resource_doc(s))
        for sub in s.subresources:
            resources.append(_subresource_doc(s, sub))
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


# ---- aggregated discovery (apidiscovery.k8s.io) ------------------------------------------

AGGREGATED_VERSIONS = ("v2", "v2beta1")


def aggregated_version(accept: str) -> str | None:
    """The apidiscovery.k8s.io version a client asks for first (kubectl ≥ 1.30 asks for v2,
    1.26–1.29 for v2beta1, each before plain JSON), or None for the legacy documents."""
    for media in accept.split(","):
        params = dict(p.strip().split("=", 1) for p in media.split(";")[1:] if "=" in p)
        if params.get("g") == "apidiscovery.k8s.io" and params.get("as") == "APIGroupDiscoveryList":
            if params.get("v") in AGGREGATED_VERSIONS:
                return params["v"]
        elif media.split(";")[0].strip() in ("application/json", "*/*"):
            return None
    return None


def aggregated_content_type(version: str) -> str:
    return f"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"


def _aggregated_resource(s: Strategy) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "resource": s.plural,
        "responseKind": {"group": s.group, "version": s.version, "kind": s.kind},
        "scope": "Namespaced" if s.namespaced else "Cluster",
        "singularResource": s.singular,
        "verbs": list(s.verbs),
    }
    if s.short_names:
        doc["shortNames"] = list(s.short_names)
    if s.categories:
        doc["categories"] = list(s.categories)
    subs = []
    for sub in s.subresources:
        group, version, kind, verbs = _SUBRESOURCE_DOCS[sub]
        subs.append({
            "subresource": sub,
            "responseKind": {"group": group if version else s.group, "version": version or s.version, "kind": kind or s.kind},
            "verbs": list(verbs),
        })
    if subs:
        doc["subresources"] = subs
    return doc


def _version_priority(version: str) -> tuple[int, int, int]:
    """Kubernetes' version order, preferred first: GA before beta before alpha, higher
    numbers first (v2, v1, v1beta1…), as kube-apiserver lists a group's versions."""


    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if m is None:
        return (3, 0, 0)
    stability = {"": 0, "beta": 1, "alpha": 2}[m.group(2) or ""]
    return (stability, -int(m.group(1)), -int(m.group(3) or 0))


def aggregated_discovery(version: str, *, core: bool) -> dict[str, Any]:
    """The APIGroupDiscoveryList of /api (core) or /apis (every named group): every
    group, version and resource in one document, as kube-apiserver answers it."""
    groups: dict[str, dict[str, list[Strategy]]] = {}
    for s in _listed():
        if (s.group == "") == core:
            groups.setdefault(s.group, {}).setdefault(s.version, []).append(s)
    items = []
    for group in sorted(groups):
        metadata: dict[str, Any] = {"creationTimestamp": None}
        if group:
            metadata["name"] = group
        versions = [
            {"version": v, "resources": [_aggregated_resource(s) for s in sorted(ss, key=lambda s: s.plural)],
             "freshness": "Current"}
            for v, ss in sorted(groups[group].items(), key=lambda item: _version_priority(item[0]))
        ]
        items.append({"metadata": metadata, "versions": versions})
    if not core:
        items.append({"metadata": {"name": METRICS_GROUP, "creationTimestamp": None}, "versions": [{
            "version": METRICS_VERSION, "freshness": "Current",
            "resources": [{"resource": r["name"], "responseKind": {"group": METRICS_GROUP, "version": METRICS_VERSION,
                                                                    "kind": r["kind"]},
                           "scope": "Namespaced" if r["namespaced"] else "Cluster", "singularResource": "",
                           "verbs": list(r["verbs"])} for r in _METRICS_RESOURCES],
        }]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": f"apidiscovery.k8s.io/{version}", "metadata": {}, "items": items}
