"""The StatefulSet controller: stable names, strict order, scale-down from the top."""
from __future__ import annotations

import pytest

from kubeviz.clusters.clock import parse_rfc3339
from kubeviz.controllers.statefulset import StatefulSetController, parent_and_ordinal
from kubeviz.engine.runner import settle_cluster
from kubeviz.flow.models import Step
from kubeviz.kubelet.agent import Kubelet

from .workload_support import create, events, get, patch, pods, scheduler


def statefulset(name: str = "web", replicas: int = 3, **spec) -> dict:
    body = {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
        "spec": {
            "replicas": replicas, "serviceName": "nginx",
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}},
        },
    }
    body["spec"].update(spec)
    return body


def settle(cluster, horizon: float = 120):
    return settle_cluster(cluster, components=[StatefulSetController(cluster), Kubelet(cluster), scheduler(cluster)], horizon=horizon)


def sts_pods(cluster, name: str = "web") -> list[dict]:
    return [p for p in pods(cluster) if p["metadata"].get("labels", {}).get("app") == name]


def names(cluster, name: str = "web") -> list[str]:
    return [p["metadata"]["name"] for p in sts_pods(cluster, name)]


def pod_steps(cluster, action: str) -> list[str]:
    """Pod names in the order etcd stored the given write (step 2: apiserver → etcd)."""
    return list(Step.objects.filter(cluster=cluster, kind="Pod", action=action, source="apiserver", target="etcd")
                .order_by("seq").values_list("name", flat=True))


def ready_since(pod: dict):
    cond = next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")
    assert cond["status"] == "True"
    return parse_rfc3339(cond["lastTransitionTime"])


@pytest.mark.parametrize("name,expected", [
    ("web-0", ("web", 0)), ("web-12", ("web", 12)), ("my-app-3", ("my-app", 3)), ("web", ("", -1)), ("web-x", ("", -1)),
])
def test_parent_and_ordinal(name, expected):
    assert parent_and_ordinal({"metadata": {"name": name}}) == expected


