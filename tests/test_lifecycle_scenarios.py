"""Whole-cluster scenarios in settle mode: OOMKilled, startup probes, graceful pod
termination, node images and namespace deletion, with every component running."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.flow.models import Step
from kubeviz.kubeapi.tables import pod_status_reason


def _deployment(name: str, annotations: dict | None = None, **container) -> dict:
    labels = {"app": name}
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": 2, "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels, "annotations": annotations or {}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27", **container}]},
            },
        },
    }


def _engine(cluster) -> Engine:
    pause_clock(cluster)
    return Engine(cluster)


def _pods(cluster, namespace="default"):
    return registry.objects(cluster, "pods", namespace)


def test_a_deployment_over_its_memory_limit_crash_loops_with_oomkilled(cluster):
    body = _deployment("hungry", annotations={"kubeviz.io/memory-usage": "300Mi"},
                       resources={"limits": {"memory": "128Mi"}})
    registry.create(cluster, by_plural("deployments"), "default", body)
    _engine(cluster).settle(horizon=40)
    pods = _pods(cluster)
    assert len(pods) == 2
    for pod in pods:
        cs = pod["status"]["containerStatuses"][0]
        assert cs["restartCount"] >= 1
        assert (cs["lastState"]["terminated"]["reason"], cs["lastState"]["terminated"]["exitCode"]) == ("OOMKilled", 137)
        assert pod_status_reason(pod) in ("OOMKilled", "CrashLoopBackOff", "Running")


def test_a_failing_startup_probe_keeps_a_deployment_unavailable(cluster):
    probe = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 2, "failureThreshold": 3}
    registry.create(cluster, by_plural("deployments"), "default",
                    _deployment("slow", annotations={"kubeviz.io/fail-startup": "true"}, startupProbe=probe))
    _engine(cluster).settle(horizon=30)
    for pod in _pods(cluster):
        cs = pod["status"]["containerStatuses"][0]
        assert cs["restartCount"] >= 1 and cs["ready"] is False
    reasons = {e["message"] for e in registry.objects(cluster, "events", "default") if e["reason"] == "Unhealthy"}
    assert reasons == {"Startup probe failed: HTTP probe failed with statuscode: 503"}


def test_scaling_down_leaves_pods_terminating_for_their_grace_period(cluster):
    body = _deployment("stubborn", annotations={"kubeviz.io/ignore-sigterm": "true"})
    body["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 20
    registry.create(cluster, by_plural("deployments"), "default", body)
    engine = _engine(cluster)
    engine.settle(horizon=30)
    registry.patch(cluster, by_plural("deployments"), "default", "stubborn", "application/merge-patch+json",
                   {"spec": {"replicas": 1}})
    engine.settle(horizon=15)
    statuses = sorted(pod_status_reason(p) for p in _pods(cluster))
    assert statuses == ["Running", "Terminating"]
    engine.settle(horizon=30)
    assert [pod_status_reason(p) for p in _pods(cluster)] == ["Running"]


def test_nodes_report_the_images_their_pods_pulled(cluster):
    registry.create(cluster, by_plural("deployments"), "default", _deployment("web", image="redis:7"))
    _engine(cluster).settle(horizon=40)
    nodes = {p["spec"]["nodeName"] for p in _pods(cluster)}
    for node in registry.objects(cluster, "nodes"):
        names = {n for image in node["status"]["images"] for n in image["names"]}
        assert ("docker.io/library/redis:7" in names) == (node["metadata"]["name"] in nodes)


def test_deleting_a_namespace_stops_its_pods_then_removes_everything(cluster):
    registry.create(cluster, by_plural("namespaces"), None, {"metadata": {"name": "shop"}})
    registry.create(cluster, by_plural("deployments"), "shop", _deployment("web"))
    registry.create(cluster, by_plural("services"), "shop", {
        "metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    })
    engine = _engine(cluster)
    engine.settle(horizon=30)
    assert len(_pods(cluster, "shop")) == 2
    seq = Step.objects.filter(cluster=cluster).order_by("-seq").values_list("seq", flat=True).first()
    registry.delete(cluster, by_plural("namespaces"), None, "shop")
    engine.settle(horizon=120)
    assert "shop" not in {n["metadata"]["name"] for n in registry.objects(cluster, "namespaces")}
    for plural in ("pods", "deployments", "replicasets", "services", "endpoints", "endpointslices", "events"):
        assert registry.objects(cluster, plural, "shop") == [], plural
    steps = list(Step.objects.filter(cluster=cluster, seq__gt=seq).order_by("seq"))
    kinds = [(s.source, s.action, s.kind) for s in steps if s.source == "controller-manager"]
    first_pod = next(i for i, k in enumerate(kinds) if k[1] == "delete" and k[2] == "Pod")
    first_deploy = next(i for i, k in enumerate(kinds) if k[1] == "delete" and k[2] == "Deployment")
    assert first_pod < first_deploy  # pods go first
    assert ("controller-manager", "update finalize", "Namespace") in kinds
    kubelet_stops = [s for s in steps if s.source.startswith("kubelet/") and s.action == "delete"]
    assert len(kubelet_stops) >= 2  # each pod was stopped by its kubelet, not just removed
