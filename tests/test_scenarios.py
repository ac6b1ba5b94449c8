"""Whole-cluster scenarios in settle mode, with every component running."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.models import Cluster
from kubeviz.engine import control
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.flow.models import Step

DEPLOY = {
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "replicas": 3, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}},
    },
}


def _engine(cluster):
    pause_clock(cluster)
    return Engine(cluster)


def _pods(cluster):
    return [p for p in registry.objects(cluster, "pods", "default") if not p["metadata"].get("deletionTimestamp")]


def test_deployment_to_running_with_steps_1_to_9_for_every_pod(cluster):
    registry.create(cluster, by_plural("deployments"), "default", DEPLOY)
    _engine(cluster).settle(horizon=60)
    pods = _pods(cluster)
    assert len(pods) == 3
    assert all(p["status"]["phase"] == "Running" for p in pods)
    assert len({p["spec"]["nodeName"] for p in pods}) == 3  # spread over the three nodes
    deploy = registry.get(cluster, by_plural("deployments"), "default", "web")
    assert deploy["status"]["availableReplicas"] == 3
    for pod in pods:
        steps = Step.objects.filter(cluster=cluster, kind="Pod", name=pod["metadata"]["name"]).order_by("seq")
        numbers = [s.step for s in steps if s.step]
        firsts = {}
        for n in numbers:
            firsts.setdefault(n, len(firsts))
        assert sorted(firsts) == list(range(1, 10))
        ordered = sorted(firsts, key=firsts.get)
        assert ordered == sorted(ordered)  # each number first appears in catalogue order


def test_self_healing_after_a_pod_is_killed(cluster):
    registry.create(cluster, by_plural("deployments"), "default", DEPLOY)
    engine = _engine(cluster)
    engine.settle(horizon=60)
    victim = _pods(cluster)[0]["metadata"]["name"]
    control.pod_kill(cluster=cluster, namespace="default", name=victim)
    engine.settle(horizon=60)
    pods = _pods(cluster)
    assert len(pods) == 3 and victim not in {p["metadata"]["name"] for p in pods}
    assert all(p["status"]["phase"] == "Running" for p in pods)


def test_failed_node_pods_are_rescheduled_on_healthy_nodes(cluster):
    registry.create(cluster, by_plural("deployments"), "default", DEPLOY)
    engine = _engine(cluster)
    engine.settle(horizon=60)
    control.node_fail(cluster=cluster, name="node-2")
    engine.settle(horizon=90)
    running = [p for p in _pods(cluster) if p["status"].get("phase") == "Running"]
    assert len(running) == 3
    assert all(p["spec"]["nodeName"] != "node-2" for p in running)


def test_insufficient_cpu_stays_pending_with_kubernetes_message(cluster):
    registry.create(cluster, by_plural("pods"), "default", {
        "metadata": {"name": "big"},
        "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "5"}}}]},
    })
    _engine(cluster).settle(horizon=30)
    pod = registry.get(cluster, by_plural("pods"), "default", "big")
    assert pod["status"]["phase"] == "Pending"
    cond = next(c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")
    assert cond["status"] == "False" and cond["reason"] == "Unschedulable"
    assert cond["message"].startswith("0/3 nodes are available: 3 Insufficient cpu.")


def test_rolling_update_then_rollback(cluster):
    registry.create(cluster, by_plural("deployments"), "default", DEPLOY)
    engine = _engine(cluster)
    engine.settle(horizon=60)
    registry.patch(cluster, by_plural("deployments"), "default", "web", "application/strategic-merge-patch+json",
                   {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}})
    engine.settle(horizon=120)
    images = {p["spec"]["containers"][0]["image"] for p in _pods(cluster)}
    assert images == {"nginx:1.28"}
    rs = registry.objects(cluster, "replicasets", "default")
    revisions = {r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: r["spec"]["replicas"] for r in rs}
    assert revisions == {"1": 0, "2": 3}
    d = registry.get(cluster, by_plural("deployments"), "default", "web")
    assert d["status"]["updatedReplicas"] == 3 and d["status"]["observedGeneration"] >= d["metadata"]["generation"]


def test_same_seed_gives_the_same_steps(db):
    from kubeviz.clusters.services import cluster_create

    runs = []
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for name in ("seed-a", "seed-b"):
        cluster = cluster_create(name=name, fixture="demo")
        # The simulated clock's start is an input too (Event names carry their time, as
        # client-go's do): both runs start at the same instant.
        Cluster.objects.filter(pk=cluster.pk).update(clock_mode=Cluster.CLOCK_PAUSED, sim_time=start)
        cluster.refresh_from_db()
        registry.create(cluster, by_plural("deployments"), "default", DEPLOY)
        _engine(cluster).settle(horizon=60)
        runs.append([(s.step, s.source, s.target, s.action, s.kind, s.name, s.message)
                     for s in Step.objects.filter(cluster=cluster).order_by("seq")])
    assert runs[0] == runs[1]


def test_worker_killed_mid_rollout_converges_without_extra_pods(cluster):
    registry.create(cluster, by_plural("deployments"), "default", DEPLOY)
    engine = _engine(cluster)
    engine.settle(horizon=60)
    registry.patch(cluster, by_plural("deployments"), "default", "web", "application/strategic-merge-patch+json",
                   {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}})
    for _ in range(15):
        engine.step()
    # The worker dies here: a new engine knows only what the store says.
    fresh = _engine(cluster)
    fresh.settle(horizon=120)
    pods = _pods(cluster)
    assert len(pods) == 3
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"nginx:1.28"}
    per_owner = defaultdict(int)
    for p in pods:
        per_owner[p["metadata"]["ownerReferences"][0]["name"]] += 1
    assert len(per_owner) == 1
