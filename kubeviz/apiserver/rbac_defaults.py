"""The default ClusterRoles and bindings every API server creates at start
(plugin/pkg/auth/authorizer/rbac/bootstrappolicy), the user-facing ones and the few
system ones every authenticated user needs. admin, edit and view are aggregated, as in
Kubernetes: their rules come from the ``aggregate-to-*`` roles, so a new ClusterRole with
the label ``rbac.authorization.k8s.io/aggregate-to-view: "true"`` extends view. Their rules
here are a shortened list of the real ones covering the kinds kubeviz serves.
"""
from __future__ import annotations

from typing import Any

from kubeviz.clusters.models import Cluster

from . import errors, registry
from .resources import by_plural

Obj = dict[str, Any]
READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
_META = {"labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
         "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}}

_VIEW_RULES = [
    {"apiGroups": [""], "verbs": READ, "resources": [
        "configmaps", "endpoints", "persistentvolumeclaims", "pods", "replicationcontrollers", "serviceaccounts",
        "services", "services/status", "events", "limitranges", "namespaces", "namespaces/status", "pods/log",
        "pods/status", "resourcequotas", "resourcequotas/status", "bindings"]},
    {"apiGroups": ["apps"], "verbs": READ, "resources": [
        "controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
        "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets",
        "statefulsets/scale", "statefulsets/status"]},
    {"apiGroups": ["batch"], "verbs": READ, "resources": ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]},
    {"apiGroups": ["policy"], "verbs": READ, "resources": ["poddisruptionbudgets", "poddisruptionbudgets/status"]},
    {"apiGroups": ["discovery.k8s.io"], "verbs": READ, "resources": ["endpointslices"]},
    {"apiGroups": ["coordination.k8s.io", "events.k8s.io"], "verbs": READ, "resources": ["leases", "events"]},
]
_EDIT_RULES = [
    {"apiGroups": [""], "verbs": [*READ, *WRITE], "resources": [
        "pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "pods/eviction", "configmaps",
        "endpoints", "persistentvolumeclaims", "replicationcontrollers", "secrets", "serviceaccounts",
        "services", "services/proxy"]},
    {"apiGroups": [""], "verbs": ["impersonate"], "resources": ["serviceaccounts"]},
    {"apiGroups": ["apps"], "verbs": [*READ, *WRITE], "resources": [
        "daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
        "replicasets/scale", "statefulsets", "statefulsets/scale"]},
    {"apiGroups": ["batch"], "verbs": [*READ, *WRITE], "resources": ["cronjobs", "jobs"]},
    {"apiGroups": ["policy"], "verbs": [*READ, *WRITE], "resources": ["poddisruptionbudgets"]},
]
_ADMIN_RULES = [
    {"apiGroups": ["authorization.k8s.io"], "verbs": ["create"], "resources": ["localsubjectaccessreviews"]},
    {"apiGroups": ["rbac.authorization.k8s.io"], "verbs": [*READ, *WRITE], "resources": ["rolebindings", "roles"]},
]


def _aggregated(name: str, into: list[str]) -> Obj:
    return {"metadata": {"name": name, **_META}, "aggregationRule": {"clusterRoleSelectors": [
        {"matchLabels": {f"rbac.authorization.k8s.io/aggregate-to-{target}": "true"}} for target in into]}, "rules": []}


def _part(name: str, target: str, rules: list[Obj]) -> Obj:
    labels = {**_META["labels"], f"rbac.authorization.k8s.io/aggregate-to-{target}": "true"}
    if target == "view":
        labels["rbac.authorization.k8s.io/aggregate-to-edit"] = "true"
    if target in ("view", "edit"):
        labels["rbac.authorization.k8s.io/aggregate-to-admin"] = "true"
    return {"metadata": {"name": name, "labels": labels, "annotations": _META["annotations"]}, "rules": rules}


CLUSTER_ROLES: list[Obj] = [
    {"metadata": {"name": "cluster-admin", **_META}, "rules": [
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]},
    _aggregated("admin", ["admin"]),
    _aggregated("edit", ["edit"]),
    _aggregated("view", ["view"]),
    _part("system:aggregate-to-admin", "admin", _ADMIN_RULES),
    _part("system:aggregate-to-edit", "edit", _EDIT_RULES),
    _part("system:aggregate-to-view", "view", _VIEW_RULES),
    {"metadata": {"name": "system:basic-user", **_META}, "rules": [
        {"apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
         "verbs": ["create"]},
        {"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"], "verbs": ["create"]}]},
    {"metadata": {"name": "system:discovery", **_META}, "rules": [
        {"nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
                             "/readyz", "/version", "/version/"], "verbs": ["get"]}]},
]
CLUSTER_ROLE_BINDINGS: list[Obj] = [
    {"metadata": {"name": name, **_META}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                                       "name": role}, "subjects": [{"kind": "Group", "name": group}]}
    for name, role, group in (("cluster-admin", "cluster-admin", "system:masters"),
                              ("system:basic-user", "system:basic-user", "system:authenticated"),
                              ("system:discovery", "system:discovery", "system:authenticated"))
]


def rbac_bootstrap(cluster: Cluster) -> None:
    """Create what is missing (the real API server reconciles them at every start)."""
    for plural, objects in (("clusterroles", CLUSTER_ROLES), ("clusterrolebindings", CLUSTER_ROLE_BINDINGS)):
        for obj in objects:
            try:
                registry.create(cluster, by_plural(plural), None, obj)
            except errors.StatusError as exc:
                if exc.reason != "AlreadyExists":
                    raise
