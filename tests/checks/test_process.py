"""The kinds that read the recorded process: event, step, scheduled, history, and scopes."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.compaction import Compactor
from kubeviz.apiserver.resources import by_plural
from kubeviz.checks import Scope
from tests.checks.conftest import ask, assert_table, pod_names, settle

PENDING = ("0/3 nodes are available: 3 Insufficient cpu. "
           "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod")
STUCK = ("It has not happened yet: if the clock is paused or in step mode, play it or press Next step; otherwise "
         "an earlier step is stuck, and kubectl describe pod {} shows where.")
HELLO = {
    "metadata": {"name": "hello", "labels": {"app": "hello"}},
    "spec": {"nodeName": "node-2", "containers": [
        {"name": "hello", "image": "busybox", "command": ["sh", "-c", "echo Hello from kubeviz; sleep 3600"]}]},
}


def _with_hello(cluster):
    registry.create(cluster, by_plural("pods"), "default", HELLO)
    settle(cluster)
    return cluster


def test_event(web):
    latest_web = max(
        (e for e in registry.objects(web, "events", "default") if e["reason"] == "Scheduled"),
        key=lambda e: int(e["metadata"]["resourceVersion"]),
    )["involvedObject"]["name"]
    cases = [
        ({"reason": "FailedScheduling", "kind": "Pod", "selector": "app=big", "type": "Warning", "message": "Insufficient cpu"}, True,
         'Warning Event FailedScheduling about pods labelled app=big saying "Insufficient cpu" was recorded 1 time; the latest, '
         f"Warning FailedScheduling on Pod big, says: {PENDING}.", ""),
        ({"reason": "Scheduled", "kind": "Pod", "selector": "app=web", "count": 3}, True,
         "Event Scheduled about pods labelled app=web was recorded 3 times; the latest, Normal Scheduled on Pod "
         f"{latest_web}, says: Successfully assigned default/{latest_web} to {_node_of(web, latest_web)}.", ""),
        ({"reason": "FailedScheduling", "name": "big", "count": 2}, False,
         f"Event FailedScheduling about big was recorded 1 time; the latest, Warning FailedScheduling on Pod big, "
         f"says: {PENDING}, 2 wanted.", "kubectl get events --field-selector reason=FailedScheduling shows each Event and its COUNT."),
        ({"reason": "BackOff"}, False, "No Event BackOff has been recorded yet.",
         "kubectl get events --field-selector reason=BackOff shows the Events there are, and kubectl describe lists an object's own at the bottom."),
        ({"type": "Warning", "kind": "Deployment"}, False, "No Warning Event about a Deployment has been recorded yet.",
         "kubectl get events shows the Events there are, and kubectl describe lists an object's own at the bottom."),
    ]
    assert_table(web, "event", cases)


def _node_of(cluster, name: str) -> str:
    return registry.get(cluster, by_plural("pods"), "default", name)["spec"]["nodeName"]


def test_event_only_since_the_scope(web):
    scope = Scope.now(web)
    outcome = ask(web, {"event": {"reason": "FailedScheduling"}}, scope)
    assert not outcome.passed and outcome.found == "No Event FailedScheduling has been recorded yet."
    registry.patch(web, by_plural("deployments"), "default", "web", "application/merge-patch+json", {"spec": {"replicas": 4}})
    settle(web)
    outcome = ask(web, {"event": {"reason": "ScalingReplicaSet", "kind": "Deployment", "name": "web"}}, scope)
    assert outcome.passed and outcome.found.startswith("Event ScalingReplicaSet about Deployment web was recorded 1 time; ")


def test_step(web):
    cluster = _with_hello(web)
    webs = pod_names(cluster, "web")
    cases = [
        ({"number": 8, "kind": "Pod", "selector": "app=web"}, True,
         "3 of 3 pods labelled app=web reached step 8 (the kubelet reports the pod's status).", ""),
        ({"number": 8, "kind": "Pod", "name": "big"}, False,
         "Pod big has not reached step 8 (the kubelet reports the pod's status) yet.", STUCK.format("big")),
        ({"number": 4, "kind": "Pod", "selector": "app"}, False,
         "3 of 5 pods labelled app reached step 4 (the scheduler binds the pod to a node); not yet: big, hello.", STUCK.format("big")),
        ({"number": 4, "kind": "Pod", "selector": "app", "any": True}, True,
         "3 of 5 pods labelled app reached step 4 (the scheduler binds the pod to a node); not yet: big, hello.", ""),
        ({"source": "kubelet", "kind": "Pod", "name": "hello"}, True, "Pod hello reached a step from kubelet.", ""),
        ({"action": "create", "source": "apiserver", "target": "etcd", "kind": "Deployment", "name": "web"}, True,
         "Deployment web reached a step create from apiserver to etcd.", ""),
        ({"number": 2, "kind": "Pod", "selector": "app=db"}, False, "There are no pods labelled app=db.",
         "kubectl get pods --show-labels shows the labels there are."),
    ]
    assert_table(cluster, "step", cases)
    later = ask(cluster, {"step": {"number": 8, "kind": "Pod", "selector": "app=web"}}, Scope.now(cluster))
    assert (later.passed, later.found) == (
        False, "0 of 3 pods labelled app=web reached step 8 (the kubelet reports the pod's status); "
        f"not yet: {', '.join(webs)}.")


def test_scheduled(web):
    cluster = _with_hello(web)
    web1 = pod_names(cluster, "web")[0]
    by_name = ("Set spec.nodeName in the pod's manifest: the kubelet of that node then runs it without asking the "
               "scheduler (and without its checks of resources and taints).")
    by_scheduler = "Leave spec.nodeName out and let kube-scheduler choose: it places the pod with a Binding (step 4)."
    cases = [
        ({"selector": "app=web", "by": "scheduler"}, True, "3 of 3 pods labelled app=web were bound by the scheduler.", ""),
        ({"name": web1, "by": "scheduler"}, True,
         f"Pod {web1} was bound to {_node_of(cluster, web1)} by the scheduler (a Binding).", ""),
        ({"selector": "app=web", "by": "nodeName"}, False,
         f"0 of 3 pods labelled app=web were created with spec.nodeName set ({web1} was bound to "
         f"{_node_of(cluster, web1)} by the scheduler (a Binding)).", by_name),
        ({"name": "hello", "by": "nodeName"}, True,
         "Pod hello was created with spec.nodeName node-2 already set, so the scheduler never placed it.", ""),
        ({"name": "hello", "by": "scheduler"}, False,
         "Pod hello was created with spec.nodeName node-2 already set, so the scheduler never placed it.", by_scheduler),
        ({"selector": "app", "by": "scheduler"}, False,
         "3 of 5 pods labelled app were bound by the scheduler (big has not been placed on a node yet).",
         "A Pending pod has not been placed: kubectl describe pod shows the scheduler's reason."),
        ({"name": "gone", "by": "scheduler"}, False, "There is no Pod gone in namespace default.",
         "Create it, or check its name: kubectl get pods -n default lists what there is."),
    ]
    assert_table(cluster, "scheduled", cases)
    later = ask(cluster, {"scheduled": {"name": "hello", "by": "nodeName"}}, Scope.now(cluster))
    assert (later.passed, later.found, later.advice) == (
        False, "Pod hello was placed before this began, so who placed it is not recorded here.",
        "Delete the pod and create it again, so that this check sees how it is placed.")


def _roll(cluster, strategy: dict) -> Scope:
    """Change the image of web with ``strategy``; the scope starts just before."""
    scope = Scope.now(cluster)
    registry.patch(cluster, by_plural("deployments"), "default", "web", "application/strategic-merge-patch+json",
                   {"spec": {"strategy": strategy, "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}})
    settle(cluster, 120)
    return scope


READY = "{.status.readyReplicas}"


def test_history_of_a_rolling_update(web):
    scope = _roll(web, {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}})
    hold = ask(web, {"history": {"kind": "Deployment", "name": "web", "path": READY, "never_below": 3}}, scope)
    assert hold.passed and hold.found.startswith("Deployment web: .status.readyReplicas stayed between 3 and 4 over ")
    surge = ask(web, {"history": {"kind": "Deployment", "name": "web", "path": READY, "never_above": 3}}, scope)
    assert not surge.passed and surge.found.endswith(": it rose above 3.")
    assert surge.advice.startswith("It rose above 3 at revision ")
    seen = ask(web, {"history": {"kind": "Deployment", "name": "web", "path": READY, "ever_equals": 4}}, scope)
    assert seen.passed and seen.found.startswith("Deployment web: .status.readyReplicas was 3, then 4")
    image = ask(web, {"history": {"kind": "Deployment", "name": "web", "path": "{.spec.template.spec.containers[0].image}",
                                  "ever_equals": "nginx:1.27"}}, scope)
    assert (image.passed, image.found, image.advice) == (
        False, "Deployment web: .spec.template.spec.containers[0].image was nginx:1.28 over 13 versions, never nginx:1.27.",
        "kubectl get deployment web -w shows each change as it is written.")


def test_history_of_a_recreate(web):
    scope = _roll(web, {"type": "Recreate", "rollingUpdate": None})
    fell = ask(web, {"history": {"kind": "Deployment", "name": "web", "path": READY, "never_below": 3}}, scope)
    assert not fell.passed
    assert fell.found.startswith("Deployment web: .status.readyReplicas stayed between 0 and 3 over ")
    assert fell.found.endswith(": it fell below 3.")
    assert fell.advice.startswith("It fell to 0 at revision ")
    assert fell.advice.endswith(": a rolling update with maxUnavailable: 0 (and maxSurge: 1) keeps every old pod until its replacement is ready.")


def test_history_without_changes_and_without_the_object(web):
    scope = Scope.now(web)
    still = ask(web, {"history": {"kind": "Deployment", "name": "web", "path": READY, "never_below": 3}}, scope)
    assert (still.passed, still.found) == (True, "Deployment web: .status.readyReplicas stayed at 3 over 1 version.")
    missing = ask(web, {"history": {"kind": "Deployment", "name": "api", "path": READY, "never_below": 3}}, scope)
    assert (missing.passed, missing.found) == (False, "There is no Deployment api in namespace default.")


def test_history_says_what_compaction_took(web):
    scope = Scope()
    compacted = Scope.now(web).since_revision - 5
    Compactor(web).sweep(compacted)
    outcome = ask(web, {"history": {"kind": "Deployment", "name": "web", "path": READY, "never_below": 3}}, scope)
    assert outcome.passed
    assert outcome.found.endswith(f"Versions before revision {compacted} were compacted away and are not counted.")
