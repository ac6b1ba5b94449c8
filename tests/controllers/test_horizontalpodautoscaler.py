"""The HorizontalPodAutoscaler: its strategy, the controller's algorithm through
simulated CPU use, and the kubernetes.io php-apache walkthrough in settle mode."""
from __future__ import annotations

import json

import pytest

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.clock import parse_rfc3339
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.flow.models import Step
from kubeviz.metrics.server import pod_metrics
from kubeviz.proxy.traffic import traffic_send
from kubeviz.runtime.models import ServedRequests

from .workload_support import create, events, get, patch


def deployment(name: str = "php-apache", image: str = "registry.k8s.io/hpa-example", replicas: int = 1,
               annotations: dict | None = None) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"run": name}}, "template": {
            "metadata": {"labels": {"run": name}, **({"annotations": annotations} if annotations else {})},
            "spec": {"containers": [{"name": name, "image": image, "ports": [{"containerPort": 80}],
                                     "resources": {"limits": {"cpu": "500m"}, "requests": {"cpu": "200m"}}}]}}},
    }


def hpa(name: str = "php-apache", target: int = 50, low: int = 1, high: int = 10, **spec) -> dict:
    return {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                 "minReplicas": low, "maxReplicas": high,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                     "type": "Utilization", "averageUtilization": target}}}], **spec},
    }


def engine_for(cluster) -> Engine:
    """One engine for the whole test: the HPA controller remembers its recommendations."""
    pause_clock(cluster)
    return Engine(cluster)


def replicas(cluster, name: str = "php-apache") -> int:
    return get(cluster, "deployments", name)["spec"]["replicas"]


def conditions(cluster, name: str = "php-apache") -> dict[str, tuple[str, str]]:
    status = get(cluster, "horizontalpodautoscalers", name)["status"]
    return {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}


# ---- the strategy ----------------------------------------------------------------------------


