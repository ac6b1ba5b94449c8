"""Node registration: the Node object a kubelet posts when it joins the cluster."""
from __future__ import annotations

import hashlib
from typing import Any

from .nodestatus import image_entry

KUBELET_VERSION = "v1.32.0"
SANDBOX_IMAGE = "registry.k8s.io/pause:3.10"
RUNTIME_VERSION = "containerd://1.7.24"
# Labels the kubelet sets itself; a template's node labels may not override them.
KUBELET_LABELS = (
    "kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch", "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch", "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
)


def node_manifest(
    *,
    name: str,
    index: int,
    cpu: str = "4",
    memory: str = "8Gi",
    pods: int = 110,
    zone: str = "zone-a",
    region: str = "kubeviz",
    labels: dict[str, str] | None = None,
    taints: list[dict[str, str]] | None = None,
    now: str,
) -> dict[str, Any]:
    """A worker node as its kubelet registers it, with the labels real nodes carry, plus
    ``labels`` (``--node-labels``) and ``taints`` (``--register-with-taints``: key, value,
    effect; an empty value is left out, as the kubelet leaves it)."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    capacity = {
        "cpu": str(cpu), "ephemeral-storage": "100Gi", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
        "memory": memory, "pods": str(pods),
    }
    boot = hashlib.sha256(f"{name}/boot".encode()).hexdigest()
    # The sandbox (pause) image every pod needs is on the node before any pod arrives.
    sandbox = image_entry(SANDBOX_IMAGE)
    spec: dict[str, Any] = {"podCIDR": f"10.244.{index}.0/24", "podCIDRs": [f"10.244.{index}.0/24"]}
    if taints:
        spec["taints"] = [
            {"key": t["key"], **({"value": t["value"]} if t.get("value") else {}), "effect": t["effect"]}
            for t in taints
        ]
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
                **(labels or {}),
            },
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": spec,
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
                "bootID": _uuid(boot),
                "containerRuntimeVersion": RUNTIME_VERSION,
                "kernelVersion": "6.1.0-kubeviz",
                "kubeProxyVersion": KUBELET_VERSION,
                "kubeletVersion": KUBELET_VERSION,
                "machineID": digest[32:64],
                "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "systemUUID": _uuid(digest),
            },
            "images": [sandbox] if sandbox else [],
        },
    }


def _condition(ctype: str, status: str, reason: str, message: str, now: str) -> dict[str, Any]:
    return {
        "type": ctype, "status": status, "reason": reason, "message": message,
        "lastHeartbeatTime": now, "lastTransitionTime": now,
    }


def _uuid(digest: str) -> str:
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
