"""StatefulSet volumeClaimTemplates: a claim per pod, bound by the provisioner, kept after a
scale-down, and found again by the pod that replaces one (the whole cluster settles)."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import settle_cluster

from .test_statefulset import statefulset
from .workload_support import create, events, get, patch

TEMPLATE = {"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}


def claims(cluster) -> dict[str, dict]:
    return {c["metadata"]["name"]: c for c in registry.objects(cluster, "persistentvolumeclaims", "default")}


def test_each_pod_gets_its_own_claim_kept_after_scale_down_and_reused_by_its_replacement(cluster):
    create(cluster, "statefulsets", statefulset(replicas=2, volumeClaimTemplates=[TEMPLATE]))
    settle_cluster(cluster, horizon=60)
    found = claims(cluster)
    assert sorted(found) == ["www-web-0", "www-web-1"]
    assert {c["status"]["phase"] for c in found.values()} == {"Bound"}
    assert found["www-web-0"]["metadata"]["labels"] == {"app": "web"}
    pod = get(cluster, "pods", "web-0")
    assert {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-0"}} in pod["spec"]["volumes"]
    assert ("Normal", "SuccessfulCreate", "create Claim www-web-0 Pod web-0 in StatefulSet web success") in events(cluster, "web")

    volume = found["www-web-0"]["spec"]["volumeName"]
    registry.delete(cluster, by_plural("pods"), "default", "web-0")
    patch(cluster, "statefulsets", "web", {"spec": {"replicas": 1}})
    settle_cluster(cluster, horizon=60)
    assert sorted(claims(cluster)) == ["www-web-0", "www-web-1"]  # kept: persistentVolumeClaimRetentionPolicy Retain
    assert claims(cluster)["www-web-0"]["spec"]["volumeName"] == volume
    assert get(cluster, "pods", "web-0")["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "www-web-0"
