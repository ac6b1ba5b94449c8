"""The 1–9 pod-creation flow: who talks to whom at each number, and why.

The teaching text lives here so the dashboard, the tutorials and the REST API all tell
the same story.

The numbering rule: a step carries a number 1–9 only when it is that hop of the
pod-creation flow, so the number's text is true of it. 1 is any request reaching the API
server; 2 is a *create* stored in etcd; 3 the scheduler taking an unbound pod from its
queue; 4 and 5 the binding; 6 the kubelet learning of a pod new to its node; 7 the first
pull or start of a container; 8 and 9 the kubelet's report, and its storing, of a pod whose
containers all run. Everything else (updates, deletions, status that is not Running,
restarts, stops, exits) is unnumbered and explained by its topic (``TOPIC_INFO``, keyed by
``topic_key``), or else by its category.

Every step message is rendered from ``MESSAGES`` (``say``), so one test reads them all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
            "authenticates the caller and, for a create or an update, fills in defaults, runs "
            "admission plugins (such as DefaultTolerationSeconds) and validates the object before "
            "anything is stored.",
            real=(
                "In a real cluster the request also passes authentication (certificates, tokens, "
                "OIDC), authorization (RBAC) and mutating and validating admission webhooks, in "
                "that order, before anything is stored. The simulation trusts the cluster's one bearer "
                "token and runs only the built-in defaulting admission."
            ),
        ),
        StepInfo(
            2, "apiserver", "etcd", "The desired state is stored in etcd",
            "The API server writes the new object to etcd, the cluster's only database. etcd gives "
            "the write a new revision, which becomes the object's resourceVersion. Nothing "
            "runs yet: the object only records what should exist, and controllers, the scheduler "
            "and kubelets act on it when their watches deliver it.",
            real=(
                "A real etcd is a replicated key-value store: the write is committed once a "
                "majority of etcd members (usually 3 or 5) agree, and the API server keeps a "
                "watch cache in memory so most reads never reach etcd."
            ),
        ),
        StepInfo(
            3, "apiserver", "scheduler", "The scheduler sees a pod without a node",
            "The scheduler watches the API server for pods whose spec.nodeName is empty. The "
            "watch delivers the new pod and the scheduler puts it in its scheduling queue; a pod "
            "that fitted nowhere is taken from the queue again when something changes.",
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
            "to pull each container's image, unless the node has it already and the "
            "imagePullPolicy allows using it, and then to create and start the container.",
            real=(
                "The kubelet talks to the runtime over the Container Runtime Interface (CRI, gRPC). The "
                "runtime pulls layers from a registry, sets up the pod's network namespace through a CNI "
                "plugin and starts the containers with runc. No container runs here: pull times and "
                "image sizes are simulated."
            ),
        ),
        StepInfo(
            8, "kubelet", "apiserver", "The kubelet reports the pod's status",
            "Every container of the pod is running now, and the kubelet sends the pod's new status "
            "(phase Running, conditions, container states, pod IP) to the API server's status "
            "subresource.",
            real=(
                "The kubelet's status manager sends a status only when it changed. Probes run from "
                "here on, and the simulation runs them too (teacher annotations make them fail): only "
                "the readiness probe shows in the pod's conditions (Ready and ContainersReady); the "
                "startup probe sets containerStatuses[].started, and a failed liveness probe makes the "
                "kubelet restart the container."
            ),
        ),
        StepInfo(
            9, "apiserver", "etcd", "The status is stored",
            "The API server writes the status to etcd. Everyone watching the pod (kubectl get "
            "-w, controllers, the endpoints controller) now sees it Running. Whether it is also "
            "Ready, and so receives Service traffic, is its Ready condition's say.",
            real=(
                "Controllers such as the endpoints controller react to this status change: a pod "
                "whose Ready condition is True is added to the endpoints of the Services that select it."
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
            "lifecycle controller sets a silent node's Ready condition to Unknown and taints it "
            "node.kubernetes.io/unreachable (the taint then evicts its pods), the namespace "
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
            "is alive: if its Lease is not renewed for longer than the grace period, the node lifecycle "
            "controller sets the node's Ready condition to Unknown (reason NodeStatusUnknown, "
            "\"Kubelet stopped posting node status.\") and adds the node.kubernetes.io/unreachable "
            "NoExecute taint. Pods leave once their toleration of that taint runs out: "
            "tolerationSeconds, 300 s unless the pod says otherwise, added by the "
            "DefaultTolerationSeconds admission plugin.",
            "A real kubelet renews its Lease every 10 seconds (a quarter of its 40 s duration) and "
            "kube-controller-manager's --node-monitor-grace-period is 50 s by default since v1.32 (40 s "
            "before); the demo cluster uses shorter timings (16 s, and 20 s of tolerationSeconds) so a "
            "class does not have to wait.",
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
            "A real kubelet also mounts volumes, enforces resource limits with cgroups and evicts pods "
            "when the node runs short of memory or disk; the simulation has none of these. It does run "
            "startup, liveness and readiness probes (teacher annotations make them fail) and kills a "
            "container above its memory limit (OOMKilled).",
        ),
        CategoryInfo(
            "fault", "A fault was injected",
            "Someone pressed a fault button: a node failed or recovered, or a control-plane component "
            "was stopped or started. Watch what the rest of the cluster does about it: with the "
            "scheduler stopped new pods stay Pending; with a node failed its heartbeats stop, after "
            "the grace period its Ready condition becomes Unknown and, once their tolerationSeconds "
            "run out, its pods are replaced elsewhere.",
            "Kubernetes is built for these failures: every component can restart and catch up, "
            "because the desired state is in etcd and every controller is level-triggered.",
        ),
    ]
}

CATEGORIES = tuple(CATEGORY_INFO)


@dataclass(frozen=True)
class TopicInfo:
    """Teaching text for an unnumbered step, by what actually happened (``topic_key``)."""

    key: str
    title: str
    explanation: str
    real: str = ""


TOPIC_INFO: dict[str, TopicInfo] = {
    t.key: t
    for t in [
        TopicInfo(
            "apiserver>etcd:update", "A change is stored in etcd",
            "The API server wrote a new version of an existing object to etcd; etcd gave it a new "
            "revision, which becomes its resourceVersion. Watchers receive a MODIFIED event and act on "
            "the difference. An update that names an older resourceVersion than the stored one is "
            "refused with 409 Conflict, so two writers cannot silently overwrite each other.",
        ),
        TopicInfo(
            "apiserver>etcd:update status", "A status is stored in etcd",
            "The API server wrote the object's status (its status subresource) to etcd. Status records "
            "what is observed, not what is wanted: the kubelet writes its pods' status, controllers "
            "their objects', the node lifecycle controller a silent node's conditions.",
        ),
        TopicInfo(
            "apiserver>etcd:terminate", "The object is marked for deletion",
            "The API server did not remove the object: it set metadata.deletionTimestamp (and, for a "
            "pod, the grace period) and stored it. A pod now shows as Terminating until its kubelet has "
            "stopped its containers; an object with finalizers stays until they are all removed.",
        ),
        TopicInfo(
            "apiserver>etcd:delete", "The object is removed from etcd",
            "The API server removed the object's key from etcd and watchers receive a DELETED event. "
            "Objects that name it in their ownerReferences are now the garbage collector's business.",
        ),
        TopicInfo(
            "kubelet>apiserver:update status", "The kubelet reports what it sees",
            "The kubelet sends the pod's status as it is now: Pending while images are pulled "
            "(ContainerCreating), a waiting reason such as ErrImagePull or CrashLoopBackOff, a "
            "container that exited, a readiness change. Not every container is running, so this is not "
            "step 8 of the creation flow.",
        ),
        TopicInfo(
            "kubelet>apiserver:delete", "The kubelet confirms the pod has stopped",
            "Once every container of a Terminating pod has stopped, the kubelet deletes the pod again "
            "with grace period 0; only then does the API server remove it from etcd.",
        ),
        TopicInfo(
            "kubelet>runtime:restart", "The kubelet restarts a container",
            "The container had exited and the pod's restartPolicy says to restart it. The kubelet waited "
            "out the back-off (10 s, doubling on each restart up to 5 minutes) and asks the runtime for "
            "a new container; restartCount goes up by one.",
        ),
        TopicInfo(
            "kubelet>runtime:stop", "The kubelet stops a container",
            "The pod is being deleted. The runtime sends SIGTERM to the container's main process and, "
            "if it is still running when the grace period (terminationGracePeriodSeconds, 30 s unless "
            "set) is over, SIGKILL.",
            "A real kubelet first runs the container's preStop hook, inside the same grace period; the "
            "simulation has no hooks.",
        ),
        TopicInfo(
            "runtime>kubelet:exit", "A container exited",
            "The container's main process ended. Exit code 0 is success; 137 means it was killed with "
            "SIGKILL (by the OOM killer, or after a failed liveness or startup probe); any other code is "
            "an error. The kubelet sees it and, as restartPolicy says, restarts it after a back-off "
            "(CrashLoopBackOff) or leaves it terminated.",
            "The kubelet learns of exits from the runtime through its pod lifecycle event generator "
            "(PLEG), which relists containers every second.",
        ),
        TopicInfo(
            "runtime>kubelet:pull failed", "An image pull failed",
            "The registry has no such image (or refused to hand it over). The container waits in "
            "ErrImagePull, then ImagePullBackOff, and the kubelet tries again after a growing back-off.",
            "The simulation knows a catalogue of common images; any other name counts as missing.",
        ),
        TopicInfo(
            "controller-manager>kubelet:check lease", "The node lifecycle controller watches a silent node",
            "The node lifecycle controller compares each node's Lease renewTime with the grace period "
            "(--node-monitor-grace-period). This node's kubelet has stopped renewing it; once the grace "
            "period is over the controller sets the node's Ready condition to Unknown and taints it "
            "node.kubernetes.io/unreachable.",
            "kube-controller-manager looks every --node-monitor-period (5 s); the simulation records a "
            "step at the transitions and every 10 simulated seconds in between.",
        ),
        TopicInfo(
            "controller-manager>kubelet:count down", "Pods wait out their tolerationSeconds",
            "The node carries the node.kubernetes.io/unreachable NoExecute taint. Each pod on it stays "
            "for as long as it tolerates that taint: tolerationSeconds, 300 s unless the pod says "
            "otherwise, added by the DefaultTolerationSeconds admission plugin. Then it is deleted and "
            "its controller creates a replacement on a healthy node; a pod that tolerates the taint "
            "forever (DaemonSet pods do) stays.",
            "In a real cluster the taint eviction controller (formerly the taint manager inside the node "
            "lifecycle controller) deletes the pods.",
        ),
        TopicInfo(
            "apiserver>kubelet:exec", "The API server passes an exec to the kubelet",
            "kubectl exec is a request to the pod's exec subresource (RBAC: create on pods/exec). The API "
            "server checks it, finds the pod's node and hands the stream on to that node's kubelet; the "
            "connection is upgraded to a stream (WebSocket for kubectl 1.30+), so stdin, stdout, stderr "
            "and the exit code flow both ways for as long as the command runs. Nothing is stored in etcd.",
            "A real API server proxies the stream to the kubelet's port 10250, and the kubelet to the "
            "runtime's streaming server. kubeviz's container is simulated: the command runs in its "
            "simulated shell (docs/shell.md), over the container's files as they are now.",
        ),
        TopicInfo(
            "kubelet>runtime:exec", "The runtime runs a command in the container",
            "The container runtime starts a new process inside the running container's namespaces: it "
            "sees the container's files, environment and network, but it is not the container's main "
            "process, so when it exits the container keeps running. Its exit code travels back to kubectl.",
        ),
        TopicInfo(
            "apiserver>kubelet:attach", "The API server passes an attach to the kubelet",
            "kubectl attach (and kubectl run -i) connects to the container's main process rather than "
            "starting a new one (RBAC: create on pods/attach): its output from now on, and its stdin if the "
            "container was made with stdin: true.",
        ),
        TopicInfo(
            "kubelet>runtime:attach", "The runtime attaches to the container's process",
            "The runtime joins the stream to the main process's stdin and stdout. If that process is a shell "
            "reading stdin, what is typed runs in it, and exiting it ends the container.",
        ),
        TopicInfo(
            "apiserver>kubelet:portforward", "The API server passes a port-forward to the kubelet",
            "kubectl port-forward asks the pod's portforward subresource (RBAC: create on pods/portforward) "
            "for a tunnel; each connection to the local port becomes a stream through the API server and "
            "the kubelet to a port of the pod. No Service or kube-proxy is involved.",
        ),
        TopicInfo(
            "kubelet>runtime:portforward", "The runtime forwards a port of the pod",
            "The runtime connects to the port inside the pod's network namespace (localhost:PORT there) "
            "and copies bytes both ways.",
            "kubeviz forwards HTTP requests only and answers them from what the container's server "
            "serves (nginx's html root, …).",
        ),
        TopicInfo(
            "kubelet>runtime:forward", "A forwarded connection reaches the container",
            "One connection to kubectl's local port, delivered to the pod's port: the container's server "
            "answered it (or nothing listens there: connection refused).",
        ),
        TopicInfo(
            "scheduler>apiserver:unschedulable", "Why the pod fits nowhere",
            "Every node failed at least one of the scheduler's filters. In plain words: what the pod "
            "requests, and what each node has free (its allocatable minus the requests of the pods "
            "already on it: requests count, not actual use), or why a node was not considered. The pod "
            "stays Pending and is tried again when something changes.",
            "kube-scheduler says the same in its own words, 0/N nodes are available: …, in the pod's "
            "PodScheduled condition and its FailedScheduling Event (kubectl describe pod).",
        ),
    ]
}


def topic_key(source: str, target: str, action: str) -> str:
    """What an unnumbered step is about: ``kubelet>runtime:stop`` (components without their node)."""
    return f"{source.split('/', 1)[0]}>{target.split('/', 1)[0]}:{action}"

#: What each component in a step's source or target does (the prefix before "/<node>").
COMPONENT_INFO: dict[str, str] = {
    "client": "A client: kubectl, the dashboard's YAML form and buttons, a lesson's or exercise's buttons, "
              "or a program using the REST API.",
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


def step_explain(*, step: int | None, category: str, source: str = "", target: str = "", action: str = "") -> dict[str, str]:
    """A few sentences about one step: what happens, why, and what a real cluster does."""
    topic = TOPIC_INFO.get(topic_key(source, target, action))
    if step in CATALOGUE:
        info = CATALOGUE[step]
        title, text, real = f"{info.number}. {info.title}", info.explanation, info.real
    elif topic is not None:
        title, text, real = topic.title, topic.explanation, topic.real
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
        "topics": {
            t.key: {"title": t.title, "explanation": t.explanation, "real": t.real}
            for t in TOPIC_INFO.values()
        },
        "components": dict(COMPONENT_INFO),
    }


def pod_all_running(status: dict[str, Any]) -> bool:
    """Phase Running with every container running: the goal of the creation flow, so the
    kubelet's report of it is step 8 and its storing step 9."""
    statuses = status.get("containerStatuses") or []
    return (status.get("phase") == "Running" and bool(statuses)
            and all("running" in (cs.get("state") or {}) for cs in statuses))


