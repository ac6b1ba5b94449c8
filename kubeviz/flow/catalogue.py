"""The 1–9 pod-creation flow: who talks to whom at each number, and why.

The teaching text lives here so the dashboard, the tutorials and the REST API all tell
the same story.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepInfo:
    number: int
    source: str
    target: str
    title: str
    explanation: str


CATALOGUE: dict[int, StepInfo] = {
    s.number: s
    for s in [
        StepInfo(
            1, "client", "apiserver", "A request reaches the API server",
            "Every change to a cluster starts as an HTTP request to the API server: kubectl, "
            "a dashboard button or a controller all use the same API. The API server "
            "authenticates the caller, fills in defaults and validates the object before "
            "anything is stored. A real cluster also runs admission plugins at this point.",
        ),
        StepInfo(
            2, "apiserver", "etcd", "The desired state is stored in etcd",
            "The API server writes the object to etcd, the cluster's only database. etcd gives "
            "the write a new revision, which becomes the object's resourceVersion. Nothing "
            "runs yet: the object only records what should exist.",
        ),
        StepInfo(
            3, "apiserver", "scheduler", "The scheduler sees a pod without a node",
            "The scheduler watches the API server for pods whose spec.nodeName is empty. The "
            "watch delivers the new pod and the scheduler puts it in its scheduling queue.",
        ),
        StepInfo(
            4, "scheduler", "apiserver", "The scheduler binds the pod to a node",
            "The scheduler filters out nodes that cannot run the pod (not enough CPU or "
            "memory, taints, node selectors), scores the rest and posts a Binding for the "
            "best one to the API server.",
        ),
        StepInfo(
            5, "apiserver", "etcd", "The binding is stored",
            "The API server records the chosen node in the pod's spec.nodeName and writes the "
            "pod back to etcd.",
        ),
        StepInfo(
            6, "apiserver", "kubelet", "The node's kubelet learns of its new pod",
            "Each node's kubelet watches for pods bound to its node. The watch tells the "
            "kubelet of the new pod, which it now owns.",
        ),
        StepInfo(
            7, "kubelet", "runtime", "The container runtime pulls images and starts containers",
            "The kubelet asks the container runtime (containerd or CRI-O in a real cluster) "
            "to pull the images and start the pod's containers.",
        ),
        StepInfo(
            8, "kubelet", "apiserver", "The kubelet reports the pod's status",
            "The kubelet sends the pod's new status (phase, conditions, container states, "
            "pod IP) to the API server's status subresource.",
        ),
        StepInfo(
            9, "apiserver", "etcd", "The status is stored",
            "The API server writes the status to etcd. Everyone watching the pod (kubectl get "
            "-w, controllers, the endpoints controller) now sees it Running.",
        ),
    ]
}

CATEGORIES = ("flow", "controller", "proxy", "heartbeat", "gc", "event", "scheduler", "kubelet")
