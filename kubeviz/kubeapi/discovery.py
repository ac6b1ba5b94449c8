"""Discovery documents in the legacy formats (APIVersions, APIGroupList, APIResourceList).

client-go asks for aggregated discovery first; answering plain ``application/json`` with
these documents makes it fall back cleanly (client-go/discovery/discovery_client.go).
"""
from __future__ import annotations

from typing import Any

from kubeviz.apiserver import errors
from kubeviz.apiserver.resources import all_resources, group_versions
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
}


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
    served = [s for s in all_resources() if s.group == group and s.version == version]
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
