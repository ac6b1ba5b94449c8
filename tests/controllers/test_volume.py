"""The PersistentVolume controller and the simulated provisioner, with the whole cluster
settling: binding by class, size and access mode, dynamic provisioning from the default
StorageClass, claims left waiting with Kubernetes' events, and reclaim policies."""
from __future__ import annotations

from typing import Any

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import settle_cluster

from .kit import create, events, get

Obj = dict[str, Any]


def pv(name: str, size: str, *, cls: str = "manual", modes: tuple[str, ...] = ("ReadWriteOnce",), policy: str = "Retain") -> Obj:
    return {"metadata": {"name": name}, "spec": {
        "capacity": {"storage": size}, "accessModes": list(modes), "storageClassName": cls,
        "persistentVolumeReclaimPolicy": policy, "hostPath": {"path": f"/mnt/{name}"}}}


def pvc(name: str = "data", size: str = "1Gi", modes: tuple[str, ...] = ("ReadWriteOnce",), **spec: Any) -> Obj:
    return {"metadata": {"name": name}, "spec": {
        "accessModes": list(modes), "resources": {"requests": {"storage": size}}, **spec}}


def volume(cluster, name: str) -> Obj | None:
    found = registry.objects(cluster, "persistentvolumes", None, name=name)
    return found[0] if found else None


def add_volumes(cluster, *volumes: Obj) -> None:
    for v in volumes:
        registry.create(cluster, by_plural("persistentvolumes"), None, v)


STATIC = [pv("small", "2Gi"), pv("big", "10Gi"), pv("shared", "1Gi", modes=("ReadWriteMany",)), pv("other", "1Gi", cls="fast")]
BINDING = [
    ("smallest fitting volume of the class", pvc(storageClassName="manual"), "small"),
    ("a bigger request takes the bigger volume", pvc(size="5Gi", storageClassName="manual"), "big"),
    ("access mode ReadWriteMany", pvc(modes=("ReadWriteMany",), storageClassName="manual"), "shared"),
    ("named volume", pvc(storageClassName="manual", volumeName="big"), "big"),
]


@pytest.mark.parametrize("claim,expected", [b[1:] for b in BINDING], ids=[b[0] for b in BINDING])
def test_the_binder_picks_a_static_volume(cluster, claim, expected):
    add_volumes(cluster, *STATIC)
    create(cluster, "persistentvolumeclaims", claim)
    settle_cluster(cluster, horizon=10)
    bound = get(cluster, "persistentvolumeclaims", "data")
    chosen = volume(cluster, expected)
    assert (bound["status"]["phase"], bound["spec"]["volumeName"]) == ("Bound", expected)
    assert bound["status"]["capacity"] == chosen["spec"]["capacity"]
    assert (chosen["status"]["phase"], chosen["spec"]["claimRef"]["name"]) == ("Bound", "data")
    assert volume(cluster, "other")["status"]["phase"] == "Available"


def test_the_default_class_provisions_a_volume_named_after_the_claim(cluster):
    created = create(cluster, "persistentvolumeclaims", pvc(size="3Gi"))
    settle_cluster(cluster, horizon=10)
    name = f"pvc-{created['metadata']['uid']}"
    claim, made = get(cluster, "persistentvolumeclaims", "data"), volume(cluster, name)
    assert (claim["status"]["phase"], claim["spec"]["volumeName"], claim["spec"]["storageClassName"]) == ("Bound", name, "standard")
    assert (made["spec"]["capacity"], made["spec"]["persistentVolumeReclaimPolicy"], made["spec"]["hostPath"]["path"]) == \
        ({"storage": "3Gi"}, "Delete", f"/var/lib/kubeviz/volumes/{name}")
    assert [e["message"] for e in events(cluster, "data", "ProvisioningSucceeded")] == [f"Successfully provisioned volume {name}"]


WAITING = [
    ("no class, no volume", None, pvc(storageClassName=""), "FailedBinding",
     "no persistent volumes available for this claim and no storage class is set"),
    ("unknown class", None, pvc(storageClassName="gold"), "ProvisioningFailed", 'storageclass.storage.k8s.io "gold" not found'),
    ("WaitForFirstConsumer", {"metadata": {"name": "late"}, "provisioner": "kubeviz.dev/hostpath", "volumeBindingMode": "WaitForFirstConsumer"},
     pvc(storageClassName="late"), "WaitForFirstConsumer", "waiting for first consumer to be created before binding"),
    ("another provisioner", {"metadata": {"name": "ebs"}, "provisioner": "ebs.csi.aws.com"}, pvc(storageClassName="ebs"),
     "ExternalProvisioning", "Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com'"),
]


@pytest.mark.parametrize("sc,claim,reason,words", [w[1:] for w in WAITING], ids=[w[0] for w in WAITING])
def test_claims_that_cannot_bind_wait_and_say_why(cluster, sc, claim, reason, words):
    if sc:
        registry.create(cluster, by_plural("storageclasses"), None, sc)
    create(cluster, "persistentvolumeclaims", claim)
    settle_cluster(cluster, horizon=10)
    assert get(cluster, "persistentvolumeclaims", "data")["status"]["phase"] == "Pending"
    assert any(words in e["message"] for e in events(cluster, "data", reason)), [e["message"] for e in events(cluster, "data")]


def test_reclaim_policies_when_the_claim_is_deleted(cluster):
    add_volumes(cluster, pv("kept", "1Gi", policy="Retain"))
    create(cluster, "persistentvolumeclaims", pvc("static", storageClassName="manual"))
    dynamic = create(cluster, "persistentvolumeclaims", pvc("dynamic"))
    settle_cluster(cluster, horizon=10)
    for name in ("static", "dynamic"):
        registry.delete(cluster, by_plural("persistentvolumeclaims"), "default", name)
    settle_cluster(cluster, horizon=10)
    assert volume(cluster, "kept")["status"]["phase"] == "Released"
    assert volume(cluster, f"pvc-{dynamic['metadata']['uid']}") is None
