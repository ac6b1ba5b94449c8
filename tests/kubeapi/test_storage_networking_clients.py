"""The storage and networking kinds through kubectl (skipped where absent) and the official
Python client: served, defaulted, and printed with kubectl's columns."""
from __future__ import annotations

import pytest
from kubernetes import client

MANIFEST = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  rules:
  - host: shop.example
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all}
spec: {podSelector: {}}
"""

HEADERS = [
    (["get", "storageclass"], ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"],
     ["standard", "(default)", "kubeviz.dev/hostpath", "Delete", "Immediate", "false"]),
    (["get", "pvc"], ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"],
     ["data", "Pending", "standard", "<unset>"]),
    (["get", "ingress"], ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"], ["shop", "nginx", "shop.example", "80"]),
    (["get", "netpol"], ["NAME", "POD-SELECTOR", "AGE"], ["deny-all", "<none>"]),
    (["get", "ingressclass"], ["NAME", "CONTROLLER", "PARAMETERS", "AGE"], ["nginx", "k8s.io/ingress-nginx", "<none>"]),
]


@pytest.mark.kubectl
def test_kubectl_applies_and_prints_the_new_kinds(kubectl_bin, kv_cluster):
    kv_cluster.kubectl("apply", "-f", "-", input=MANIFEST)
    for args, header, row in HEADERS:
        lines = kv_cluster.kubectl(*args).stdout.splitlines()
        assert lines[0].split() == header, args
        assert lines[1].split()[:len(row)] == row, (args, lines[1])


def test_the_python_client_creates_and_reads_them(kv_cluster):
    api = kv_cluster.python_client()
    core, net, storage = client.CoreV1Api(api), client.NetworkingV1Api(api), client.StorageV1Api(api)
    core.create_namespaced_persistent_volume_claim("default", client.V1PersistentVolumeClaim(
        metadata=client.V1ObjectMeta(name="data"),
        spec=client.V1PersistentVolumeClaimSpec(access_modes=["ReadWriteOnce"],
                                                resources=client.V1VolumeResourceRequirements(requests={"storage": "1Gi"}))))
    claim = core.read_namespaced_persistent_volume_claim("data", "default")
    assert (claim.spec.storage_class_name, claim.status.phase) == ("standard", "Pending")
    assert [c.metadata.name for c in storage.list_storage_class().items] == ["standard"]
    net.create_namespaced_network_policy("default", client.V1NetworkPolicy(
        metadata=client.V1ObjectMeta(name="db"), spec=client.V1NetworkPolicySpec(pod_selector=client.V1LabelSelector(match_labels={"app": "db"}))))
    assert net.read_namespaced_network_policy("db", "default").spec.policy_types == ["Ingress"]
    core.create_persistent_volume(client.V1PersistentVolume(
        metadata=client.V1ObjectMeta(name="pv1"),
        spec=client.V1PersistentVolumeSpec(capacity={"storage": "1Gi"}, access_modes=["ReadWriteOnce"],
                                           host_path=client.V1HostPathVolumeSource(path="/mnt/pv1"))))
    assert core.read_persistent_volume("pv1").spec.persistent_volume_reclaim_policy == "Retain"
