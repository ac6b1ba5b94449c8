"""ServiceAccount tokens through real kubectl: create token, whoami and RBAC with --token."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.kubectl


def test_create_token_whoami_and_forbidden(kubectl_bin, kv_cluster):
    k = kv_cluster.kubectl
    k("create", "serviceaccount", "robot")
    token = k("create", "token", "robot", "--duration=20m").stdout.strip()
    assert token.count(".") == 2
    me = k("auth", "whoami", f"--token={token}").stdout
    assert "system:serviceaccount:default:robot" in me and "system:serviceaccounts:default" in me
    denied = k("get", "pods", f"--token={token}", check=False)
    assert ('Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:robot" cannot list '
            'resource "pods" in API group "" in the namespace "default"') in denied.stderr
    k("create", "rolebinding", "robot-view", "--clusterrole=view", "--serviceaccount=default:robot")
    assert k("auth", "can-i", "list", "pods", f"--token={token}").stdout.strip() == "yes"
    k("get", "pods", f"--token={token}")
    short = k("create", "token", "robot", "--duration=1m", check=False)
    assert "may not specify a duration less than 10 minutes" in short.stderr
    k("delete", "serviceaccount", "robot")
    gone = k("get", "pods", f"--token={token}", check=False)
    assert "You must be logged in to the server (Unauthorized)" in gone.stderr


@pytest.mark.parametrize("binary", ["kubectl.1.27", "kubectl.1.33"])
def test_create_token_with_older_and_newer_kubectl(kubectl_bin, kv_cluster, binary):
    from tests.liveserver import kubectl_version_binary

    if kubectl_version_binary(binary) is None:
        pytest.skip(f"{binary} is not installed")
    kv_cluster.kubectl("create", "serviceaccount", "builder")
    token = kv_cluster.kubectl_as(binary, "create", "token", "builder").stdout.strip()
    kv_cluster.kubectl("create", "rolebinding", "builder-view", "--clusterrole=view", "--serviceaccount=default:builder")
    assert kv_cluster.kubectl_as(binary, "auth", "can-i", "list", "pods", f"--token={token}").stdout.strip() == "yes"
    denied = kv_cluster.kubectl_as(binary, "create", "configmap", "x", f"--token={token}", check=False)
    assert 'User "system:serviceaccount:default:builder" cannot create resource "configmaps"' in denied.stderr
