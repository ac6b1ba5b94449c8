"""The scheduler as a component: pods in the store, an Engine, steps, Events and conditions."""
from __future__ import annotations

from collections import Counter

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.services import cluster_create
from kubeviz.engine.cache import Cache
from kubeviz.engine.client import Client
from kubeviz.engine.runner import Engine
from kubeviz.flow.models import Step
from kubeviz.kubelet.registration import node_manifest
from kubeviz.scheduler.component import Scheduler
from kubeviz.scheduler.selectors import decision_get

PODS = by_plural("pods")
NODES = by_plural("nodes")

TOO_BIG = (
    "0/3 nodes are available: 3 Insufficient cpu. "
    "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
)


def paused(cluster: Cluster) -> Cluster:
    Cluster.objects.filter(pk=cluster.pk).update(clock_mode=Cluster.CLOCK_PAUSED)
    cluster.refresh_from_db()
    return cluster


@pytest.fixture
def demo(cluster):
    return paused(cluster)


def make_pod(cluster, name, cpu="500m", memory="256Mi", **spec):
    container = {"name": "app", "image": "nginx:1.27"}
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    if requests:
        container["resources"] = {"requests": requests}
    body = {"metadata": {"name": name, "labels": {"app": "web"}}, "spec": {"containers": [container], **spec}}
    return registry.create(cluster, PODS, "default", body)


def settle(cluster, scheduler=None, horizon=60):
    engine = Engine(cluster, components=[scheduler or Scheduler(cluster)])
    engine.settle(horizon=horizon)
    return engine


def get_pod(cluster, name):
    return registry.get(cluster, PODS, "default", name)


def node_of(cluster, name):
    return get_pod(cluster, name)["spec"].get("nodeName")


def condition(pod, ctype="PodScheduled"):
    return next((c for c in pod["status"].get("conditions") or [] if c["type"] == ctype), None)


def events_for(cluster, name, reason):
    return [
        e for e in registry.objects(cluster, "events", "default")
        if e["involvedObject"]["name"] == name and e["reason"] == reason
    ]


def taint(cluster, node, *taints):
    registry.patch(cluster, NODES, None, node, "application/merge-patch+json", {"spec": {"taints": list(taints)}})


def test_pods_are_bound_with_steps_3_4_5_and_a_scheduled_event(demo):
    for i in range(3):
        make_pod(demo, f"web-{i}")
    settle(demo)
    for i in range(3):
        name = f"web-{i}"
        pod = get_pod(demo, name)
        node = pod["spec"]["nodeName"]
        assert node in {"node-1", "node-2", "node-3"}
        assert condition(pod)["status"] == "True"
        numbered = list(Step.objects.filter(cluster=demo, name=name, step__in=[3, 4, 5]).order_by("seq"))
        assert [s.step for s in numbered] == [3, 4, 5]
        watch, binding, stored = numbered
        assert (watch.source, watch.target, watch.action) == ("apiserver", "scheduler", "watch")
        assert (binding.source, binding.target) == ("scheduler", "apiserver")
        assert binding.message.startswith(f"The scheduler bound default/{name} to {node}: 3 nodes feasible; scores {node} ")
        assert (stored.source, stored.target) == ("apiserver", "etcd")
        [event] = events_for(demo, name, "Scheduled")
        assert event["type"] == "Normal"
        assert event["message"] == f"Successfully assigned default/{name} to {node}"
        assert event["source"]["component"] == "default-scheduler"


def test_pods_spread_across_nodes_by_least_allocated(demo):
    for i in range(6):
        make_pod(demo, f"web-{i}", cpu="1", memory="1Gi")
    settle(demo)
    placement = Counter(node_of(demo, f"web-{i}") for i in range(6))
    assert placement == {"node-1": 2, "node-2": 2, "node-3": 2}


def test_a_pod_too_big_for_any_node_stays_pending(demo):
    make_pod(demo, "huge", cpu="5")
    settle(demo)
    pod = get_pod(demo, "huge")
    assert not pod["spec"].get("nodeName")
    assert pod["status"]["phase"] == "Pending"
    cond = condition(pod)
    assert (cond["status"], cond["reason"], cond["message"]) == ("False", "Unschedulable", TOO_BIG)
    [event] = events_for(demo, "huge", "FailedScheduling")
    assert (event["type"], event["message"]) == ("Warning", TOO_BIG)
    # No binding was attempted.
    assert not Step.objects.filter(cluster=demo, name="huge", step__in=[4, 5]).exists()