def test_defaults(cluster):
    body = hpa()
    del body["spec"]["metrics"], body["spec"]["minReplicas"]
    body["spec"]["behavior"] = {"scaleDown": {"stabilizationWindowSeconds": 60}}
    spec = create(cluster, "horizontalpodautoscalers", body)["spec"]
    assert spec["minReplicas"] == 1
    assert spec["metrics"] == [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    assert spec["behavior"]["scaleDown"] == {"stabilizationWindowSeconds": 60, "selectPolicy": "Max",
                                             "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}
    assert spec["behavior"]["scaleUp"]["policies"] == [{"type": "Pods", "value": 4, "periodSeconds": 15},
                                                       {"type": "Percent", "value": 100, "periodSeconds": 15}]


@pytest.mark.parametrize("change,message", [
    ({"minReplicas": 0}, "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"),
    ({"maxReplicas": 0}, "spec.maxReplicas: Invalid value: 0: must be greater than 0"),
    ({"minReplicas": 5, "maxReplicas": 2}, "spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"),
    ({"scaleTargetRef": {"name": "x"}}, "spec.scaleTargetRef.kind: Required value"),
    ({"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 0}}}]},
     "spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"),
    ({"behavior": {"scaleUp": {"selectPolicy": "Sometimes"}}},
     'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Sometimes": supported values: "Disabled", "Max", "Min"'),
])
def test_validation_messages(cluster, change, message):
    body = hpa()
    body["spec"].update(change)
    with pytest.raises(errors.StatusError) as exc:
        create(cluster, "horizontalpodautoscalers", body)
    assert message in exc.value.message


# ---- the algorithm, with the teacher's CPU lever ----------------------------------------------


@pytest.mark.parametrize("pods,usage,high,expected,limited", [
    (3, "100m", 10, 3, "DesiredWithinRange"),   # 50% of 200m: on target
    (3, "108m", 10, 3, "DesiredWithinRange"),   # 54%: within the 0.1 tolerance
    (3, "120m", 10, 4, "DesiredWithinRange"),   # 60%: ceil(3 × 1.2)
    (1, "400m", 10, 4, "DesiredWithinRange"),   # 200%: ceil(1 × 4)
    (1, "500m", 3, 3, "TooManyReplicas"),       # 250% wants 5, max 3
    (2, "500m", 20, 4, "ScaleUpLimit"),         # wants 10; at most max(2 × 2, 4) at once
])
def test_one_scale_decision(cluster, pods, usage, high, expected, limited):
    engine = engine_for(cluster)
    create(cluster, "deployments", deployment(replicas=pods, annotations={"kubeviz.io/cpu-usage": usage}))
    engine.settle(horizon=60)
    create(cluster, "horizontalpodautoscalers", hpa(high=high))
    engine.settle(horizon=5)  # one HPA sync
    assert replicas(cluster) == expected
    assert conditions(cluster)["ScalingLimited"][1] == limited
    assert conditions(cluster)["ScalingActive"] == ("True", "ValidMetricFound")


def test_missing_target_is_reported(cluster):
    engine = engine_for(cluster)
    create(cluster, "horizontalpodautoscalers", hpa(name="ghost"))
    engine.settle(horizon=5)
    assert conditions(cluster, "ghost")["AbleToScale"] == ("False", "FailedGetScale")


def test_pods_without_cpu_requests_cannot_be_measured(cluster):
    engine = engine_for(cluster)
    body = deployment()
    del body["spec"]["template"]["spec"]["containers"][0]["resources"]
    create(cluster, "deployments", body)
    engine.settle(horizon=60)
    create(cluster, "horizontalpodautoscalers", hpa())
    engine.settle(horizon=5)
    assert conditions(cluster)["ScalingActive"] == ("False", "FailedGetResourceMetric")
    assert "missing request for cpu" in get(cluster, "horizontalpodautoscalers", "php-apache")["status"]["conditions"][1]["message"]


def test_metrics_follow_served_traffic(cluster):
    engine = engine_for(cluster)
    create(cluster, "deployments", deployment())
    create(cluster, "services", {"metadata": {"name": "php-apache"}, "spec": {"selector": {"run": "php-apache"}, "ports": [{"port": 80}]}})
    engine.settle(horizon=60)
    idle = pod_metrics(cluster, "default")[0]["containers"][0]["usage"]["cpu"]
    traffic_send(cluster=cluster, namespace="default", name="php-apache", requests=300)
    busy = pod_metrics(cluster, "default")[0]["containers"][0]["usage"]["cpu"]
    assert (idle, busy) == ("1000000n", "201000000n")  # 1m idle; 300 × 20 ms over a 30 s window = 200m more
    traffic_send(cluster=cluster, namespace="default", name="php-apache", requests=3000)
    capped = pod_metrics(cluster, "default")[0]["containers"][0]["usage"]["cpu"]
    assert capped == "500000000n"  # throttled at limits.cpu


# ---- the kubernetes.io walkthrough -----------------------------------------------------------


def test_php_apache_walkthrough_scales_up_under_load_and_down_after_the_window(cluster):
    """kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale-walkthrough: a load
    generator (here: 20 requests a second through kube-proxy) drives php-apache above 50%
    of its CPU request; the HPA adds pods until each is near the target; when the load
    stops, the pods go back to 1 only after the 5-minute stabilisation window."""
    engine = engine_for(cluster)
    create(cluster, "deployments", deployment())
    create(cluster, "services", {"metadata": {"name": "php-apache"}, "spec": {"selector": {"run": "php-apache"}, "ports": [{"port": 80}]}})
    create(cluster, "horizontalpodautoscalers", hpa())
    engine.settle(horizon=60)
    assert replicas(cluster) == 1
    for _ in range(48):  # four minutes of load, 100 requests every 5 s
        traffic_send(cluster=cluster, namespace="default", name="php-apache", requests=100)
        engine.settle(horizon=5)
    peak = replicas(cluster)
    assert peak >= 4
    rescales = [m for _, r, m in events(cluster, "php-apache") if r == "SuccessfulRescale"]
    assert rescales[0].startswith("New size: ")
    assert rescales[0].endswith("; reason: cpu resource utilization (percentage of request) above target")
    status = get(cluster, "horizontalpodautoscalers", "php-apache")["status"]
    assert status["currentMetrics"][0]["resource"]["current"]["averageUtilization"] <= 60
    engine.settle(horizon=120)  # load stopped: two minutes in, still inside the window
    assert replicas(cluster) == peak
    assert conditions(cluster)["AbleToScale"] == ("True", "ScaleDownStabilized")
    engine.settle(horizon=240)
    assert replicas(cluster) == 1
    assert [m for _, r, m in events(cluster, "php-apache") if r == "SuccessfulRescale"][-1] == (
        "New size: 1; reason: All metrics below target")


LOAD_GENERATOR = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "load-generator", "labels": {"run": "load-generator"}},
    "spec": {"restartPolicy": "Never", "containers": [{
        "name": "load-generator", "image": "busybox:1.28",
        "command": ["/bin/sh", "-c", "while sleep 0.01; do wget -q -O- http://php-apache; done"]}]},
}


def served_total(cluster) -> int:
    return sum(ServedRequests.objects.filter(cluster=cluster).values_list("count", flat=True))


def test_the_pages_load_generator_scales_php_apache_up_and_its_deletion_down(cluster):
    """The walkthrough's own load generator: a busybox loop of ``wget`` to the php-apache
    Service, about 100 requests a simulated second, served by php-apache's pods (their CPU)
    at the loop's own time: never ahead of the clock, however far its fate is looked for."""
    engine = engine_for(cluster)
    create(cluster, "deployments", deployment())
    create(cluster, "services", {"metadata": {"name": "php-apache"}, "spec": {"selector": {"run": "php-apache"}, "ports": [{"port": 80}]}})
    create(cluster, "horizontalpodautoscalers", hpa())
    engine.settle(horizon=60)
    create(cluster, "pods", LOAD_GENERATOR)
    engine.settle(horizon=20)
    started = get(cluster, "pods", "load-generator")["status"]["containerStatuses"][0]["state"]["running"]["startedAt"]
    ran = (engine.now() - parse_rfc3339(started)).total_seconds()
    assert 0 < served_total(cluster) <= ran * 100 + 1  # at most what its time allowed: none from the look ahead
    engine.settle(horizon=60)
    status = get(cluster, "horizontalpodautoscalers", "php-apache")["status"]
    assert status["currentMetrics"][0]["resource"]["current"]["averageUtilization"] > 50
    assert replicas(cluster) > 1
    engine.settle(horizon=120)
    peak = replicas(cluster)
    assert peak >= 4
    steps = Step.objects.filter(cluster=cluster, action="traffic", message__contains="to default/php-apache")
    assert steps.count() < ran + 180  # one step per look at the pod, not one per request
    registry.delete(cluster, by_plural("pods"), "default", "load-generator")
    engine.settle(horizon=420)  # the five-minute downscale window, and a little more
    assert replicas(cluster) == 1
    assert [m for _, r, m in events(cluster, "php-apache") if r == "SuccessfulRescale"][-1] == (
        "New size: 1; reason: All metrics below target")


def test_changing_the_target_wakes_the_controller(cluster):
    engine = engine_for(cluster)
    create(cluster, "deployments", deployment(annotations={"kubeviz.io/cpu-usage": "150m"}))
    engine.settle(horizon=60)
    create(cluster, "horizontalpodautoscalers", hpa(target=80))
    engine.settle(horizon=5)
    assert replicas(cluster) == 1  # 75% against 80%
    patch(cluster, "horizontalpodautoscalers", "php-apache", {"spec": {"metrics": [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 25}}}]}})
    engine.settle(horizon=5)
    assert replicas(cluster) == 3


