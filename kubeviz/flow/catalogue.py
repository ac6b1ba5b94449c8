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
    #: what a production cluster does at this point that the simulation leaves out or shortens
    real: str = ""


CATALOGUE: dict[int, StepInfo] = {
    s.number: s
    for s in [
        StepInfo(
            1, "client", "apiserver", "A request reaches the API server",
            "Every change to a cluster starts as an HTTP request to the API server: kubectl, "
            "a dashboard button or a controller all use the same API. The API server "
            "authenticates the caller, fills in defaults and validates the object before "
            "anything is stored. A real cluster also runs admission plugins at this point.",
            real=(
                "In a real cluster the request also passes authentication (certificates, tokens, "
                "OIDC), authorization (RBAC) and mutating and validating admission webhooks, in "
                "that order, before anything is stored."
            ),
        ),
        StepInfo(
            2, "apiserver", "etcd", "The desired state is stored in etcd",
            "The API server writes the object to etcd, the cluster's only database. etcd gives "
            "the write a new revision, which becomes the object's resourceVersion. Nothing "
            "runs yet: the object only records what should exist.",
            real=(
                "A real etcd is a replicated key-value store: the write is committed once a "
                "majority of etcd members (usually 3 or 5) agree, and the API server keeps a "
                "watch cache in memory so most reads never reach etcd."
            ),
        ),
        StepInfo(
            3, "apiserver", "scheduler", "The scheduler sees a pod without a node",
            "The scheduler watches the API server for pods whose spec.nodeName is empty. The "
            "watch delivers the new pod and the scheduler puts it in its scheduling queue.",
            real=(
                "kube-scheduler runs as its own process (often several, with one elected leader)."
                " Its informer keeps a local copy of all pods and nodes, so it never polls the "
                "API server."
            ),
        ),
        StepInfo(
            4, "scheduler", "apiserver", "The scheduler binds the pod to a node",
            "The scheduler filters out nodes that cannot run the pod (not enough CPU or "
            "memory, taints, node selectors), scores the rest and posts a Binding for the "
            "best one to the API server.",
            real=(
                "A real scheduler runs dozens of filter and score plugins, can preempt lower-"
                "priority pods to make room, and may batch its decisions; the Binding is a tiny "
                "object that names only the node."
            ),
        ),
        StepInfo(
            5, "apiserver", "etcd", "The binding is stored",
            "The API server records the chosen node in the pod's spec.nodeName and writes the "
            "pod back to etcd.",
            real=(
                "Kubernetes writes the binding with an optimistic-concurrency check, so two "
                "schedulers can never bind the same pod to two nodes."
            ),
        ),
        StepInfo(
            6, "apiserver", "kubelet", "The node's kubelet learns of its new pod",
            "Each node's kubelet watches for pods bound to its node. The watch tells the "
            "kubelet of the new pod, which it now owns.",
            real=(
                "Each kubelet only watches pods whose spec.nodeName is its own node, so a cluster"
                " of thousands of nodes does not send every pod to every kubelet."
            ),
        ),
        StepInfo(
            7, "kubelet", "runtime", "The container runtime pulls images and starts containers",
            "The kubelet asks the container runtime (containerd or CRI-O in a real cluster) "
            "to pull the images and start the pod's containers.",
            real="The kubelet talks to the runtime over the Container Runtime Interface (CRI, gRPC). The runtime pulls layers from a registry, sets up the pod's network namespace through a CNI plugin and starts the containers with runc.",
        ),
        StepInfo(
            8, "kubelet", "apiserver", "The kubelet reports the pod's status",
            "The kubelet sends the pod's new status (phase, conditions, container states, "
            "pod IP) to the API server's status subresource.",
            real="A real kubelet batches status updates and also runs liveness, readiness and startup probes; their results show up in the pod's conditions.",
        ),
        StepInfo(
            9, "apiserver", "etcd", "The status is stored",
            "The API server writes the status to etcd. Everyone watching the pod (kubectl get "
            "-w, controllers, the endpoints controller) now sees it Running.",
            real=(
                "Controllers such as the endpoints controller react to this status change: a pod "
                "that becomes Ready is added to the Services that select it."
            ),
        ),
    ]
}



@dataclass(frozen=True)
class CategoryInfo:
    """Teaching text for the steps that are not part of the numbered 1–9 flow."""

    category: str
    title: str
    explanation: str
    real: str = ""


