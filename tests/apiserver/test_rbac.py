"""The RBAC authorizer, table-driven: rules, verbs, resourceNames, subjects, aggregation."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.rbac import ADMIN, Attributes, UserInfo, allowed, authorize, impersonated, rule_allows
from kubeviz.apiserver.resources import by_plural

RBAC = "rbac.authorization.k8s.io"


@pytest.mark.parametrize("rule,attrs,expected", [
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}, Attributes("get", "pods"), True),
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}, Attributes("list", "pods"), False),
    ({"verbs": ["*"], "apiGroups": [""], "resources": ["pods"]}, Attributes("delete", "pods"), True),
    ({"verbs": ["get"], "apiGroups": ["apps"], "resources": ["pods"]}, Attributes("get", "pods"), False),
    ({"verbs": ["get"], "apiGroups": ["*"], "resources": ["deployments"]}, Attributes("get", "deployments", "apps"), True),
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["*"]}, Attributes("get", "secrets"), True),
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}, Attributes("get", "pods", subresource="log"), False),
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods/log"]}, Attributes("get", "pods", subresource="log"), True),
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["*/log"]}, Attributes("get", "pods", subresource="log"), True),
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["web"]},
     Attributes("get", "pods", name="web"), True),
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["web"]},
     Attributes("get", "pods", name="db"), False),
    ({"verbs": ["list"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["web"]},
     Attributes("list", "pods"), False),
    ({"verbs": ["get"], "nonResourceURLs": ["/healthz"]}, Attributes("get", "", path="/healthz"), True),
    ({"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}, Attributes("get", "", path="/apis/apps"), True),
    ({"verbs": ["get"], "nonResourceURLs": ["/healthz"]}, Attributes("get", "pods"), False),
])
def test_rule_allows(rule, attrs, expected):
    assert rule_allows(rule, attrs) is expected


def _make(cluster, plural, body, namespace=None):
    return registry.create(cluster, by_plural(plural), namespace, body)


@pytest.fixture
def bound(cluster):
    """jane reads pods in default; group ops views everything; the builder SA edits in default."""
    _make(cluster, "roles", {"metadata": {"name": "pod-reader"}, "rules": [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}, "default")
    _make(cluster, "rolebindings", {"metadata": {"name": "jane"}, "roleRef": {"apiGroup": RBAC, "kind": "Role",
          "name": "pod-reader"}, "subjects": [{"kind": "User", "name": "jane"}]}, "default")
    _make(cluster, "clusterrolebindings", {"metadata": {"name": "ops"}, "roleRef": {"apiGroup": RBAC,
          "kind": "ClusterRole", "name": "view"}, "subjects": [{"kind": "Group", "name": "ops"}]})
    _make(cluster, "rolebindings", {"metadata": {"name": "builder"}, "roleRef": {"apiGroup": RBAC,
          "kind": "ClusterRole", "name": "edit"}, "subjects": [{"kind": "ServiceAccount", "name": "builder"}]}, "default")
    return cluster


JANE = impersonated("jane", [])
OPS = impersonated("olga", ["ops"])
BUILDER = impersonated("system:serviceaccount:default:builder", [])


@pytest.mark.parametrize("user,attrs,expected", [
    (JANE, Attributes("list", "pods", namespace="default"), True),
    (JANE, Attributes("list", "pods", namespace="kube-system"), False),
    (JANE, Attributes("delete", "pods", namespace="default", name="web"), False),
    (JANE, Attributes("list", "pods"), False),
    (OPS, Attributes("list", "deployments", "apps", namespace="kube-system"), True),
    (OPS, Attributes("get", "secrets", namespace="default"), False),
    (OPS, Attributes("create", "pods", namespace="default"), False),
    (BUILDER, Attributes("create", "deployments", "apps", namespace="default"), True),
    (BUILDER, Attributes("get", "secrets", namespace="default"), True),
    (BUILDER, Attributes("create", "deployments", "apps", namespace="kube-system"), False),
    (BUILDER, Attributes("create", "roles", RBAC, namespace="default"), False),
    (ADMIN, Attributes("delete", "nodes", name="node-1"), True),
    (UserInfo("nobody", ("system:authenticated",)), Attributes("create", "selfsubjectaccessreviews",
                                                                "authorization.k8s.io"), True),
])
def test_who_may_do_what(bound, user, attrs, expected):
    assert allowed(bound, user, attrs) is expected


def test_a_new_cluster_role_labelled_aggregate_to_view_extends_view(bound):
    attrs = Attributes("list", "widgets", "example.com", namespace="default")
    assert not allowed(bound, OPS, attrs)
    _make(bound, "clusterroles", {"metadata": {"name": "widget-viewer", "labels": {
        "rbac.authorization.k8s.io/aggregate-to-view": "true"}}, "rules": [
        {"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["list"]}]})
    assert allowed(bound, OPS, attrs)


@pytest.mark.parametrize("attrs,message", [
    (Attributes("list", "pods", namespace="default"),
     'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"'),
    (Attributes("get", "deployments", "apps", namespace="default", name="web"),
     'deployments.apps "web" is forbidden: User "jane" cannot get resource "deployments" in API group "apps" '
     'in the namespace "default"'),
    (Attributes("list", "nodes"),
     'nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope'),
    (Attributes("get", "pods", namespace="default", name="web", subresource="log"),
     'pods "web" is forbidden: User "jane" cannot get resource "pods/log" in API group "" in the namespace "default"'),
])
def test_forbidden_messages_are_kube_apiservers(cluster, attrs, message):
    with pytest.raises(errors.StatusError) as exc:
        authorize(cluster, JANE, attrs)
    assert (exc.value.code, exc.value.reason, exc.value.message) == (403, "Forbidden", message)


@pytest.mark.parametrize("body,field", [
    ({"metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["pods"]}]}, "rules[0].verbs"),
    ({"metadata": {"name": "r"}, "rules": [{"verbs": ["get"], "resources": ["pods"]}]}, "rules[0].apiGroups"),
    ({"metadata": {"name": "r"}, "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"],
                                             "nonResourceURLs": ["/x"]}]}, "rules[0].nonResourceURLs"),
])
def test_role_validation(cluster, body, field):
    with pytest.raises(errors.StatusError) as exc:
        _make(cluster, "roles", body, "default")
    assert exc.value.code == 422 and field in exc.value.message


def test_a_binding_cannot_change_its_role_ref(bound):
    strategy = by_plural("rolebindings")
    binding = registry.get(bound, strategy, "default", "jane")
    binding["roleRef"]["name"] = "other"
    with pytest.raises(errors.StatusError) as exc:
        registry.update(bound, strategy, "default", "jane", binding)
    assert "roleRef: Invalid value" in exc.value.message and "cannot change roleRef" in exc.value.message


def test_names_with_colons_are_valid_for_rbac(cluster):
    names = {o["metadata"]["name"] for o in registry.objects(cluster, "clusterroles")}
    assert {"cluster-admin", "admin", "edit", "view", "system:basic-user"} <= names
