"""The DaemonSet controller: one pod per eligible node, driven through the engine."""
from __future__ import annotations

import pytest

from kubeviz.controllers.daemonset import (
    DAEMON_TOLERATIONS,
    DaemonSetController,
    node_name_affinity,
    node_should_run_daemon_pod,
    target_node_name,
    tolerates,
)
from kubeviz.engine import control
from kubeviz.engine.runner import settle_cluster
from kubeviz.flow.models import Step
from kubeviz.kubelet.agent import Kubelet

from .workload_support import create, events, get, patch, pods, scheduler


def daemonset(name: str = "agent", **spec) -> dict:
    body = {
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": "agent", "image": "busybox:1.36", "command": ["sh", "-c", "sleep infinity"]}]}},
        },
    }
    body["spec"].update(spec)
    return body


def settle(cluster, horizon: float = 120):
    return settle_cluster(cluster, components=[DaemonSetController(cluster), Kubelet(cluster), scheduler(cluster)], horizon=horizon)


def ds_pods(cluster, name: str = "agent") -> list[dict]:
    return [p for p in pods(cluster) if p["metadata"]["labels"].get("app") == name]


def by_node(cluster, name: str = "agent") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pod in ds_pods(cluster, name):
        out.setdefault(pod["spec"].get("nodeName") or "", []).append(pod["metadata"]["name"])
    return out


# ---- pure helpers ------------------------------------------------------------------------------


def node(name: str, labels: dict | None = None, taints: list | None = None, unschedulable: bool = False) -> dict:
    spec: dict = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}}, "spec": spec}


@pytest.mark.parametrize("template_spec,the_node,expected", [
    ({}, node("n1"), (True, True)),
    ({"nodeSelector": {"disk": "ssd"}}, node("n1"), (False, False)),
    ({"nodeSelector": {"disk": "ssd"}}, node("n1", {"disk": "ssd"}), (True, True)),
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}}}}, node("n1", {"zone": "b"}), (False, False)),
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]},
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]}}}}, node("n1", {"zone": "b"}), (True, True)),
    # An untolerated NoSchedule taint: no new pod, but a running one may stay.
    ({}, node("n1", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]), (False, True)),
    # An untolerated NoExecute taint: not even that.
    ({}, node("n1", taints=[{"key": "dedicated", "value": "db", "effect": "NoExecute"}]), (False, False)),
    ({"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoExecute"}]},
     node("n1", taints=[{"key": "dedicated", "value": "db", "effect": "NoExecute"}]), (True, True)),
    # PreferNoSchedule does not keep a daemon pod away.
    ({}, node("n1", taints=[{"key": "dedicated", "value": "db", "effect": "PreferNoSchedule"}]), (True, True)),
    # Cordoned and not-ready nodes are tolerated by the tolerations every daemon pod gets.
    ({}, node("n1", taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}], unschedulable=True), (True, True)),
    ({}, node("n1", taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}]), (True, True)),
    ({}, node("n1", taints=[{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]), (True, True)),
    ({"nodeName": "n2"}, node("n1"), (False, False)),
], ids=["plain", "selector-miss", "selector-hit", "affinity-miss", "affinity-or-fields", "noschedule", "noexecute",
        "tolerated", "prefer", "cordoned", "not-ready", "unreachable", "nodename"])
def test_node_should_run_daemon_pod(template_spec, the_node, expected):
    ds = {"spec": {"template": {"spec": template_spec}}}
    assert node_should_run_daemon_pod(the_node, ds) == expected


@pytest.mark.parametrize("toleration,taint,expected", [
    ({"operator": "Exists"}, {"key": "k", "value": "v", "effect": "NoSchedule"}, True),
    ({"key": "k", "operator": "Exists"}, {"key": "k", "value": "v", "effect": "NoExecute"}, True),
    ({"key": "k", "value": "v"}, {"key": "k", "value": "v", "effect": "NoSchedule"}, True),
    ({"key": "k", "value": "w"}, {"key": "k", "value": "v", "effect": "NoSchedule"}, False),
    ({"key": "k", "operator": "Exists", "effect": "NoSchedule"}, {"key": "k", "effect": "NoExecute"}, False),
])
def test_tolerates(toleration, taint, expected):
    assert tolerates(toleration, taint) is expected


def test_node_name_affinity_replaces_required_terms_and_keeps_the_rest():
    affinity = {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "a", "operator": "Exists"}]}]},
        "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": {}}],
    }, "podAntiAffinity": {"x": 1}}
    out = node_name_affinity(affinity, "node-2")
    assert out["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-2"]}]}]}
    assert out["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] == [{"weight": 1, "preference": {}}]
    assert out["podAntiAffinity"] == {"x": 1}
    assert target_node_name({"spec": {"affinity": out}}) == "node-2"


# ---- through the engine ------------------------------------------------------------------------


def test_daemonset_runs_one_pod_on_every_node_with_the_real_pod_shape(cluster):
    create(cluster, "daemonsets", daemonset())
    settle(cluster)
    placed = by_node(cluster)
    assert sorted(placed) == ["node-1", "node-2", "node-3"]
    assert all(len(names) == 1 for names in placed.values())

    pod = ds_pods(cluster)[0]
    assert pod["metadata"]["name"].startswith("agent-") and len(pod["metadata"]["name"]) == len("agent-") + 5
    ref = pod["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["name"], ref["controller"], ref["blockOwnerDeletion"]) == ("DaemonSet", "agent", True, True)
    assert pod["metadata"]["labels"]["pod-template-generation"] == "1"
    assert pod["metadata"]["labels"]["controller-revision-hash"]
    terms = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [pod["spec"]["nodeName"]]}]}]
    tolerations = pod["spec"]["tolerations"]
    for wanted in DAEMON_TOLERATIONS:
        assert wanted in tolerations
    # No tolerationSeconds: the DefaultTolerationSeconds admission adds nothing more.
    assert not any("tolerationSeconds" in t for t in tolerations)
    assert all(p["status"]["phase"] == "Running" for p in ds_pods(cluster))

    ds = get(cluster, "daemonsets", "agent")
    assert ds["status"] == {
        "currentNumberScheduled": 3, "numberMisscheduled": 0, "desiredNumberScheduled": 3, "numberReady": 3,
        "observedGeneration": 1, "updatedNumberScheduled": 3, "numberAvailable": 3,
    }
    created = [e for e in events(cluster, "agent") if e[1] == "SuccessfulCreate"]
    assert sorted(m for _, _, m in created) == sorted(f"Created pod: {p['metadata']['name']}" for p in ds_pods(cluster))
    creates = Step.objects.filter(cluster=cluster, step=1, source="controller-manager", kind="Pod", action="create")
    assert creates.count() == 3


