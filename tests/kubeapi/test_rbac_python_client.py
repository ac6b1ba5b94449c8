"""RBAC, quota and limits through the official kubernetes Python client."""
from __future__ import annotations

import json

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException


def _as(api_client, user, *groups):
    api_client.set_default_header("Impersonate-User", user)
    if groups:
        api_client.set_default_header("Impersonate-Group", ",".join(groups))
    return api_client


def test_roles_bindings_and_reviews(kv_cluster):
    admin = kv_cluster.python_client()
    rbac = client.RbacAuthorizationV1Api(admin)
    rbac.create_namespaced_role("default", client.V1Role(
        metadata=client.V1ObjectMeta(name="cm-reader"),
        rules=[client.V1PolicyRule(api_groups=[""], resources=["configmaps"], verbs=["get", "list"])]))
    rbac.create_namespaced_role_binding("default", client.V1RoleBinding(
        metadata=client.V1ObjectMeta(name="readers"),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name="cm-reader"),
        subjects=[client.RbacV1Subject(kind="Group", name="readers", api_group="rbac.authorization.k8s.io")]))
    review = client.AuthorizationV1Api(admin).create_subject_access_review(client.V1SubjectAccessReview(
        spec=client.V1SubjectAccessReviewSpec(user="kim", groups=["readers"], resource_attributes=client.V1ResourceAttributes(
            namespace="default", verb="list", resource="configmaps"))))
    assert review.status.allowed is True

    kim = _as(kv_cluster.python_client(), "kim", "readers")
    core = client.CoreV1Api(kim)
    assert core.list_namespaced_config_map("default").items == []
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="x")))
    assert exc.value.status == 403
    assert ('configmaps is forbidden: User "kim" cannot create resource "configmaps" in API group "" '
            'in the namespace "default"') == json.loads(exc.value.body)["message"]
    me = client.AuthenticationV1Api(kim).create_self_subject_review(client.V1SelfSubjectReview())
    assert me.status.user_info.username == "kim"
    assert me.status.user_info.groups == ["readers", "system:authenticated"]
    mine = client.AuthorizationV1Api(kim).create_self_subject_access_review(client.V1SelfSubjectAccessReview(
        spec=client.V1SelfSubjectAccessReviewSpec(resource_attributes=client.V1ResourceAttributes(
            namespace="default", verb="delete", resource="configmaps"))))
    assert mine.status.allowed is False


def test_self_subject_review_in_each_served_version(kv_cluster):
    """v1alpha1 (1.26) and v1beta1 (1.27) as well as v1, the same shape; the client has
    typed methods for v1 only, so the older ones are posted as plain objects."""
    admin = kv_cluster.python_client()
    groups = {g.name: g for g in client.ApisApi(admin).get_api_versions().groups}
    served = groups["authentication.k8s.io"]
    assert [v.version for v in served.versions][:1] == ["v1"] and served.preferred_version.version == "v1"
    assert {"v1beta1", "v1alpha1"} <= {v.version for v in served.versions}
    kim = _as(kv_cluster.python_client(), "kim", "readers")
    for version in ("v1alpha1", "v1beta1", "v1"):
        request = kim.param_serialize(
            "POST", f"/apis/authentication.k8s.io/{version}/selfsubjectreviews",
            body={"apiVersion": f"authentication.k8s.io/{version}", "kind": "SelfSubjectReview"},
            header_params={"Content-Type": "application/json", "Accept": "application/json"}, auth_settings=["BearerToken"])
        response = kim.call_api(*request)
        response.read()
        answer = kim.response_deserialize(response, {"201": "object"})
        assert answer.status_code == 201
        body = answer.data
        assert body["apiVersion"] == f"authentication.k8s.io/{version}" and body["kind"] == "SelfSubjectReview"
        assert body["status"]["userInfo"] == {"username": "kim", "groups": ["readers", "system:authenticated"]}


def test_quota_refusal(kv_cluster):
    core = client.CoreV1Api(kv_cluster.python_client())
    core.create_namespaced_resource_quota("default", client.V1ResourceQuota(
        metadata=client.V1ObjectMeta(name="pods-max"), spec=client.V1ResourceQuotaSpec(hard={"pods": "0"})))
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_pod("default", client.V1Pod(metadata=client.V1ObjectMeta(name="p"), spec=client.V1PodSpec(
            containers=[client.V1Container(name="c", image="nginx")])))
    assert exc.value.status == 403
    assert json.loads(exc.value.body)["message"] == (
        'pods "p" is forbidden: exceeded quota: pods-max, requested: pods=1, used: pods=0, limited: pods=0')
