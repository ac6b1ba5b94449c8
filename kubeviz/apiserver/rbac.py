"""The RBAC authorizer (plugin/pkg/auth/authorizer/rbac) and who a request is.

A request is allowed when some rule of a Role or ClusterRole bound to its user, one of
its groups, or its ServiceAccount covers its verb, API group, resource (with subresource)
and name. ``system:masters`` is allowed everything without looking, as the real API
server's superuser group is: the cluster's own token is in it. Nothing is ever denied
explicitly: RBAC only adds permissions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubeviz.clusters.models import Cluster

from . import errors, registry

Obj = dict[str, Any]

SUPERUSER_GROUP = "system:masters"
AUTHENTICATED = "system:authenticated"
SA_PREFIX = "system:serviceaccount:"


@dataclass(frozen=True)
class UserInfo:
    """What authentication says about the requester (user.Info)."""

    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: dict[str, list[str]] = field(default_factory=dict, hash=False, compare=False)

    def as_status(self) -> Obj:
        """The ``userInfo`` of a SelfSubjectReview or a SubjectAccessReview."""
        out: Obj = {"username": self.name, "groups": list(self.groups)}
        if self.uid:
            out["uid"] = self.uid
        if self.extra:
            out["extra"] = self.extra
        return out


#: The holder of the cluster's token: the kubeadm admin kubeconfig's user.
ADMIN = UserInfo("kubernetes-admin", (SUPERUSER_GROUP, AUTHENTICATED))


def impersonated(name: str, groups: list[str], uid: str = "", extra: dict[str, list[str]] | None = None) -> UserInfo:
    """The user a request becomes with Impersonate-User (pkg/endpoints/filters/impersonation):
    a ServiceAccount gets its groups, and everyone impersonated is authenticated."""
    all_groups = list(groups)
    if name.startswith(SA_PREFIX):
        namespace = name[len(SA_PREFIX):].split(":", 1)[0]
        for g in ("system:serviceaccounts", f"system:serviceaccounts:{namespace}"):
            if g not in all_groups:
                all_groups.append(g)
    if AUTHENTICATED not in all_groups:
        all_groups.append(AUTHENTICATED)
    return UserInfo(name, tuple(all_groups), uid, extra or {})


@dataclass(frozen=True)
class Attributes:
    """authorizer.Attributes of a resource request."""

    verb: str
    resource: str
    group: str = ""
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    path: str = ""

    @property
    def resource_request(self) -> bool:
        return bool(self.resource)


def _has(values: Any, wanted: str) -> bool:
    values = values or []
    return "*" in values or wanted in values


def _resource_matches(rule: Obj, attrs: Attributes) -> bool:
    resources = rule.get("resources") or []
    if "*" in resources:
        return True
    if attrs.subresource:
        return f"{attrs.resource}/{attrs.subresource}" in resources or f"*/{attrs.subresource}" in resources
    return attrs.resource in resources


def _url_matches(rule: Obj, path: str) -> bool:
    for url in rule.get("nonResourceURLs") or []:
        if url == "*" or url == path or (url.endswith("*") and path.startswith(url[:-1])):
            return True
    return False


def rule_allows(rule: Obj, attrs: Attributes) -> bool:
    """RuleAllows: one PolicyRule against one request."""
    if not _has(rule.get("verbs"), attrs.verb):
        return False
    if not attrs.resource_request:
        return _url_matches(rule, attrs.path)
    if not _has(rule.get("apiGroups"), attrs.group) or not _resource_matches(rule, attrs):
        return False
    names = rule.get("resourceNames") or []
    return not names or attrs.name in names


def subject_matches(subject: Obj, user: UserInfo, binding_namespace: str) -> bool:
    kind = subject.get("kind")
    if kind == "User":
        return subject.get("name") == user.name
    if kind == "Group":
        return subject.get("name") in user.groups
    if kind == "ServiceAccount":
        ns = subject.get("namespace") or binding_namespace
        return user.name == f"{SA_PREFIX}{ns}:{subject.get('name')}"
    return False


def _role_rules(cluster_roles: dict[str, Obj], roles: dict[tuple[str, str], Obj], ref: Obj, namespace: str) -> list[Obj]:
    if ref.get("kind") == "ClusterRole":
        role = cluster_roles.get(ref.get("name", ""))
        return _aggregated_rules(role, cluster_roles) if role else []
    role = roles.get((namespace, ref.get("name", "")))
    return list(role.get("rules") or []) if role else []


def _label_matches(labels: dict[str, str], selector: Obj) -> bool:
    return all(labels.get(k) == val for k, val in (selector.get("matchLabels") or {}).items())


def _aggregated_rules(role: Obj, cluster_roles: dict[str, Obj]) -> list[Obj]:
    """An aggregated ClusterRole's rules: its own and those of every ClusterRole its
    selectors match (the clusterrole-aggregation controller writes these into the object;
    here they are gathered when asked)."""
    rules = list(role.get("rules") or [])
    for selector in (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or []:
        for other in cluster_roles.values():
            if other is not role and _label_matches(other["metadata"].get("labels") or {}, selector):
                rules += other.get("rules") or []
    return rules


def rules_for(cluster: Cluster, user: UserInfo, namespace: str) -> list[Obj]:
    """Every rule that applies to ``user`` in ``namespace`` (cluster-wide ones included)."""
    cluster_roles = {r["metadata"]["name"]: r for r in registry.objects(cluster, "clusterroles")}
    rules: list[Obj] = []
    for binding in registry.objects(cluster, "clusterrolebindings"):
        if any(subject_matches(s, user, "") for s in binding.get("subjects") or []):
            rules += _role_rules(cluster_roles, {}, binding.get("roleRef") or {}, "")
    if namespace:
        roles = {(namespace, r["metadata"]["name"]): r for r in registry.objects(cluster, "roles", namespace)}
        for binding in registry.objects(cluster, "rolebindings", namespace):
            if any(subject_matches(s, user, namespace) for s in binding.get("subjects") or []):
                rules += _role_rules(cluster_roles, roles, binding.get("roleRef") or {}, namespace)
    return rules


def allowed(cluster: Cluster, user: UserInfo, attrs: Attributes) -> bool:
    if SUPERUSER_GROUP in user.groups:
        return True
    return any(rule_allows(rule, attrs) for rule in rules_for(cluster, user, attrs.namespace))


def forbidden_message(user: UserInfo, attrs: Attributes) -> str:
    """The authorization filter's message (endpoints/handlers/responsewriters.forbiddenMessage)."""
    if not attrs.resource_request:
        return f'User "{user.name}" cannot {attrs.verb} path "{attrs.path}"'
    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    scope = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
    return f'User "{user.name}" cannot {attrs.verb} resource "{resource}" in API group "{attrs.group}" {scope}'


def authorize(cluster: Cluster, user: UserInfo, attrs: Attributes) -> None:
    """Raise 403 Forbidden, worded as kube-apiserver words it, unless RBAC allows."""
    if allowed(cluster, user, attrs):
        return
    gr = f"{attrs.resource}.{attrs.group}" if attrs.group else attrs.resource
    what = f'{gr} "{attrs.name}"' if attrs.name else gr
    raise errors.StatusError(
        403, "Forbidden", f"{what} is forbidden: {forbidden_message(user, attrs)}",
        name=attrs.name, group=attrs.group, kind=attrs.resource,
    )
