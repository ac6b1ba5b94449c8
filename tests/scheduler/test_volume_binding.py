"""VolumeBinding: pods wait for their claims with kube-scheduler's message, and a
WaitForFirstConsumer claim is provisioned on the node the scheduler chose."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import settle_cluster


def make(cluster, plural, body, ns="default"):
    return registry.create(cluster, by_plural(plural), ns, body)


def claim(name="data", cls=""):
    return {"metadata": {"name": name}, "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": cls,
                                                  "resources": {"requests": {"storage": "1Gi"}}}}


def pod_using(claim_name="data"):
    return {"metadata": {"name": "app"}, "spec": {
        "containers": [{"name": "c", "image": "nginx:1.27", "volumeMounts": [{"name": "d", "mountPath": "/data"}]}],
        "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": claim_name}}]}}


def scheduled_condition(cluster):
    pod = registry.get(cluster, by_plural("pods"), "default", "app")
    return pod, next(c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")


@pytest.mark.parametrize("claim_body,reason", [
    (claim(), "pod has unbound immediate PersistentVolumeClaims"),
    (None, 'persistentvolumeclaim "data" not found'),
])
def test_a_pod_waits_for_its_claim_and_is_placed_once_bound(cluster, claim_body, reason):
    if claim_body:
        make(cluster, "persistentvolumeclaims", claim_body)
    make(cluster, "pods", pod_using())
    settle_cluster(cluster, horizon=10)
    pod, condition = scheduled_condition(cluster)
    nodes = len(registry.objects(cluster, "nodes"))
    assert (condition["status"], condition["reason"]) == ("False", "Unschedulable")
    assert condition["message"].startswith(f"0/{nodes} nodes are available: {reason}. preemption:")
    if not claim_body:
        make(cluster, "persistentvolumeclaims", claim())
    make(cluster, "persistentvolumes", {"metadata": {"name": "pv1"}, "spec": {
        "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/mnt/pv1"}}}, ns=None)
    settle_cluster(cluster, horizon=60)
    pod, condition = scheduled_condition(cluster)
    assert condition["status"] == "True" and pod["spec"]["nodeName"]


def test_wait_for_first_consumer_provisions_on_the_chosen_node(cluster):
    make(cluster, "storageclasses", {"metadata": {"name": "local"}, "provisioner": "kubeviz.dev/hostpath",
                                     "volumeBindingMode": "WaitForFirstConsumer"}, ns=None)
    make(cluster, "persistentvolumeclaims", claim(cls="local"))
    settle_cluster(cluster, horizon=10)
    assert registry.get(cluster, by_plural("persistentvolumeclaims"), "default", "data")["status"]["phase"] == "Pending"
    make(cluster, "pods", pod_using())
    settle_cluster(cluster, horizon=30)
    pod, _ = scheduled_condition(cluster)
    pvc = registry.get(cluster, by_plural("persistentvolumeclaims"), "default", "data")
    assert pvc["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == pod["spec"]["nodeName"]
    pv = registry.get(cluster, by_plural("persistentvolumes"), None, pvc["spec"]["volumeName"])
    term = pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]
    assert (pvc["status"]["phase"], term["values"]) == ("Bound", [pod["spec"]["nodeName"]])
