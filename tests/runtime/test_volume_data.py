"""Data on a PersistentVolume or a hostPath outlives the pod that wrote it: the pod that
replaces it reads it back (its log shows ``cat``), and deleting the volume (reclaim policy
Delete) drops it. The whole cluster settles."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import settle_cluster
from kubeviz.kubelet.logs import log_lines, log_source
from kubeviz.runtime.models import VolumeFile

NS = "default"
SCRIPT = "cat /data/f; echo hi from $HOSTNAME >> /data/f; sleep 3600"


def container(script: str = SCRIPT, path: str = "/data") -> dict:
    return {"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", script],
            "volumeMounts": [{"name": "data", "mountPath": path}]}


def create(cluster, plural: str, body: dict) -> dict:
    return registry.create(cluster, by_plural(plural), NS, body)


def pods(cluster, prefix: str) -> list[dict]:
    return sorted((p for p in registry.objects(cluster, "pods", NS)
                   if p["metadata"]["name"].startswith(prefix) and not p["metadata"].get("deletionTimestamp")),
                  key=lambda p: p["metadata"]["creationTimestamp"])


def log(cluster, pod: dict) -> list[str]:
    fresh = registry.get(cluster, by_plural("pods"), NS, pod["metadata"]["name"])
    return [line.text for line in log_lines(cluster, log_source(fresh, "main", False))]


def claim(name: str) -> dict:
    return {"metadata": {"name": name}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}


def statefulset(cluster) -> str:
    create(cluster, "statefulsets", {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
        "spec": {"replicas": 1, "serviceName": "web", "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container()]}},
                 "volumeClaimTemplates": [{"metadata": {"name": "data"}, **{k: v for k, v in claim("data").items() if k == "spec"}}]}})
    return "web-"


def deployment(cluster) -> str:
    create(cluster, "persistentvolumeclaims", claim("store"))
    create(cluster, "deployments", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "app"}},
                 "template": {"metadata": {"labels": {"app": "app"}}, "spec": {
                     "containers": [container()],
                     "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "store"}}]}}}})
    return "app-"


@pytest.mark.parametrize("make,hostname", [(statefulset, "web-0"), (deployment, None)], ids=["statefulset", "deployment"])
def test_a_replacement_pod_reads_what_the_deleted_one_wrote(cluster, make, hostname):
    prefix = make(cluster)
    settle_cluster(cluster, horizon=60)
    first = pods(cluster, prefix)[0]
    assert log(cluster, first) == ["cat: can't open '/data/f': No such file or directory"]
    registry.delete(cluster, by_plural("pods"), NS, first["metadata"]["name"])
    settle_cluster(cluster, horizon=60)
    second = pods(cluster, prefix)[0]
    assert second["metadata"]["uid"] != first["metadata"]["uid"]
    wrote = f"hi from {hostname or first['metadata']['name']}"
    assert log(cluster, second) == [wrote]


def test_deleting_the_claim_deletes_the_provisioned_volume_and_its_data(cluster):
    deployment(cluster)
    settle_cluster(cluster, horizon=60)
    assert VolumeFile.objects.filter(cluster=cluster, volume__startswith="pv/").count() == 1
    registry.delete(cluster, by_plural("deployments"), NS, "app")
    settle_cluster(cluster, horizon=60)
    registry.delete(cluster, by_plural("persistentvolumeclaims"), NS, "store")
    settle_cluster(cluster, horizon=60)
    assert registry.objects(cluster, "persistentvolumes", None) == []
    assert not VolumeFile.objects.filter(cluster=cluster, volume__startswith="pv/").exists()
    deployment(cluster)  # the same claim name again: a new volume, empty
    settle_cluster(cluster, horizon=60)
    assert log(cluster, pods(cluster, "app-")[0]) == ["cat: can't open '/data/f': No such file or directory"]


def test_a_hostpath_persistent_volume_serves_what_a_pod_wrote_on_the_node(cluster):
    """The PV tutorial's /mnt/data/index.html, written by a pod instead of a shell on the node."""
    node = {"nodeName": "node-1"}
    create(cluster, "pods", {"metadata": {"name": "writer"}, "spec": {**node, "restartPolicy": "Never", "containers": [
        container("echo 'Hello from Kubernetes storage' > /mnt/data/index.html", "/mnt/data")],
        "volumes": [{"name": "data", "hostPath": {"path": "/mnt/data", "type": "DirectoryOrCreate"}}]}})
    registry.create(cluster, by_plural("persistentvolumes"), None, {"metadata": {"name": "task-pv-volume"}, "spec": {
        "storageClassName": "manual", "capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
        "hostPath": {"path": "/mnt/data"}}})
    create(cluster, "persistentvolumeclaims", {"metadata": {"name": "task-pv-claim"}, "spec": {
        "storageClassName": "manual", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "3Gi"}}}})
    settle_cluster(cluster, horizon=60)
    create(cluster, "pods", {"metadata": {"name": "reader"}, "spec": {**node, "containers": [
        container("cat /usr/share/nginx/html/index.html; sleep 3600", "/usr/share/nginx/html")],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "task-pv-claim"}}]}})
    settle_cluster(cluster, horizon=60)
    assert log(cluster, pods(cluster, "reader")[0]) == ["Hello from Kubernetes storage"]
