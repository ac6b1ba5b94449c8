"""RBAC through real kubectl: impersonation (--as), auth can-i, auth whoami, 403s."""
from __future__ import annotations

import pytest

from tests.liveserver import kubectl_version_binary

pytestmark = pytest.mark.kubectl


def test_rbac_is_enforced_for_an_impersonated_user(kubectl_bin, kv_cluster):
    k = kv_cluster.kubectl
    denied = k("get", "pods", "--as", "jane", check=False)
    assert denied.returncode != 0
    assert ('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" '
            'in API group "" in the namespace "default"') in denied.stderr
    assert k("auth", "can-i", "list", "pods", "--as", "jane", check=False).stdout.strip() == "no"
    k("create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods")
    k("create", "rolebinding", "jane-reads", "--role=pod-reader", "--user=jane")
    assert k("auth", "can-i", "list", "pods", "--as", "jane").stdout.strip() == "yes"
    assert k("auth", "can-i", "delete", "pods", "--as", "jane", check=False).stdout.strip() == "no"
    assert k("auth", "can-i", "list", "pods", "-n", "kube-system", "--as", "jane", check=False).stdout.strip() == "no"
    k("get", "pods", "--as", "jane")
    listing = k("auth", "can-i", "--list", "--as", "jane").stdout
    assert any(line.split()[:1] == ["pods"] and "[get list watch]" in line for line in listing.splitlines())
    forbidden = k("delete", "pod", "nothing", "--as", "jane", check=False)
    assert ('pods "nothing" is forbidden: User "jane" cannot delete resource "pods" in API group "" '
            'in the namespace "default"') in forbidden.stderr
    nodes = k("get", "nodes", "--as", "jane", check=False)
    assert 'User "jane" cannot list resource "nodes" in API group "" at the cluster scope' in nodes.stderr


def test_groups_and_default_cluster_roles(kubectl_bin, kv_cluster):
    k = kv_cluster.kubectl
    k("create", "clusterrolebinding", "devs-view", "--clusterrole=view", "--group=devs")
    assert k("auth", "can-i", "list", "deployments.apps", "--as", "bob", "--as-group", "devs").stdout.strip() == "yes"
    assert k("auth", "can-i", "get", "secrets", "--as", "bob", "--as-group", "devs", check=False).stdout.strip() == "no"
    assert k("auth", "can-i", "create", "pods", "--as", "bob", "--as-group", "devs", check=False).stdout.strip() == "no"
    assert k("auth", "can-i", "create", "pods").stdout.strip() == "yes"
    names = k("get", "clusterroles", "-o", "name").stdout.split()
    assert {"clusterrole.rbac.authorization.k8s.io/" + n for n in ("cluster-admin", "admin", "edit", "view")} <= set(names)


def test_whoami(kubectl_bin, kv_cluster):
    k = kv_cluster.kubectl
    me = k("auth", "whoami").stdout
    assert "kubernetes-admin" in me and "system:masters" in me
    sa = k("auth", "whoami", "--as", "system:serviceaccount:default:builder").stdout
    assert "system:serviceaccount:default:builder" in sa and "system:serviceaccounts:default" in sa


@pytest.mark.parametrize("binary", ["kubectl.1.27", "kubectl.1.33"])
def test_whoami_of_each_kubectl(kubectl_bin, kv_cluster, binary):
    """kubectl 1.27 asks for authentication.k8s.io/v1beta1 SelfSubjectReview, later ones v1."""
    if kubectl_version_binary(binary) is None:
        pytest.skip(f"{binary} is not on PATH")
    out = kv_cluster.kubectl_as(binary, "auth", "whoami").stdout
    rows = [line.split(None, 1) for line in out.splitlines()]
    assert rows == [["ATTRIBUTE", "VALUE"], ["Username", "kubernetes-admin"],
                    ["Groups", "[system:masters system:authenticated]"]], out


def test_service_account_subject(kubectl_bin, kv_cluster):
    k = kv_cluster.kubectl
    k("create", "serviceaccount", "builder")
    k("create", "rolebinding", "builder-edit", "--clusterrole=edit", "--serviceaccount=default:builder")
    as_sa = ["--as", "system:serviceaccount:default:builder"]
    assert k("auth", "can-i", "create", "deployments.apps", *as_sa).stdout.strip() == "yes"
    assert k("auth", "can-i", "create", "roles.rbac.authorization.k8s.io", *as_sa, check=False).stdout.strip() == "no"
    k("create", "configmap", "made-by-sa", "--from-literal=a=1", *as_sa)


LIMITS = """
apiVersion: v1
kind: LimitRange
metadata: {name: cpu-min-max-demo-lr}
spec:
  limits:
  - {type: Container, max: {cpu: 800m}, min: {cpu: 200m}}
"""
POD = """
apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  containers:
  - name: web
    image: nginx
    resources: {limits: {cpu: "%s", memory: 200Mi}, requests: {cpu: "%s", memory: 100Mi}}
"""


def test_quota_and_limitrange_from_the_tasks(kubectl_bin, kv_cluster):
    k = kv_cluster.kubectl
    k("apply", "-f", "-", input=LIMITS)
    refused = k("apply", "-f", "-", input=POD % ("constraints-cpu-demo-2", "1.5", "500m"), check=False)
    assert ('pods "constraints-cpu-demo-2" is forbidden: maximum cpu usage per Container is 800m, '
            'but limit is 1500m') in refused.stderr
    k("create", "quota", "compute", "--hard=requests.cpu=1,limits.memory=1Gi,pods=2")
    k("apply", "-f", "-", input=POD % ("one", "800m", "600m"))
    refused = k("apply", "-f", "-", input=POD % ("two", "800m", "600m"), check=False)
    assert ('pods "two" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, '
            'used: requests.cpu=600m, limited: requests.cpu=1') in refused.stderr
    assert "compute" in k("get", "quota").stdout and "cpu-min-max-demo-lr" in k("get", "limits").stdout
