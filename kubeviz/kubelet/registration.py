"""Node registration: the Node object a kubelet posts when it joins the cluster."""
from __future__ import annotations

import hashlib
from typing import Any

KUBELET_VERSION = "v1.32.0"
RUNTIME_VERSION = "containerd://1.7.24"


def node_manifest(
    *,
    name: str,
    index: int,
    cpu: str = "4",
    memory: str = "8Gi",
    pods: int = 110,
    zone: str = "zone-a",
    region: str = "kubeviz",
    now: str,
) -> dict[str, Any]:
    """A worker node as its kubelet registers it, with the labels real nodes carry."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    capacity = {"cpu": str(cpu), "memory": memory, "pods": str(pods), "ephemeral-storage": "100Gi"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "beta.kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/zone": zone,
                "topology.kubernetes.io/region": region,
            },
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {"podCIDR": f"10.244.{index}.0/24", "podCIDRs": [f"10.244.{index}.0/24"]},
        "status": {
            "capacity": capacity,
            "allocatable": dict(capacity),
            "conditions": [
                _condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now),
                _condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now),
                _condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now),
                _condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", now),
            ],
            "addresses": [
                {"type": "InternalIP", "address": f"192.168.49.{index + 10}"},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": digest[:8] + "-" + digest[8:12] + "-" + digest[12:16] + "-" + digest[16:20] + "-" + digest[20:32],
                "containerRuntimeVersion": RUNTIME_VERSION,
                "kernelVersion": "6.1.0-kubeviz",
                "kubeProxyVersion": KUBELET_VERSION,
                "kubeletVersion": KUBELET_VERSION,
                "machineID": digest[32:64],
                "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "systemUUID": digest[:8] + "-" + digest[8:12] + "-" + digest[12:16] + "-" + digest[16:20] + "-" + digest[20:32],
            },
            "images": [],
        },
    }


def _condition(ctype: str, status: str, reason: str, message: str, now: str) -> dict[str, Any]:
    return {
        "type": ctype, "status": status, "reason": reason, "message": message,
        "lastHeartbeatTime": now, "lastTransitionTime": now,
    }