def test_a_node_added_later_gets_a_pod_and_a_removed_nodes_pod_is_deleted(cluster):
    create(cluster, "daemonsets", daemonset())
    engine = settle(cluster)
    assert sorted(by_node(cluster)) == ["node-1", "node-2", "node-3"]

    control.node_add(cluster=cluster)
    engine.settle(horizon=120)
    placed = by_node(cluster)
    assert sorted(placed) == ["node-1", "node-2", "node-3", "node-4"]
    assert get(cluster, "daemonsets", "agent")["status"]["desiredNumberScheduled"] == 4
    assert get(cluster, "daemonsets", "agent")["status"]["numberReady"] == 4

    gone = placed["node-2"][0]
    control.node_remove(cluster=cluster, name="node-2")
    engine.settle(horizon=60)
    assert sorted(by_node(cluster)) == ["node-1", "node-3", "node-4"]
    assert ("Normal", "SuccessfulDelete", f"Deleted pod: {gone}") in events(cluster, "agent")
    status = get(cluster, "daemonsets", "agent")["status"]
    assert (status["desiredNumberScheduled"], status["currentNumberScheduled"], status["numberReady"]) == (3, 3, 3)


def test_cordoned_node_keeps_its_pod_and_node_selector_limits_placement(cluster):
    control.node_cordon(cluster=cluster, name="node-3")
    create(cluster, "daemonsets", daemonset("zoned", template={
        "metadata": {"labels": {"app": "zoned"}},
        "spec": {"nodeSelector": {"topology.kubernetes.io/zone": "zone-a"},
                 "containers": [{"name": "agent", "image": "busybox:1.36", "command": ["sh", "-c", "sleep infinity"]}]},
    }))
    create(cluster, "daemonsets", daemonset())
    settle(cluster)
    assert sorted(by_node(cluster, "zoned")) == ["node-1"]
    assert sorted(by_node(cluster)) == ["node-1", "node-2", "node-3"]  # node-3 is cordoned, still runs it
    assert get(cluster, "daemonsets", "zoned")["status"]["desiredNumberScheduled"] == 1


def test_tainted_node_gets_no_pod_and_a_new_noexecute_taint_removes_it(cluster):
    patch(cluster, "nodes", "node-1", {"spec": {"taints": [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]}}, namespace=None)
    create(cluster, "daemonsets", daemonset())
    engine = settle(cluster)
    assert sorted(by_node(cluster)) == ["node-2", "node-3"]
    patch(cluster, "nodes", "node-2", {"spec": {"taints": [{"key": "dedicated", "value": "db", "effect": "NoExecute"}]}}, namespace=None)
    engine.settle(horizon=60)
    assert sorted(by_node(cluster)) == ["node-3"]
    assert get(cluster, "daemonsets", "agent")["status"]["desiredNumberScheduled"] == 1


def test_template_change_rolls_pods_one_node_at_a_time(cluster):
    create(cluster, "daemonsets", daemonset())
    engine = settle(cluster)
    before = {p["metadata"]["name"] for p in ds_pods(cluster)}
    old_hash = ds_pods(cluster)[0]["metadata"]["labels"]["controller-revision-hash"]
    patch(cluster, "daemonsets", "agent", {"spec": {"template": {"metadata": {"labels": {"app": "agent", "v": "2"}}}}})
    ds = get(cluster, "daemonsets", "agent")
    assert ds["metadata"]["generation"] == 2
    assert ds["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "2"
    engine.settle(horizon=300)
    after = ds_pods(cluster)
    assert len(after) == 3 and not before & {p["metadata"]["name"] for p in after}
    assert {p["metadata"]["labels"]["pod-template-generation"] for p in after} == {"2"}
    assert old_hash not in {p["metadata"]["labels"]["controller-revision-hash"] for p in after}
    # maxUnavailable 1: never two old pods deleted before a new one is ready.
    deletes = list(Step.objects.filter(cluster=cluster, kind="Pod", action="delete", source="controller-manager")
                   .order_by("seq").values_list("seq", flat=True))
    creates = list(Step.objects.filter(cluster=cluster, step=1, kind="Pod", action="create", source="controller-manager")
                   .order_by("seq").values_list("seq", flat=True))[3:]
    assert len(deletes) == 3 and len(creates) == 3
    assert deletes[0] < creates[0] < deletes[1] < creates[1] < deletes[2] < creates[2]
    status = get(cluster, "daemonsets", "agent")["status"]
    assert (status["updatedNumberScheduled"], status["numberAvailable"], status["observedGeneration"]) == (3, 3, 2)
