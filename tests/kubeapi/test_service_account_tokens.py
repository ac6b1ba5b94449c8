"""ServiceAccount tokens over HTTP: TokenRequest, authenticating with the token, RBAC for
it, and every way a token stops working (expiry, deletion, tampering, size)."""
from __future__ import annotations

import base64
import json

import pytest
from django.db import connection
from rest_framework.test import APIClient

from kubeviz.apiserver.tokens import cluster_token
from kubeviz.engine.runner import settle_cluster

CORE = "/api/v1/namespaces/default"
FORBIDDEN = ('configmaps is forbidden: User "system:serviceaccount:default:robot" cannot list resource "configmaps" '
             'in API group "" in the namespace "default"')


def _client(token: str) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return c


@pytest.fixture
def admin(cluster):
    c = _client(cluster_token(cluster))
    c.base = f"/k8s/{cluster.name}"
    assert c.post(f"{c.base}{CORE}/serviceaccounts", {"metadata": {"name": "robot"}}, format="json").status_code == 201
    return c


def _token(admin, spec: dict | None = None, name: str = "robot"):
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec or {}}
    return admin.post(f"{admin.base}{CORE}/serviceaccounts/{name}/token", body, format="json")


def test_token_request_answers_a_token_that_authenticates_as_the_service_account(cluster, admin):
    answer = _token(admin)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["kind"], body["apiVersion"]) == ("TokenRequest", "authentication.k8s.io/v1")
    assert body["spec"]["expirationSeconds"] == 3600
    assert body["spec"]["audiences"] == ["https://kubernetes.default.svc.cluster.local"]
    token = body["status"]["token"]
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["sub"] == "system:serviceaccount:default:robot"
    assert claims["exp"] - claims["iat"] == 3600
    robot = _client(token)
    me = robot.post(f"{admin.base}/apis/authentication.k8s.io/v1/selfsubjectreviews",
                    {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}, format="json").json()
    info = me["status"]["userInfo"]
    assert info["username"] == "system:serviceaccount:default:robot"
    assert info["groups"] == ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]
    assert info["extra"]["authentication.kubernetes.io/credential-id"] == [f"JTI={claims['jti']}"]

    denied = robot.get(f"{admin.base}{CORE}/configmaps")
    assert (denied.status_code, denied.json()["message"]) == (403, FORBIDDEN)
    admin.post(f"{admin.base}/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", {
        "metadata": {"name": "cm-reader"},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]}, format="json")
    admin.post(f"{admin.base}/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", {
        "metadata": {"name": "robot-reads"}, "subjects": [{"kind": "ServiceAccount", "name": "robot"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "cm-reader"}}, format="json")
    assert robot.get(f"{admin.base}{CORE}/configmaps").status_code == 200
    assert robot.post(f"{admin.base}{CORE}/configmaps", {"metadata": {"name": "x"}}, format="json").status_code == 403
    impersonating = robot.get(f"{admin.base}{CORE}/configmaps", HTTP_IMPERSONATE_USER="jane")
    assert impersonating.status_code == 403
    assert impersonating.json()["message"] == ('users "jane" is forbidden: User "system:serviceaccount:default:robot" '
                                               'cannot impersonate resource "users" in API group "" at the cluster scope')
    # The cluster's own token stays cluster-admin.
    assert admin.post(f"{admin.base}{CORE}/configmaps", {"metadata": {"name": "x"}}, format="json").status_code == 201


def test_the_token_is_never_stored(cluster, admin):
    token = _token(admin).json()["status"]["token"]
    assert _client(token).get(f"{admin.base}{CORE}/pods").status_code == 403
    signature = token.split(".")[2]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            assert signature not in repr(cursor.fetchall()), table


@pytest.mark.parametrize("spec,field,message", [
    ({"expirationSeconds": 60}, "spec.expirationSeconds", "may not specify a duration less than 10 minutes"),
    ({"expirationSeconds": 2 ** 33}, "spec.expirationSeconds", "may not specify a duration larger than 2^32 seconds"),
    ({"audiences": [""]}, "spec.audiences", "must be a list of non-empty strings"),
])
def test_token_request_validation(admin, spec, field, message):
    answer = _token(admin, spec)
    assert answer.status_code == 422
    assert answer.json()["details"]["causes"][0]["field"] == field
    assert message in answer.json()["message"]


def test_token_for_a_missing_service_account_is_not_found(admin):
    answer = _token(admin, name="ghost")
    assert (answer.status_code, answer.json()["message"]) == (404, 'serviceaccounts "ghost" not found')


def _tamper(token: str) -> str:
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["sub"] = "system:serviceaccount:kube-system:admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{sig}"


def _expire(cluster, admin, token):
    settle_cluster(cluster, horizon=300)
    assert _client(token).get(f"{admin.base}{CORE}/pods").status_code == 403  # still valid, merely not allowed
    settle_cluster(cluster, horizon=400)


def _delete_sa(cluster, admin, token):
    admin.delete(f"{admin.base}{CORE}/serviceaccounts/robot")


def _recreate_sa(cluster, admin, token):
    _delete_sa(cluster, admin, token)
    admin.post(f"{admin.base}{CORE}/serviceaccounts", {"metadata": {"name": "robot"}}, format="json")


@pytest.mark.parametrize("spec,change,transform", [
    ({"expirationSeconds": 600}, _expire, None),
    ({}, _delete_sa, None),
    ({}, _recreate_sa, None),
    ({}, None, _tamper),
    ({}, None, lambda t: t + "A" * 9000),
    ({"audiences": ["vault"]}, None, None),
], ids=["expired", "sa-deleted", "sa-recreated", "tampered", "oversized", "other-audience"])
def test_a_token_stops_working(cluster, admin, spec, change, transform):
    token = _token(admin, spec).json()["status"]["token"]
    if change:
        change(cluster, admin, token)
    answer = _client(transform(token) if transform else token).get(f"{admin.base}{CORE}/pods")
    assert (answer.status_code, answer.json()["reason"]) == (401, "Unauthorized")


def test_bound_to_a_pod_the_token_dies_with_it(cluster, admin):
    admin.post(f"{admin.base}{CORE}/pods", {"metadata": {"name": "p"}, "spec": {
        "serviceAccountName": "robot", "containers": [{"name": "c", "image": "busybox:1.36"}]}}, format="json")
    token = _token(admin, {"boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "p"}}).json()["status"]["token"]
    robot = _client(token)
    me = robot.post(f"{admin.base}/apis/authentication.k8s.io/v1/selfsubjectreviews", {}, format="json").json()
    assert me["status"]["userInfo"]["extra"]["authentication.kubernetes.io/pod-name"] == ["p"]
    admin.delete(f"{admin.base}{CORE}/pods/p?gracePeriodSeconds=0")
    settle_cluster(cluster, horizon=5)
    assert robot.get(f"{admin.base}{CORE}/pods").status_code == 401


def test_a_token_of_one_cluster_does_not_open_another(cluster, admin):
    from kubeviz.clusters.services import cluster_create

    other = cluster_create(name="other", fixture="demo")
    token = _token(admin).json()["status"]["token"]
    assert _client(token).get(f"/k8s/{other.name}{CORE}/pods").status_code == 401


def test_a_legacy_token_secret_is_filled_and_dies_with_the_secret(cluster, admin):
    admin.post(f"{admin.base}{CORE}/secrets", {"metadata": {"name": "robot-token", "annotations": {
        "kubernetes.io/service-account.name": "robot"}}, "type": "kubernetes.io/service-account-token"}, format="json")
    settle_cluster(cluster, horizon=5)
    secret = admin.get(f"{admin.base}{CORE}/secrets/robot-token").json()
    assert base64.b64decode(secret["data"]["namespace"]) == b"default"
    token = base64.b64decode(secret["data"]["token"]).decode()
    robot = _client(token)
    me = robot.post(f"{admin.base}/apis/authentication.k8s.io/v1/selfsubjectreviews", {}, format="json").json()
    assert me["status"]["userInfo"]["username"] == "system:serviceaccount:default:robot"
    admin.delete(f"{admin.base}{CORE}/secrets/robot-token")
    assert robot.get(f"{admin.base}{CORE}/pods").status_code == 401


def test_a_legacy_token_secret_for_a_missing_service_account_is_deleted(cluster, admin):
    admin.post(f"{admin.base}{CORE}/secrets", {"metadata": {"name": "ghost-token", "annotations": {
        "kubernetes.io/service-account.name": "ghost"}}, "type": "kubernetes.io/service-account-token"}, format="json")
    settle_cluster(cluster, horizon=5)
    assert admin.get(f"{admin.base}{CORE}/secrets/ghost-token").status_code == 404


def test_a_pods_mounted_token_is_its_service_accounts_bound_to_the_pod(cluster, admin):
    from kubeviz.kubelet.logs import log_lines, log_source

    admin.post(f"{admin.base}{CORE}/pods", {"metadata": {"name": "talker"}, "spec": {
        "serviceAccountName": "robot", "restartPolicy": "Never", "containers": [{
            "name": "c", "image": "busybox:1.36",
            "command": ["cat", "/var/run/secrets/kubernetes.io/serviceaccount/token"]}]}}, format="json")
    settle_cluster(cluster, horizon=20)
    pod = admin.get(f"{admin.base}{CORE}/pods/talker").json()
    token = "".join(line.text for line in log_lines(cluster, log_source(pod, "c", False))).strip()
    me = _client(token).post(f"{admin.base}/apis/authentication.k8s.io/v1/selfsubjectreviews", {}, format="json").json()
    info = me["status"]["userInfo"]
    assert info["username"] == "system:serviceaccount:default:robot"
    assert info["extra"]["authentication.kubernetes.io/pod-name"] == ["talker"]
