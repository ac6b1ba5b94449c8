"""kubernetes.io: Using RBAC Authorization, its examples and command-line utilities
(https://kubernetes.io/docs/reference/access-authn-authz/rbac/), answered by
``kubectl auth can-i`` with impersonation (kubectl 1.27 for some, where installed)."""
from __future__ import annotations

import pytest

from tests.liveserver import kubectl_version_binary

from .conftest import Step, walk

pytestmark = pytest.mark.kubectl

EXAMPLES = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  namespace: default
  name: pod-reader
rules:
- apiGroups: [""] # "" indicates the core API group
  resources: ["pods"]
  verbs: ["get", "watch", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  # "namespace" omitted since ClusterRoles are not namespaced
  name: secret-reader
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "watch", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
# This role binding allows "jane" to read pods in the "default" namespace.
kind: RoleBinding
metadata:
  name: read-pods
  namespace: default
subjects:
- kind: User
  name: jane # "name" is case sensitive
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role #this must be Role or ClusterRole
  name: pod-reader # this must match the name of the Role or ClusterRole you wish to bind to
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: rbac.authorization.k8s.io/v1
# This role binding allows "dave" to read secrets in the "development" namespace.
kind: RoleBinding
metadata:
  name: read-secrets
  namespace: development
subjects:
- kind: User
  name: dave
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: ClusterRole
  name: secret-reader
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: rbac.authorization.k8s.io/v1
# This cluster role binding allows anyone in the "manager" group to read secrets in any namespace.
kind: ClusterRoleBinding
metadata:
  name: read-secrets-global
subjects:
- kind: Group
  name: manager
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: ClusterRole
  name: secret-reader
  apiGroup: rbac.authorization.k8s.io
"""
OLD = "kubectl.1.27"


def answer(expected: str):
    return lambda out: out.strip() == expected


STEPS = [
    Step("kubectl create namespace development", answer("namespace/development created")),
    Step("kubectl apply -f rbac-examples.yaml", lambda out: out.splitlines() == [
        "role.rbac.authorization.k8s.io/pod-reader created", "clusterrole.rbac.authorization.k8s.io/secret-reader created",
        "rolebinding.rbac.authorization.k8s.io/read-pods created", "rolebinding.rbac.authorization.k8s.io/read-secrets created",
        "clusterrolebinding.rbac.authorization.k8s.io/read-secrets-global created"]),
    Step("kubectl auth can-i list pods --as jane", answer("yes")),
    Step("kubectl auth can-i delete pods --as jane", answer("no"), fails=True),
    Step("kubectl auth can-i list pods --as jane --namespace development", answer("no"), fails=True, binary=OLD),
    Step("kubectl auth can-i get secrets --as dave --namespace development", answer("yes")),
    Step("kubectl auth can-i get secrets --as dave", answer("no"), fails=True),
    Step("kubectl auth can-i list secrets --as someone --as-group manager --all-namespaces", answer("yes"), binary=OLD),
    # Allowed (exit 0), whatever pods there are.
    Step("kubectl get pods --as jane -o name", lambda out: all(name.startswith("pod/") for name in out.split()) or None),
    Step("kubectl get secrets --as jane", fails=True, expect=lambda err: err.strip() == (
        'Error from server (Forbidden): secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" '
        'in the namespace "default"')),
    # Command-line utilities
    Step("kubectl create role pod-reader --verb=get --verb=list --verb=watch --resource=pods --namespace=development",
         answer("role.rbac.authorization.k8s.io/pod-reader created")),
    Step("kubectl create clusterrole foo --verb=get --non-resource-url=/logs/*",
         answer("clusterrole.rbac.authorization.k8s.io/foo created")),
    Step("kubectl create namespace acme", answer("namespace/acme created")),
    Step("kubectl create rolebinding bob-admin-binding --clusterrole=admin --user=bob --namespace=acme",
         answer("rolebinding.rbac.authorization.k8s.io/bob-admin-binding created")),
    Step("kubectl create rolebinding myapp-view-binding --clusterrole=view --serviceaccount=acme:myapp --namespace=acme",
         answer("rolebinding.rbac.authorization.k8s.io/myapp-view-binding created")),
    Step("kubectl create clusterrolebinding root-cluster-admin-binding --clusterrole=cluster-admin --user=root",
         answer("clusterrolebinding.rbac.authorization.k8s.io/root-cluster-admin-binding created")),
    Step("kubectl auth can-i create deployments.apps --as bob --namespace acme", answer("yes")),
    Step("kubectl auth can-i list pods --as system:serviceaccount:acme:myapp --namespace acme", answer("yes"), binary=OLD),
    Step("kubectl auth can-i '*' '*' --as root --all-namespaces", answer("yes")),
    Step("kubectl auth can-i get /logs/today --as-group system:authenticated --as nobody", answer("no"), fails=True),
]


def test_rbac_examples_and_command_line_utilities(tutorial):
    tutorial.manifest("rbac-examples.yaml", EXAMPLES)
    old = kubectl_version_binary(OLD) is not None
    walk(tutorial, [s if old or s.binary is None else Step(s.line, s.expect, s.wait, s.fails) for s in STEPS])