CATEGORY_INFO: dict[str, CategoryInfo] = {
    c.category: c
    for c in [
        CategoryInfo(
            "flow", "Part of a request's path",
            "A request on its way through the control plane: a client or a component asks the "
            "API server for something, and the API server stores the result in etcd.",
            "Every change in a real cluster takes this path; nothing talks to etcd except the API server.",
        ),
        CategoryInfo(
            "controller", "A controller reconciles",
            "Controllers in the controller manager watch objects and compare what should exist with "
            "what does. The deployment controller creates a ReplicaSet for each pod template, the "
            "ReplicaSet controller creates or deletes pods until the count matches, the node "
            "lifecycle controller marks silent nodes NotReady and evicts their pods, the namespace "
            "controller empties a namespace being deleted before letting it go. Each one only "
            "talks to the API server, and running it twice is harmless: it re-reads the state and "
            "acts on the difference.",
            "kube-controller-manager runs about thirty such controllers in one process, each with its "
            "own work queue; with several replicas, one is elected leader through a Lease.",
        ),
        CategoryInfo(
            "heartbeat", "A node's heartbeat",
            "Every few seconds each kubelet renews its node's Lease in the kube-node-lease namespace "
            "and now and then updates the node's status. That is how the control plane knows the node "
            "is alive: if the heartbeats stop for longer than the grace period, the node lifecycle "
            "controller marks the node NotReady and, a little later, evicts its pods.",
            "A real kubelet renews its Lease every 10 seconds and the default grace period is 40 "
            "seconds; this demo cluster uses shorter timings so a class does not have to wait.",
        ),
        CategoryInfo(
            "gc", "The garbage collector",
            "Objects point to their owners with ownerReferences: a pod to its ReplicaSet, a "
            "ReplicaSet to its Deployment. When an owner is deleted, the garbage collector deletes "
            "its dependents (in the background, or first with foreground deletion) or orphans them "
            "when asked to.",
            "The real garbage collector keeps a graph of all owner relationships in memory and also "
            "honours blockOwnerDeletion and the orphan and foregroundDeletion finalizers.",
        ),
        CategoryInfo(
            "proxy", "kube-proxy updates the service rules",
            "kube-proxy runs on every node and watches Services and EndpointSlices. When the set of "
            "ready pods behind a Service changes, it rewrites the node's rules so that traffic to the "
            "Service's virtual IP is spread over those pods.",
            "In a real cluster these rules are iptables, IPVS or nftables rules in the node's kernel; "
            "packets are redirected without passing through kube-proxy itself.",
        ),
        CategoryInfo(
            "event", "An Event is recorded",
            "Components write Events to tell people what happened to an object: Scheduled, Pulling, "
            "Started, BackOff, FailedScheduling. They are ordinary API objects stored in etcd and are "
            "what kubectl describe shows at the bottom.",
            "Real clusters keep Events only for an hour by default and merge repeats into one Event "
            "with a count.",
        ),
        CategoryInfo(
            "scheduler", "The scheduler acts on a pod",
            "Besides binding pods, the scheduler reports pods it cannot place (the PodScheduled "
            "condition and a FailedScheduling Event) and may preempt lower-priority pods to make room "
            "for a more important one.",
            "A pod that fits nowhere waits in the scheduler's unschedulable queue and is retried when "
            "something changes: a node is added, another pod goes away.",
        ),
        CategoryInfo(
            "kubelet", "The kubelet acts on its node",
            "The kubelet is the node's agent: it starts and stops the containers of the pods bound to "
            "its node, restarts crashed containers with a growing back-off, and reports what it sees.",
            "A real kubelet also mounts volumes, runs probes, enforces resource limits with cgroups "
            "and evicts pods when the node runs short of memory or disk.",
        ),
        CategoryInfo(
            "fault", "A fault was injected",
            "Someone pressed a fault button: a node failed or recovered, or a control-plane component "
            "was stopped or started. Watch what the rest of the cluster does about it: with the "
            "scheduler stopped new pods stay Pending; with a node failed its heartbeats stop and, "
            "after the grace period, its pods are replaced elsewhere.",
            "Kubernetes is built for these failures: every component can restart and catch up, "
            "because the desired state is in etcd and every controller is level-triggered.",
        ),
    ]
}

CATEGORIES = tuple(CATEGORY_INFO)

#: What each component in a step's source or target does (the prefix before "/<node>").
COMPONENT_INFO: dict[str, str] = {
    "client": "A client: kubectl, the dashboard's YAML form and buttons, or a program using the REST API.",
    "apiserver": "kube-apiserver, the front door of the cluster: it authenticates, validates and stores "
                 "every object, and lets every component watch for changes.",
    "etcd": "etcd, the cluster's database: a revisioned key-value store; each write gets a new revision.",
    "scheduler": "kube-scheduler: chooses a node for every pod that has none, and posts a Binding.",
    "controller-manager": "kube-controller-manager: the controllers (deployment, ReplicaSet, node "
                          "lifecycle, endpoints, garbage collector) that turn desired state into objects.",
    "kubelet": "The kubelet, the agent on each node: runs the pods bound to its node and reports their status.",
    "runtime": "The container runtime (containerd or CRI-O in a real cluster): pulls images, runs containers.",
    "kube-proxy": "kube-proxy, on each node: programs the rules that send Service traffic to pods.",
}


def component_role(name: str) -> str:
    """What the component named in a step (``kubelet/node-1``) does."""
    return COMPONENT_INFO.get(name.split("/", 1)[0], "")


def step_explain(*, step: int | None, category: str, source: str = "", target: str = "") -> dict[str, str]:
    """A few sentences about one step: what happens, why, and what a real cluster does."""
    if step in CATALOGUE:
        info = CATALOGUE[step]
        title, text, real = f"{info.number}. {info.title}", info.explanation, info.real
    else:
        cat = CATEGORY_INFO.get(category) or CATEGORY_INFO["flow"]
        title, text, real = cat.title, cat.explanation, cat.real
    return {
        "title": title,
        "explanation": text,
        "real": real,
        "source_role": component_role(source) if source else "",
        "target_role": component_role(target) if target else "",
    }


def catalogue_data() -> dict:
    """The whole catalogue as JSON-ready data (the dashboard explains steps client-side)."""
    return {
        "steps": {
            str(n): {"title": s.title, "source": s.source, "target": s.target,
                     "explanation": s.explanation, "real": s.real}
            for n, s in CATALOGUE.items()
        },
        "categories": {
            c.category: {"title": c.title, "explanation": c.explanation, "real": c.real}
            for c in CATEGORY_INFO.values()
        },
        "components": dict(COMPONENT_INFO),
    }