@dataclass(frozen=True)
class Message:
    """A step message template, with sample values a test renders it with."""

    template: str
    sample: dict[str, Any] = field(default_factory=dict)


#: Every step message the control plane's components record, as one sentence each.
MESSAGES: dict[str, Message] = {
    "request": Message("{component} asked the API server to {verb} {kind} {where}.",
                       {"component": "controller-manager/replicaset", "verb": "create", "kind": "Pod", "where": "default/web-x"}),
    "etcd.create": Message("etcd stored new {kind} {where} (revision {revision}).",
                           {"kind": "Pod", "where": "default/web", "revision": 12}),
    "etcd.update": Message("etcd stored updated {kind} {where} (revision {revision}).",
                           {"kind": "Deployment", "where": "default/web", "revision": 13}),
    "etcd.delete": Message("etcd deleted {kind} {where} (revision {revision}).",
                           {"kind": "Pod", "where": "default/web", "revision": 14}),
    "etcd.terminate": Message("etcd stored {kind} {where}, marked for deletion (revision {revision}).",
                              {"kind": "Pod", "where": "default/web", "revision": 15}),
    "etcd.binding": Message("etcd stored the binding of Pod {where} to node {node} (revision {revision}).",
                            {"where": "default/web", "node": "node-2", "revision": 16}),
    "etcd.status": Message("etcd stored the status of {kind} {where} (revision {revision}).",
                           {"kind": "Pod", "where": "default/web", "revision": 17}),
    "kubelet.watch": Message("The kubelet on {node} learned through its watch that pod {where} is bound to its node.",
                             {"node": "node-1", "where": "default/web"}),
    "kubelet.pull": Message("The kubelet on {node} asked the container runtime to pull image {image} ({size}about {seconds}s).",
                            {"node": "node-1", "image": "nginx:1.27", "size": "68 MB, ", "seconds": 3}),
    "kubelet.image present": Message("The kubelet on {node} found image {image} already on the node, so nothing is pulled.",
                                     {"node": "node-1", "image": "nginx:1.27"}),
    "kubelet.start": Message("The kubelet on {node} asked the container runtime to create and start container {container} ({image}).",
                             {"node": "node-1", "container": "app", "image": "nginx:1.27"}),
    "kubelet.restart": Message(
        "The kubelet on {node} asked the container runtime to start container {container} again ({image}, restart {restarts}).",
        {"node": "node-1", "container": "app", "image": "nginx:1.27", "restarts": 2}),
    "kubelet.stop": Message(
        "The kubelet on {node} asked the container runtime to stop container {container} (SIGTERM, grace period {grace}s).",
        {"node": "node-1", "container": "app", "grace": 30}),
    "runtime.exit": Message("Container {container} on {node} exited with code {code} ({reason}).",
                            {"node": "node-1", "container": "app", "code": 1, "reason": "Error"}),
    "runtime.pull failed": Message("The container runtime on {node} could not pull image {image}: the registry has no such image.",
                                   {"node": "node-1", "image": "nginx:9.99"}),
    "kubelet.status": Message("The kubelet on {node} reported the status of pod {where}: {summary}.",
                              {"node": "node-1", "where": "default/web", "summary": "phase Pending; app waiting (ContainerCreating)"}),
    "kubelet.stopped": Message("The kubelet on {node} confirmed that pod {where} has stopped.",
                               {"node": "node-1", "where": "default/web"}),
    "kubelet.lease": Message("The kubelet on {node} renewed its node lease (heartbeat).", {"node": "node-1"}),
    "kubelet.node status": Message("The kubelet on {node} posted node status: {what}.", {"node": "node-1", "what": "Ready, 4 images"}),
    "scheduler.watch": Message("The scheduler's watch delivered Pod {where}, which has no node yet; it joins the scheduling queue.",
                               {"where": "default/web"}),
    "scheduler.retry": Message("The scheduler takes Pod {where} from its queue again (attempt {attempt}); it still has no node.",
                               {"where": "default/web", "attempt": 2}),
    "scheduler.bind": Message("The scheduler {summary}.",
                              {"summary": "bound default/web to node-2: 3 nodes feasible; scores node-2 187, node-1 180"}),
    "scheduler.unschedulable": Message("The scheduler reports that Pod {where} cannot be scheduled: {reason}",
                                       {"where": "default/web", "reason": "0/3 nodes are available: 3 Insufficient cpu."}),
    "scheduler.why": Message("Pod {where} asks for {requests}; {nodes}.",
                             {"where": "default/web", "requests": "2 CPU and 1Gi of memory",
                              "nodes": "node-1 has 0.5 CPU free, node-2 has 1.5 CPU free, node-3 is cordoned"}),
    "scheduler.victim": Message("The scheduler marks Pod {where} as a preemption victim.", {"where": "default/low"}),
    "scheduler.preempt": Message("The scheduler preempts Pod {where} to make room for Pod {preemptor}.",
                                 {"where": "default/low", "preemptor": "default/high"}),
    "nodelifecycle.lease": Message(
        "The lease of {node} was last renewed {age}s ago; the grace period is {grace}s: {left}s until it is marked Unknown.",
        {"node": "node-2", "age": 32, "grace": 50, "left": 18}),
    "nodelifecycle.unknown": Message(
        "The node lifecycle controller set the Ready condition of {node} to Unknown: its lease was not renewed within "
        "the grace period ({grace}s).",
        {"node": "node-2", "grace": 50}),
    "nodelifecycle.taint": Message("The node lifecycle controller tainted {node} {taint}: pods that do not tolerate it will be evicted.",
                                   {"node": "node-2", "taint": "node.kubernetes.io/unreachable"}),
    "nodelifecycle.countdown": Message("Pods on {node} will be evicted after tolerationSeconds ({toleration}s): {pods}, {left}s to go.",
                                       {"node": "node-2", "toleration": 300, "pods": "4 pods", "left": 290}),
    "nodelifecycle.untaint": Message("The node lifecycle controller removed the unreachable taints from {node}: its kubelet is back.",
                                     {"node": "node-2"}),
    "nodelifecycle.cordon": Message("The node lifecycle controller tainted {node} {taint}: it was cordoned.",
                                    {"node": "node-2", "taint": "node.kubernetes.io/unschedulable"}),
    "nodelifecycle.uncordon": Message("The node lifecycle controller removed the {taint} taint from {node}: it was uncordoned.",
                                      {"node": "node-2", "taint": "node.kubernetes.io/unschedulable"}),
    "nodelifecycle.evict": Message("The taint manager evicted pod {where} from {node} ({taint}).",
                                   {"where": "default/web", "node": "node-2", "taint": "node.kubernetes.io/unreachable"}),
}


def say(key: str, **values: Any) -> str:
    """The step message ``key`` with its blanks filled in."""
    return MESSAGES[key].template.format(**values)