def test_node_selector_is_respected(demo):
    for i in range(3):
        make_pod(demo, f"zone-b-{i}", nodeSelector={"topology.kubernetes.io/zone": "zone-b"})
    make_pod(demo, "nowhere", nodeSelector={"disktype": "ssd"})
    settle(demo)
    assert {node_of(demo, f"zone-b-{i}") for i in range(3)} == {"node-2"}
    assert condition(get_pod(demo, "nowhere"))["message"] == (
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )


def test_taints_are_respected(demo):
    gpu = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    taint(demo, "node-1", gpu)
    taint(demo, "node-2", {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"})
    for i in range(3):
        make_pod(demo, f"plain-{i}")
    make_pod(demo, "gpu-job", nodeSelector={"kubernetes.io/hostname": "node-1"},
             tolerations=[{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}])
    settle(demo)
    assert {node_of(demo, f"plain-{i}") for i in range(3)} == {"node-3"}
    assert node_of(demo, "gpu-job") == "node-1"

    taint(demo, "node-3", gpu)
    make_pod(demo, "late")
    settle(demo)
    assert condition(get_pod(demo, "late"))["message"] == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, "
        "2 node(s) had untolerated taint {dedicated: gpu}. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )


def test_same_seed_same_placement(demo):
    other = paused(cluster_create(name="demo-copy", fixture="demo"))
    assert other.seed == demo.seed
    placements = []
    for cluster in (demo, other):
        for i in range(7):
            make_pod(cluster, f"web-{i}", cpu="300m", memory="128Mi")
        settle(cluster)
        placements.append([node_of(cluster, f"web-{i}") for i in range(7)])
    assert placements[0] == placements[1]
    assert all(placements[0])


def test_a_pending_pod_is_scheduled_when_a_fitting_node_joins(demo):
    scheduler = Scheduler(demo)
    engine = Engine(demo, components=[scheduler])
    make_pod(demo, "huge", cpu="6")
    engine.settle(horizon=60)
    assert not node_of(demo, "huge")
    registry.create(demo, NODES, None, node_manifest(name="node-4", index=4, cpu="8", memory="16Gi", now="2025-01-01T00:00:00Z"))
    engine.settle(horizon=60)
    assert node_of(demo, "huge") == "node-4"
    attempts = Step.objects.filter(cluster=demo, name="huge", step=3).count()
    assert attempts == 2  # the first try, and the retry the new node triggered (after backoff)
    assert decision_get(demo, "default", "huge")["explanation"]["attempt"] == 2


def test_a_node_heartbeat_does_not_retry_an_unschedulable_pod(demo):
    scheduler = Scheduler(demo)
    engine = Engine(demo, components=[scheduler])
    make_pod(demo, "huge", cpu="6")
    engine.settle(horizon=60)
    node = registry.get(demo, NODES, None, "node-1")
    node["status"]["conditions"][0]["lastHeartbeatTime"] = "2030-01-01T00:00:00Z"
    registry.update(demo, NODES, None, "node-1", node, subresource="status")
    engine.settle(horizon=60)
    assert Step.objects.filter(cluster=demo, name="huge", step=3).count() == 1
    # … but after five minutes in the unschedulable pool it is tried again.
    engine.settle(horizon=400)
    assert Step.objects.filter(cluster=demo, name="huge", step=3).count() == 2


def test_deleting_a_pod_frees_room_for_a_pending_one(demo):
    for i in range(3):
        make_pod(demo, f"big-{i}", cpu="3")
    engine = Engine(demo, components=[Scheduler(demo)])
    engine.settle(horizon=60)
    make_pod(demo, "waiting", cpu="2")
    engine.settle(horizon=60)
    assert not node_of(demo, "waiting")
    freed = node_of(demo, "big-1")
    registry.delete(demo, PODS, "default", "big-1", options={"gracePeriodSeconds": 0})
    engine.settle(horizon=60)
    assert node_of(demo, "waiting") == freed


def _without_informer(cluster):
    """A cache filled from the store once, and a scheduler and client to sync with it: the
    cache then never shows the scheduler's own bindings (no informer runs)."""
    cache = Cache()
    for plural in ("pods", "nodes"):
        for obj in registry.objects(cluster, plural):
            cache.put(plural, obj)
    return cache, Scheduler(cluster), Client(cluster, "scheduler")


def test_assumed_pods_count_before_the_cache_shows_the_binding(demo):
    for name in ("first", "second"):
        make_pod(demo, name, cpu="3", nodeSelector={"kubernetes.io/hostname": "node-1"})
    cache, scheduler, api = _without_informer(demo)
    assert scheduler.sync(cache, api, "default/first") is None
    assert node_of(demo, "first") == "node-1"
    # The cache still shows "first" unbound, yet the scheduler knows node-1 is taken.
    assert scheduler.sync(cache, api, "default/second") == 1.0
    assert condition(get_pod(demo, "second"))["message"].startswith(
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector."
    )


def test_other_schedulers_pods_and_bound_pods_are_left_alone(demo):
    make_pod(demo, "custom", schedulerName="my-scheduler")
    make_pod(demo, "pinned", nodeName="node-3")
    settle(demo)
    assert not node_of(demo, "custom")
    assert not Step.objects.filter(cluster=demo, name__in=["custom", "pinned"], step=3).exists()
    assert decision_get(demo, "default", "custom") is None


def test_decision_explains_every_node(demo):
    taint(demo, "node-1", {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"})
    make_pod(demo, "web")
    settle(demo)
    decision = decision_get(demo, "default", "web")
    assert decision["name"] == "web" and decision["uid"] == get_pod(demo, "web")["metadata"]["uid"]
    record = decision["explanation"]
    assert record["result"] == "Scheduled" and record["chosen"] == node_of(demo, "web")
    assert record["feasible"] == ["node-2", "node-3"]
    nodes = {n["name"]: n for n in record["nodes"]}
    rejected = {f["plugin"]: f for f in nodes["node-1"]["filters"]}
    assert rejected["TaintToleration"]["passed"] is False
    assert rejected["TaintToleration"]["reasons"] == ["node(s) had untolerated taint {dedicated: gpu}"]
    chosen = nodes[record["chosen"]]
    assert {s["plugin"] for s in chosen["scores"]} == {
        "TaintToleration", "NodeResourcesFit", "NodeResourcesBalancedAllocation", "ImageLocality",
    }
    assert chosen["total"] == sum(s["weighted"] for s in chosen["scores"])
    assert record["message"].startswith(f"bound default/web to {record['chosen']}: 2 of 3 nodes feasible")


def test_preemption_evicts_a_lower_priority_pod(demo):
    for i in range(3):
        make_pod(demo, f"low-{i}", cpu="3")
    engine = Engine(demo, components=[Scheduler(demo)])
    engine.settle(horizon=60)
    # Priority comes from a PriorityClass: admission refuses a pod that sets it itself.
    registry.create(demo, by_plural("priorityclasses"), None, {"metadata": {"name": "vip"}, "value": 1000})
    make_pod(demo, "vip", cpu="3", priorityClassName="vip")
    engine.settle(horizon=60)
    vip = get_pod(demo, "vip")
    nominated = vip["status"].get("nominatedNodeName")
    assert nominated in {"node-1", "node-2", "node-3"}
    assert condition(vip)["message"] == "0/3 nodes are available: 3 Insufficient cpu."
    [victim] = [p for p in registry.objects(demo, "pods", "default") if p["metadata"].get("deletionTimestamp")]
    assert victim["spec"]["nodeName"] == nominated
    assert condition(victim, "DisruptionTarget")["reason"] == "PreemptionByScheduler"
    [event] = events_for(demo, victim["metadata"]["name"], "Preempted")
    assert event["message"] == f"Preempted by pod {vip['metadata']['uid']} on node {nominated}"
    # No kubelet runs here, so the victim stays terminating. When the vip is tried again (after
    # five minutes: nothing that could help it happened), it does not preempt a second pod.
    engine.settle(horizon=400)
    assert condition(get_pod(demo, "vip"))["message"] == (
        "0/3 nodes are available: 3 Insufficient cpu. "
        "preemption: not eligible due to a terminating pod on the nominated node."
    )
    registry.delete(demo, PODS, "default", victim["metadata"]["name"], options={"gracePeriodSeconds": 0})
    engine.settle(horizon=60)
    assert node_of(demo, "vip") == nominated


def test_pods_of_one_spec_see_each_node_as_the_last_binding_left_it(demo):
    """Verdicts and scores are reused between pods of the same spec only while a node is
    unchanged: each node (4 CPUs) takes three pods of 1200m and then is full."""
    scheduler = Scheduler(demo)
    for i in range(10):
        make_pod(demo, f"p{i}", cpu="1200m")
    settle(demo, scheduler)
    placed = Counter(node_of(demo, f"p{i}") for i in range(10))
    assert placed == {"node-1": 3, "node-2": 3, "node-3": 3, None: 1}
    waiting = get_pod(demo, next(f"p{i}" for i in range(10) if node_of(demo, f"p{i}") is None))
    condition = next(c for c in waiting["status"]["conditions"] if c["type"] == "PodScheduled")
    assert condition["message"].startswith("0/3 nodes are available: 3 Insufficient cpu.")


def test_decision_of_an_earlier_stored_format_still_reads(demo):
    """Explanations stored before scores were kept by plugin (format 2, scores per node)
    read back in the same documented shape."""
    from kubeviz.clusters import clock
    from kubeviz.scheduler.services import decision_save

    ok = {"code": "Success", "reasons": [], "plugin": ""}
    record = {
        "pod": {"namespace": "default", "name": "old", "uid": "u"}, "attempt": 1, "result": "Scheduled",
        "chosen": "node-2", "feasible": ["node-1", "node-2"], "format": 2,
        "filterVerdicts": [{"plugin": "NodeName", "passed": True, "code": "Success", "reasons": [], "counted": True}],
        "statuses": [ok], "scorePlugins": [["TaintToleration", 3]],
        "nodes": [["node-2", True, "", 0, [0], [[0, 0, 100]], 300], ["node-1", True, "", 0, [0], [[0, 1, 0]], 0]],
    }
    decision_save(cluster=demo, namespace="default", name="old", uid="u", explanation=record, created=clock.now(demo))
    nodes = decision_get(demo, "default", "old")["explanation"]["nodes"]
    assert [n["name"] for n in nodes] == ["node-2", "node-1"]  # format 2 kept its own (sorted) order
    assert nodes[0]["scores"] == [{"plugin": "TaintToleration", "raw": 0, "normalized": 100, "weight": 3, "weighted": 300}]
    assert nodes[1]["filters"] == [record["filterVerdicts"][0]] and nodes[1]["total"] == 0


def test_an_assumed_pod_counts_on_a_node_whose_results_were_kept_for_its_spec(demo):
    """Two pods of one spec, the second scheduled before the cache shows the first bound:
    node-2 (the only one holding the image, so the best scored) took the first and has no
    room left, whatever was concluded about it for this spec a cycle earlier."""
    node = registry.get(demo, NODES, None, "node-2")
    node["status"]["images"] = [{"names": ["docker.io/library/nginx:1.27", "nginx:1.27"], "sizeBytes": 800_000_000}]
    registry.update(demo, NODES, None, "node-2", node, subresource="status")
    for name in ("first", "second"):
        make_pod(demo, name, cpu="3")
    cache, scheduler, api = _without_informer(demo)
    assert scheduler.sync(cache, api, "default/first") is None
    assert node_of(demo, "first") == "node-2"
    assert scheduler.sync(cache, api, "default/second") is None
    assert node_of(demo, "second") in {"node-1", "node-3"}


def test_an_unschedulable_pod_ends_with_the_reason_in_plain_words(demo):
    """The demo's nodes have 4 CPU and 8Gi each; node-3 is cordoned."""
    node = registry.get(demo, NODES, None, "node-3")
    node["spec"]["unschedulable"] = True
    registry.update(demo, NODES, None, "node-3", node)
    make_pod(demo, "filler", cpu="3500m", memory="1Gi", nodeName="node-1")
    make_pod(demo, "big", cpu="2", memory="1Gi")
    make_pod(demo, "bigger", cpu="3", memory="1Gi")
    settle(demo)
    steps = list(Step.objects.filter(cluster=demo, name="bigger").order_by("seq"))
    last = steps[-1]
    assert (last.step, last.source, last.action, last.category) == (None, "scheduler", "unschedulable", "scheduler")
    assert last.message == ("Pod default/bigger asks for 3 CPU and 1Gi of memory; node-1 has 0.5 CPU and 7Gi of memory free, "
                            "node-2 has 2 CPU and 7Gi of memory free, node-3 is cordoned.")
    # kube-scheduler's own words stay, in the status report before it.
    reported = next(s for s in steps if s.action == "update status" and s.source == "scheduler")
    assert reported.message == ("The scheduler reports that Pod default/bigger cannot be scheduled: 0/3 nodes are available: "
                                "1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: "
                                "1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.")
