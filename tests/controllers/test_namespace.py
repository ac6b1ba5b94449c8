"""The namespace controller: a deleted namespace is emptied, then finalized and removed."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.controllers.namespace import NamespaceController, Remaining, deletion_conditions
from kubeviz.engine.runner import settle_cluster
from kubeviz.kubelet.agent import Kubelet

NS = "team"


def _namespace(cluster, name=NS):
    return registry.create(cluster, by_plural("namespaces"), None, {"metadata": {"name": name}})


def _get_ns(cluster, name=NS):
    return registry.get(cluster, by_plural("namespaces"), None, name)


def _names(cluster, plural, namespace=NS):
    return sorted(o["metadata"]["name"] for o in registry.objects(cluster, plural, namespace))


def _pod(cluster, name, node="node-1", **spec):
    return registry.create(cluster, by_plural("pods"), NS, {
        "metadata": {"name": name},
        "spec": {"nodeName": node, "containers": [{"name": "main", "image": "nginx:1.27"}], **spec},
    })


def _conditions(ns):
    return {c["type"]: (c["status"], c["reason"], c["message"]) for c in ns["status"].get("conditions") or []}


def test_an_empty_namespace_is_finalized_and_removed(cluster):
    _namespace(cluster)
    registry.delete(cluster, by_plural("namespaces"), None, NS)
    ns = _get_ns(cluster)
    assert ns["status"]["phase"] == "Terminating" and ns["metadata"]["deletionTimestamp"]
    assert ns["spec"]["finalizers"] == ["kubernetes"]
    settle_cluster(cluster, components=[NamespaceController(cluster)], horizon=30)
    with pytest.raises(errors.StatusError) as exc:
        _get_ns(cluster)
    assert exc.value.code == 404


def test_content_is_deleted_and_the_namespace_waits_for_running_pods(cluster):
    _namespace(cluster)
    registry.create(cluster, by_plural("configmaps"), NS, {"metadata": {"name": "settings"}, "data": {"a": "1"}})
    _pod(cluster, "web")
    settle_cluster(cluster, components=[Kubelet(cluster)], horizon=10)
    registry.delete(cluster, by_plural("namespaces"), None, NS)
    controller = NamespaceController(cluster)
    # Without a kubelet, the running pod only gets its deletionTimestamp and stays.
    settle_cluster(cluster, components=[controller], horizon=5)
    assert _names(cluster, "pods") == ["web"]
    assert registry.get(cluster, by_plural("pods"), NS, "web")["metadata"]["deletionTimestamp"]
    # Pods go first: the ConfigMap waits until no pod is left.
    assert _names(cluster, "configmaps") == ["settings"]
    conditions = _conditions(_get_ns(cluster))
    assert conditions["NamespaceContentRemaining"] == (
        "True", "SomeResourcesRemain", "Some resources are remaining: pods. has 1 resource instances",
    )
    assert conditions["NamespaceDeletionDiscoveryFailure"] == ("False", "ResourcesDiscovered", "All resources successfully discovered")
    # The kubelet stops the pod; then the rest goes, and the namespace with it.
    settle_cluster(cluster, components=[controller, Kubelet(cluster)], horizon=120)
    assert _names(cluster, "pods") == [] and _names(cluster, "configmaps") == []
    assert NS not in _names(cluster, "namespaces", None)


def test_content_held_by_a_finalizer_keeps_the_namespace_terminating(cluster):
    _namespace(cluster)
    registry.create(cluster, by_plural("configmaps"), NS, {"metadata": {"name": "held", "finalizers": ["example.com/keep"]}})
    registry.delete(cluster, by_plural("namespaces"), None, NS)
    settle_cluster(cluster, components=[NamespaceController(cluster)], horizon=20)
    ns = _get_ns(cluster)
    assert ns["status"]["phase"] == "Terminating"
    conditions = _conditions(ns)
    assert conditions["NamespaceContentRemaining"][2] == "Some resources are remaining: configmaps. has 1 resource instances"
    assert conditions["NamespaceFinalizersRemaining"] == (
        "True", "SomeFinalizersRemain", "Some content in the namespace has finalizers remaining: example.com/keep in 1 resource instances",
    )
    registry.patch(cluster, by_plural("configmaps"), NS, "held", "application/merge-patch+json", {"metadata": {"finalizers": None}})
    settle_cluster(cluster, components=[NamespaceController(cluster)], horizon=30)
    assert NS not in _names(cluster, "namespaces", None)


@pytest.mark.parametrize("remaining,expected", [
    (Remaining(), {t: "False" for t in (
        "NamespaceDeletionDiscoveryFailure", "NamespaceDeletionGroupVersionParsingFailure", "NamespaceDeletionContentFailure",
        "NamespaceContentRemaining", "NamespaceFinalizersRemaining")}),
    (Remaining(30, {"pods.": 2, "deployments.apps": 1}), {"NamespaceContentRemaining": "True", "NamespaceFinalizersRemaining": "False"}),
    (Remaining(0, {"pods.": 1}, {}, ["unexpected items still remain in namespace: x for gvr: /v1, Resource=pods"]),
     {"NamespaceDeletionContentFailure": "True", "NamespaceContentRemaining": "True"}),
])
def test_deletion_conditions(remaining, expected):
    conditions = {c["type"]: c for c in deletion_conditions(remaining, [], "2026-01-01T00:00:00Z")}
    assert list(conditions)[0] == "NamespaceDeletionDiscoveryFailure" and len(conditions) == 5
    for ctype, status in expected.items():
        assert conditions[ctype]["status"] == status
    if remaining.counts:
        assert conditions["NamespaceContentRemaining"]["message"] == (
            "Some resources are remaining: " + ", ".join(sorted(f"{k} has {n} resource instances" for k, n in remaining.counts.items()))
        )
    if remaining.errors:
        assert conditions["NamespaceDeletionContentFailure"]["reason"] == "ContentDeletionFailed"
        assert conditions["NamespaceDeletionContentFailure"]["message"].startswith("Failed to delete all resource types, 1 remaining: ")


def test_conditions_keep_their_transition_time_while_unchanged():
    first = deletion_conditions(Remaining(30, {"pods.": 1}), [], "2026-01-01T00:00:00Z")
    again = deletion_conditions(Remaining(30, {"pods.": 1}), first, "2026-01-01T00:01:00Z")
    assert again == first
    done = {c["type"]: c for c in deletion_conditions(Remaining(), again, "2026-01-01T00:02:00Z")}
    assert done["NamespaceContentRemaining"]["lastTransitionTime"] == "2026-01-01T00:02:00Z"
    assert done["NamespaceContentRemaining"]["reason"] == "ContentRemoved"
    assert done["NamespaceDeletionDiscoveryFailure"]["lastTransitionTime"] == "2026-01-01T00:00:00Z"


def test_events_in_a_terminating_namespace_are_dropped_not_errors(cluster):
    """The kubelet still reports Killing while the namespace controller empties the
    namespace; the API server refuses the Event and the recorder drops it."""
    from kubeviz.engine.client import Client

    _namespace(cluster)
    pod = _pod(cluster, "web")
    registry.delete(cluster, by_plural("namespaces"), None, NS)
    Client(cluster, "kubelet/node-1").event(pod, type="Normal", reason="Killing", message="Stopping container main")
    assert registry.objects(cluster, "events", NS) == []


def test_another_spec_finalizer_keeps_the_emptied_namespace_until_it_is_removed(cluster):
    registry.create(cluster, by_plural("namespaces"), None,
                    {"metadata": {"name": NS}, "spec": {"finalizers": ["kubernetes", "example.com/audit"]}})
    registry.delete(cluster, by_plural("namespaces"), None, NS)
    settle_cluster(cluster, components=[NamespaceController(cluster)], horizon=20)
    ns = _get_ns(cluster)
    assert ns["status"]["phase"] == "Terminating" and ns["spec"]["finalizers"] == ["example.com/audit"]
    ns["spec"]["finalizers"] = []
    registry.update(cluster, by_plural("namespaces"), None, NS, ns, subresource="finalize")
    assert NS not in _names(cluster, "namespaces", None)
