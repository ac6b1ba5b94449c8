"""Node heartbeats, NotReady after the grace period, taints and eviction, recovery."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.controllers.nodelifecycle import NodeLifecycleController, tolerated_for
from kubeviz.engine import control
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.kubelet.agent import Kubelet


def _engine(cluster):
    pause_clock(cluster)
    return Engine(cluster, components=[Kubelet(cluster), NodeLifecycleController(cluster)])


def _node(cluster, name):
    return registry.get(cluster, by_plural("nodes"), None, name)


def _ready(node):
    return next(c["status"] for c in node["status"]["conditions"] if c["type"] == "Ready")


def test_tolerated_for():
    taint = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}
    assert tolerated_for({"spec": {}}, taint) is None
    assert tolerated_for({"spec": {"tolerations": [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 20}]}}, taint) == 20
    assert tolerated_for({"spec": {"tolerations": [{"operator": "Exists"}]}}, taint) == float("inf")
    assert tolerated_for({"spec": {"tolerations": [{"key": "other", "operator": "Exists"}]}}, taint) is None


def test_failed_node_goes_not_ready_is_tainted_and_its_pods_evicted_then_recovers(cluster):
    registry.create(cluster, by_plural("pods"), "default", {
        "metadata": {"name": "web"}, "spec": {"nodeName": "node-3", "containers": [{"name": "c", "image": "nginx"}]},
    })
    engine = _engine(cluster)
    engine.settle(horizon=30)
    leases = {lease["metadata"]["name"] for lease in registry.objects(cluster, "leases", "kube-node-lease")}
    assert leases == {"node-1", "node-2", "node-3"}
    assert registry.get(cluster, by_plural("pods"), "default", "web")["status"]["phase"] == "Running"

    control.node_fail(cluster=cluster, name="node-3")
    engine.settle(horizon=20)  # past the demo's 16 s grace period
    node = _node(cluster, "node-3")
    assert _ready(node) == "Unknown"
    assert {(t["key"], t["effect"]) for t in node["spec"]["taints"]} == {
        ("node.kubernetes.io/unreachable", "NoSchedule"), ("node.kubernetes.io/unreachable", "NoExecute"),
    }
    assert _ready(_node(cluster, "node-1")) == "True"
    engine.settle(horizon=30)  # past the demo's 20 s toleration
    pod = registry.get(cluster, by_plural("pods"), "default", "web")
    assert pod["metadata"]["deletionTimestamp"]  # evicted, Terminating: its kubelet is dead
    reasons = {e["reason"] for e in registry.objects(cluster, "events")}
    assert {"NodeNotReady", "TaintManagerEviction"} <= reasons

    control.node_recover(cluster=cluster, name="node-3")
    engine.settle(horizon=30)
    node = _node(cluster, "node-3")
    assert _ready(node) == "True"
    assert not node["spec"].get("taints")
    assert registry.objects(cluster, "pods", "default") == []  # the kubelet finished the deletion


def test_a_silent_node_shows_its_lease_age_then_the_eviction_countdown(cluster):
    """The demo: lease 16 s (renewed every 4 s), grace 16 s, tolerationSeconds 20 s."""
    from kubeviz.flow.models import Step

    for i in range(2):
        registry.create(cluster, by_plural("pods"), "default", {
            "metadata": {"name": f"web-{i}"}, "spec": {"nodeName": "node-2", "containers": [{"name": "c", "image": "nginx"}]},
        })
    engine = _engine(cluster)
    engine.settle(horizon=30)
    healthy = Step.objects.filter(cluster=cluster, action__in=["check lease", "count down"])
    assert not healthy.exists()  # a node that renews its lease is not reported

    control.node_fail(cluster=cluster, name="node-2")
    engine.settle(horizon=60)
    steps = list(Step.objects.filter(cluster=cluster, source="controller-manager", name="node-2").order_by("seq"))
    said = [(s.action, s.category, s.message) for s in steps]
    lease = [m for a, c, m in said if a == "check lease"]
    assert lease == ["The lease of node-2 was last renewed 10s ago; the grace period is 16s: 6s until it is marked Unknown."]
    assert all(c == "heartbeat" for a, c, _ in said if a == "check lease")
    unknown = next(m for a, _, m in said if a == "update status")
    assert unknown == ("The node lifecycle controller set the Ready condition of node-2 to Unknown: its lease was not "
                       "renewed within the grace period (16s).")
    countdown = [m for a, _, m in said if a == "count down"]
    assert countdown[0] == "Pods on node-2 will be evicted after tolerationSeconds (20s): 2 pods, 20s to go."
    assert countdown[1] == "Pods on node-2 will be evicted after tolerationSeconds (20s): 2 pods, 10s to go."
    assert len(countdown) == 2  # then they are evicted: nothing left to count
    order = [a for a, _, _ in said]
    assert order.index("check lease") < order.index("update status") < order.index("count down")
    node = _node(cluster, "node-2")
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == ("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")


def test_the_default_grace_period_is_kubernetes_50_seconds():
    from kubeviz.engine.timings import timing

    assert timing({}, "nodeMonitorGracePeriod") == 50.0
    assert timing({"nodeMonitorGracePeriod": 16}, "nodeMonitorGracePeriod") == 16.0