# ---- autoscaling/v1: the same object, converted -------------------------------------------------


def test_v1_and_v2_are_one_object(cluster):
    from rest_framework.test import APIClient

    from kubeviz.apiserver.tokens import cluster_token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {cluster_token(cluster)}")
    base = f"/k8s/{cluster.name}/apis/autoscaling"
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
          "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                   "maxReplicas": 5, "targetCPUUtilizationPercentage": 60}}
    created = client.post(f"{base}/v1/namespaces/default/horizontalpodautoscalers", v1, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["apiVersion"] == "autoscaling/v1"
    assert created.json()["spec"] == {**v1["spec"], "minReplicas": 1}
    as_v2 = client.get(f"{base}/v2/namespaces/default/horizontalpodautoscalers/web").json()
    assert as_v2["spec"]["metrics"] == [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 60}}}]
    patched = client.patch(f"{base}/v1/namespaces/default/horizontalpodautoscalers/web",
                           json.dumps({"spec": {"targetCPUUtilizationPercentage": 70}}),
                           content_type="application/merge-patch+json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["spec"]["targetCPUUtilizationPercentage"] == 70
    listed = client.get(f"{base}/v1/namespaces/default/horizontalpodautoscalers").json()
    assert (listed["apiVersion"], listed["items"][0]["apiVersion"]) == ("autoscaling/v1", "autoscaling/v1")
    as_v2 = client.get(f"{base}/v2/namespaces/default/horizontalpodautoscalers/web").json()
    assert as_v2["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 70