def test_ordered_ready_creates_web_0_1_2_strictly_in_order(cluster):
    create(cluster, "statefulsets", statefulset())
    settle(cluster)
    assert names(cluster) == ["web-0", "web-1", "web-2"]
    assert pod_steps(cluster, "create") == ["web-0", "web-1", "web-2"]
    by_name = {p["metadata"]["name"]: p for p in sts_pods(cluster)}
    # Each pod was created only after the one before it was Running and Ready.
    for prev, nxt in (("web-0", "web-1"), ("web-1", "web-2")):
        assert parse_rfc3339(by_name[nxt]["metadata"]["creationTimestamp"]) >= ready_since(by_name[prev])
        assert int(by_name[nxt]["metadata"]["resourceVersion"]) > int(by_name[prev]["metadata"]["resourceVersion"])
    ready_step = Step.objects.filter(cluster=cluster, kind="Pod", name="web-0", step=9).order_by("seq").last()
    create_step = Step.objects.filter(cluster=cluster, kind="Pod", name="web-1", step=2, action="create").get()
    assert ready_step.seq < create_step.seq

    pod = by_name["web-1"]
    assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "web-1"
    assert pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "1"
    assert pod["metadata"]["labels"]["controller-revision-hash"].startswith("web-")
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("web-1", "nginx")
    ref = pod["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["name"], ref["controller"]) == ("StatefulSet", "web", True)

    sts = get(cluster, "statefulsets", "web")
    status = sts["status"]
    revision = pod["metadata"]["labels"]["controller-revision-hash"]
    assert status == {
        "observedGeneration": 1, "replicas": 3, "readyReplicas": 3, "currentReplicas": 3, "updatedReplicas": 3,
        "availableReplicas": 3, "currentRevision": revision, "updateRevision": revision, "collisionCount": 0,
    }
    assert [m for _, r, m in events(cluster, "web") if r == "SuccessfulCreate"] == [
        "create Pod web-0 in StatefulSet web successful",
        "create Pod web-1 in StatefulSet web successful",
        "create Pod web-2 in StatefulSet web successful",
    ]


def test_only_one_pod_at_a_time_while_the_first_is_not_ready(cluster):
    create(cluster, "statefulsets", statefulset())
    settle(cluster, horizon=0.5)  # web-0 created, its image still being pulled
    assert names(cluster) == ["web-0"]
    assert sts_pods(cluster)[0]["status"]["phase"] == "Pending"


def test_scale_down_deletes_the_highest_ordinal_first_one_at_a_time(cluster):
    create(cluster, "statefulsets", statefulset(replicas=4))
    engine = settle(cluster)
    assert names(cluster) == ["web-0", "web-1", "web-2", "web-3"]
    patch(cluster, "statefulsets", "web", {"spec": {"replicas": 1}})
    engine.settle(horizon=300)
    assert names(cluster) == ["web-0"]
    assert pod_steps(cluster, "delete") == ["web-3", "web-2", "web-1"]
    # One at a time: web-2 was only asked to go once web-3 was gone.
    asks = list(Step.objects.filter(cluster=cluster, kind="Pod", action="delete", source="controller-manager")
                .order_by("seq").values_list("name", "seq"))
    gone = dict(Step.objects.filter(cluster=cluster, kind="Pod", action="delete", source="apiserver")
                .values_list("name", "seq"))
    assert [n for n, _ in asks] == ["web-3", "web-2", "web-1"]
    assert gone["web-3"] < dict(asks)["web-2"] and gone["web-2"] < dict(asks)["web-1"]
    assert [m for _, r, m in events(cluster, "web") if r == "SuccessfulDelete"] == [
        "delete Pod web-3 in StatefulSet web successful",
        "delete Pod web-2 in StatefulSet web successful",
        "delete Pod web-1 in StatefulSet web successful",
    ]
    status = get(cluster, "statefulsets", "web")["status"]
    assert (status["replicas"], status["readyReplicas"], status["observedGeneration"]) == (1, 1, 2)


def test_parallel_creates_all_pods_at_once(cluster):
    create(cluster, "statefulsets", statefulset(podManagementPolicy="Parallel"))
    settle(cluster, horizon=0.5)
    assert names(cluster) == ["web-0", "web-1", "web-2"]
    engine = settle(cluster)
    assert all(p["status"]["phase"] == "Running" for p in sts_pods(cluster))
    patch(cluster, "statefulsets", "web", {"spec": {"replicas": 0}})
    engine.settle(horizon=60)
    assert names(cluster) == []


def test_deleted_pod_comes_back_with_the_same_name(cluster):
    create(cluster, "statefulsets", statefulset(replicas=2))
    engine = settle(cluster)
    uid = get(cluster, "pods", "web-1")["metadata"]["uid"]
    from kubeviz.engine import control

    control.pod_kill(cluster=cluster, namespace="default", name="web-1")
    engine.settle(horizon=120)
    again = get(cluster, "pods", "web-1")
    assert again["metadata"]["uid"] != uid and again["status"]["phase"] == "Running"


def test_rolling_update_replaces_pods_from_the_highest_ordinal(cluster):
    create(cluster, "statefulsets", statefulset())
    engine = settle(cluster)
    old = get(cluster, "statefulsets", "web")["status"]["currentRevision"]
    patch(cluster, "statefulsets", "web", {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.26"}]}}}})
    engine.settle(horizon=600)
    status = get(cluster, "statefulsets", "web")["status"]
    assert status["updateRevision"] != old and status["currentRevision"] == status["updateRevision"]
    assert status["updatedReplicas"] == 3 and status["readyReplicas"] == 3
    assert {p["spec"]["containers"][0]["image"] for p in sts_pods(cluster)} == {"nginx:1.26"}
    deleted = [n for n in pod_steps(cluster, "delete")]
    assert deleted == ["web-2", "web-1", "web-0"]


def test_partition_keeps_lower_ordinals_on_the_old_revision(cluster):
    create(cluster, "statefulsets", statefulset(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}))
    engine = settle(cluster)
    patch(cluster, "statefulsets", "web", {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.26"}]}}}})
    engine.settle(horizon=300)
    images = {p["metadata"]["name"]: p["spec"]["containers"][0]["image"] for p in sts_pods(cluster)}
    assert images == {"web-0": "nginx:1.27", "web-1": "nginx:1.27", "web-2": "nginx:1.26"}
    status = get(cluster, "statefulsets", "web")["status"]
    assert (status["currentReplicas"], status["updatedReplicas"]) == (2, 1)
    assert status["currentRevision"] != status["updateRevision"]


def test_a_template_the_pod_validation_refuses_shows_as_failed_create_events(cluster):
    body = statefulset(replicas=2)
    body["spec"]["template"]["spec"]["containers"] = [{"name": "nginx"}]  # no image: the API server takes the set
    create(cluster, "statefulsets", body)
    settle(cluster, horizon=30)
    assert names(cluster) == []
    failed = [(t, m) for t, r, m in events(cluster, "web") if r == "FailedCreate"]
    assert failed and failed[0] == (
        "Warning", 'create Pod web-0 in StatefulSet web failed error: Pod "web-0" is invalid: spec.containers[0].image: Required value')
    status = get(cluster, "statefulsets", "web")["status"]
    assert (status["replicas"], status["observedGeneration"]) == (0, 1)
