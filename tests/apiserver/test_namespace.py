"""Namespaces in the API server: DELETE marks them Terminating, namespaces/finalize lets
them go, and a Terminating namespace refuses new content."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.resources import by_plural

from .objects import create, get, last_seq, pod, steps_after

NAMESPACES = by_plural("namespaces")


def _raises(call, code: int, reason: str) -> StatusError:
    with pytest.raises(StatusError) as info:
        call()
    assert (info.value.code, info.value.reason) == (code, reason), info.value.message
    return info.value


def _terminating(cluster, name: str = "team") -> dict:
    create(cluster, "namespaces", {"metadata": {"name": name}}, None)
    body, finished = registry.delete(cluster, NAMESPACES, None, name)
    assert not finished
    return body


def test_delete_marks_the_namespace_terminating_and_keeps_its_content(cluster):
    create(cluster, "namespaces", {"metadata": {"name": "team"}}, None)
    create(cluster, "configmaps", {"metadata": {"name": "cm"}}, namespace="team")
    seq = last_seq(cluster)
    body, finished = registry.delete(cluster, NAMESPACES, None, "team")
    assert not finished and body["kind"] == "Namespace"
    ns = get(cluster, "namespaces", "team", None)
    assert ns["status"]["phase"] == "Terminating"
    assert ns["metadata"]["deletionTimestamp"] and ns["spec"]["finalizers"] == ["kubernetes"]
    assert get(cluster, "configmaps", "cm", "team")["metadata"]["name"] == "cm"
    assert [(s.action, s.kind, s.name) for s in steps_after(cluster, seq)] == [("terminate", "Namespace", "team")]


def test_a_second_delete_while_finalizing_is_a_conflict(cluster):
    _terminating(cluster)
    err = _raises(lambda: registry.delete(cluster, NAMESPACES, None, "team"), 409, "Conflict")
    assert err.message == (
        'Operation cannot be fulfilled on namespaces "team": The system is ensuring all content is removed from this '
        "namespace.  Upon completion, this namespace will automatically be purged by the system."
    )


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public", "kube-node-lease"])
def test_system_namespaces_cannot_be_deleted(cluster, name):
    err = _raises(lambda: registry.delete(cluster, NAMESPACES, None, name), 403, "Forbidden")
    assert err.message == f'namespaces "{name}" is forbidden: this namespace may not be deleted'
    assert "deletionTimestamp" not in get(cluster, "namespaces", name, None)["metadata"]


@pytest.mark.parametrize("plural,body,message", [
    ("pods", pod("web"), 'pods "web" is forbidden'),
    ("configmaps", {"metadata": {"name": "cm"}}, 'configmaps "cm" is forbidden'),
    ("deployments", {"metadata": {"name": "d"}, "spec": {}}, 'deployments.apps "d" is forbidden'),
])
def test_a_terminating_namespace_refuses_new_content(cluster, plural, body, message):
    _terminating(cluster)
    err = _raises(lambda: create(cluster, plural, body, namespace="team"), 403, "Forbidden")
    assert err.message == f"{message}: unable to create new content in namespace team because it is being terminated"
    assert err.causes == [{"reason": "NamespaceTerminating", "message": "namespace team is being terminated",
                           "field": "metadata.namespace"}]


def test_finalize_removes_the_namespace_once_no_finalizer_is_left(cluster):
    ns = _terminating(cluster)
    seq = last_seq(cluster)
    ns["spec"]["finalizers"] = []
    ns["metadata"]["labels"]["ignored"] = "yes"  # finalize takes only spec.finalizers
    registry.update(cluster, NAMESPACES, None, "team", ns, subresource="finalize")
    _raises(lambda: get(cluster, "namespaces", "team", None), 404, "NotFound")
    assert [s.action for s in steps_after(cluster, seq)] == ["delete"]


def test_finalize_on_an_active_namespace_only_changes_its_finalizers(cluster):
    ns = create(cluster, "namespaces", {"metadata": {"name": "team"}}, None)
    ns["spec"]["finalizers"] = []
    ns["status"]["phase"] = "Terminating"
    updated = registry.update(cluster, NAMESPACES, None, "team", ns, subresource="finalize")
    assert updated["spec"]["finalizers"] == [] and updated["status"]["phase"] == "Active"


def test_spec_finalizers_change_only_through_finalize(cluster):
    ns = create(cluster, "namespaces", {"metadata": {"name": "team"}}, None)
    ns["spec"]["finalizers"] = []
    assert registry.update(cluster, NAMESPACES, None, "team", ns)["spec"]["finalizers"] == ["kubernetes"]


def test_status_updates_keep_a_terminating_namespace(cluster):
    ns = _terminating(cluster)
    ns["status"]["conditions"] = [{"type": "NamespaceContentRemaining", "status": "True"}]
    updated = registry.update(cluster, NAMESPACES, None, "team", ns, subresource="status")
    assert updated["status"]["conditions"][0]["type"] == "NamespaceContentRemaining"
    ns = get(cluster, "namespaces", "team", None)
    ns["status"]["phase"] = "Active"
    err = _raises(lambda: registry.update(cluster, NAMESPACES, None, "team", ns, subresource="status"), 422, "Invalid")
    assert "may only be 'Terminating' if `deletionTimestamp` is not empty" in err.message


def test_repeating_a_pod_delete_does_not_push_back_its_deadline(cluster):
    create(cluster, "pods", pod("web", nodeName="node-1"))
    first, _ = registry.delete(cluster, by_plural("pods"), "default", "web")
    again, finished = registry.delete(cluster, by_plural("pods"), "default", "web")
    assert not finished
    assert again["metadata"]["deletionTimestamp"] == first["metadata"]["deletionTimestamp"]
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
