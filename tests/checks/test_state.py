"""The kinds that read objects as they are: field, pods, objects (and the combinators)."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from tests.checks.conftest import ask, assert_table, settle

PENDING = ("big is Pending: 0/3 nodes are available: 3 Insufficient cpu. "
           "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod")
PLACE_ADVICE = "A Pending pod has not been placed: kubectl describe pod shows the scheduler's reason."
FIELD_ADVICE = ("kubectl get deployment web -o jsonpath='{.status.readyReplicas}' shows the field, and "
                "kubectl describe deployment web shows why it is so.")

FIELD_CASES = [
    # (spec, passed, found, advice)
    ({"kind": "Deployment", "name": "web", "path": "{.status.readyReplicas}", "equals": 3}, True,
     "Deployment web: .status.readyReplicas is 3.", ""),
    ({"kind": "Deployment", "name": "web", "path": ".status.readyReplicas", "equals": "3"}, True,
     "Deployment web: .status.readyReplicas is 3.", ""),
    ({"kind": "Deployment", "name": "web", "path": "{.status.readyReplicas}", "equals": 4}, False,
     "Deployment web: .status.readyReplicas is 3, wanted 4.", FIELD_ADVICE),
    ({"kind": "Deployment", "name": "web", "path": "{.status.readyReplicas}", "gte": 3}, True,
     "Deployment web: .status.readyReplicas is 3.", ""),
    ({"kind": "Deployment", "name": "web", "path": "{.status.readyReplicas}", "lt": 3}, False,
     "Deployment web: .status.readyReplicas is 3, wanted less than 3.", FIELD_ADVICE),
    ({"kind": "Deployment", "name": "web", "path": "{.spec.template.spec.containers[0].image}", "matches": "nginx:1.*"}, True,
     "Deployment web: .spec.template.spec.containers[0].image is nginx:1.27.", ""),
    ({"kind": "Deployment", "name": "web", "path": "{.spec.template.spec.containers[*].name}", "contains": "nginx"}, True,
     "Deployment web: .spec.template.spec.containers[*].name is nginx.", ""),
    ({"kind": "Deployment", "name": "web", "path": "{.metadata.labels}", "contains": "app"}, True,
     'Deployment web: .metadata.labels is {"app":"web"}.', ""),
    ({"kind": "Deployment", "name": "web", "path": "{.spec.paused}", "exists": False}, True,
     "Deployment web has no .spec.paused.", ""),
    ({"kind": "Deployment", "name": "web", "path": "{.spec.paused}", "exists": True}, False,
     "Deployment web has no .spec.paused, wanted set.",
     "kubectl get deployment web -o jsonpath='{.spec.paused}' shows the field, and kubectl describe deployment web shows why it is so."),
    ({"kind": "Deployment", "name": "api", "path": "{.status.readyReplicas}", "equals": 3}, False,
     "There is no Deployment api in namespace default.",
     "Create it, or check its name: kubectl get deployments -n default lists what there is."),
    ({"kind": "Node", "name": "node-1", "path": '{.status.conditions[?(@.type=="Ready")].status}', "equals": "True"}, True,
     'Node node-1: .status.conditions[?(@.type=="Ready")].status is True.', ""),
    ({"kind": "Node", "name": "node-1", "path": "{.status.allocatable.cpu}", "gte": "500m"}, True,
     "Node node-1: .status.allocatable.cpu is 4.", ""),
    ({"kind": "Node", "name": "node-1", "path": "{.status.allocatable.memory}", "gt": "8Gi"}, False,
     "Node node-1: .status.allocatable.memory is 8Gi, wanted more than 8Gi.",
     "kubectl get node node-1 -o jsonpath='{.status.allocatable.memory}' shows the field, and kubectl describe node node-1 shows why it is so."),
    ({"kind": "Node", "name": "node-9", "path": "{.metadata.name}", "exists": True}, False,
     "There is no Node node-9.", "Create it, or check its name: kubectl get nodes lists what there is."),
]


def test_field(web):
    assert_table(web, "field", FIELD_CASES)


def test_field_with_several_results_any_or_all(web):
    names = "{.status.conditions[*].status}"
    assert ask(web, {"field": {"kind": "Node", "name": "node-1", "path": names, "equals": "True"}}).passed
    every = ask(web, {"field": {"kind": "Node", "name": "node-1", "path": names, "equals": "True", "all": True}})
    assert not every.passed and "wanted every one True" in every.found


def test_pods(web):
    cases = [
        ({"selector": "app=web", "ready": True, "count": 3}, True, "3 of 3 pods labelled app=web are ready.", ""),
        ({"selector": "app=web", "phase": "Running", "min": 2}, True, "3 of 3 pods labelled app=web are Running.", ""),
        ({"selector": "app=web", "ready": True, "count": 4}, False, "3 of 3 pods labelled app=web are ready, 4 wanted.",
         "Too few pods: kubectl get pods -l app=web lists them; a controller makes more when its replicas say so."),
        ({"selector": "app=web", "max": 2}, False, "There are 3 pods labelled app=web, at most 2 wanted.",
         "More pods match than wanted: kubectl get pods -l app=web lists them (scale the workload, or delete the extra ones)."),
        ({"ready": True, "count": 4}, False, f"3 of 4 pods are ready, 4 wanted ({PENDING}).", PLACE_ADVICE),
        ({"selector": "app=big", "node": ""}, True, "1 of 1 pod labelled app=big is not yet scheduled.", ""),
        ({"selector": "app=big", "phase": "Running"}, False,
         f"0 of 1 pod labelled app=big is Running ({PENDING}).", PLACE_ADVICE),
        ({"selector": "app=api"}, False, "There are no pods labelled app=api.",
         "No pod matches: kubectl get pods --show-labels shows the pods there are and their labels; create the workload if there is none."),
        ({"selector": "app=web", "namespace": "kube-system", "count": 0}, True, "There are no pods labelled app=web in namespace kube-system.", ""),
        ({"selector": "app=web", "terminating": True, "count": 0}, True, "There are no Terminating pods labelled app=web.", ""),
    ]
    assert_table(web, "pods", cases)


def test_pods_on_a_node(web):
    outcome = ask(web, {"pods": {"selector": "app=web", "node": "node-1", "count": 1}})
    assert outcome.passed and outcome.found == "1 of 3 pods labelled app=web is on node-1."


def test_objects(web):
    cases = [
        ({"kind": "ReplicaSet", "selector": "app=web"}, True, "There is 1 ReplicaSet labelled app=web.", ""),
        ({"kind": "ReplicaSet", "selector": "app=web", "min": 2}, False, "There is 1 ReplicaSet labelled app=web, at least 2 wanted.",
         "kubectl get replicasets -l app=web lists them."),
        ({"kind": "Deployment", "name": "web", "count": 1}, True, "There is 1 Deployment named web.", ""),
        ({"kind": "Node", "count": 3}, True, "There are 3 Nodes.", ""),
        ({"kind": "Job", "namespace": "kube-system", "max": 0}, True, "There are 0 Jobs in namespace kube-system.", ""),
        ({"kind": "Service", "name": "web"}, False, "There are 0 Services named web.", "kubectl get services lists them."),
    ]
    assert_table(web, "objects", cases)


def test_combinators_and_the_authors_advice(web):
    ready = {"pods": {"selector": "app=web", "ready": True, "count": 3}}
    four = {"pods": {"selector": "app=web", "ready": True, "count": 4}}
    big = {"pods": {"selector": "app=big", "phase": "Running"}}
    cases = [
        ({"all": [ready, ready]}, True, "3 of 3 pods labelled app=web are ready. 3 of 3 pods labelled app=web are ready.", ""),
        ({"all": [ready, big]}, False, f"0 of 1 pod labelled app=big is Running ({PENDING}).", PLACE_ADVICE),
        ({"any": [four, ready]}, True, "3 of 3 pods labelled app=web are ready.", ""),
        ({"any": [four, big]}, False,
         f"3 of 3 pods labelled app=web are ready, 4 wanted. 0 of 1 pod labelled app=big is Running ({PENDING}).",
         "Too few pods: kubectl get pods -l app=web lists them; a controller makes more when its replicas say so."),
        ({"not": big}, True, f"0 of 1 pod labelled app=big is Running ({PENDING}).", ""),
        ({"not": ready}, False, "3 of 3 pods labelled app=web are ready.", "This should not hold, but it does: undo what made it so."),
        ({"all": [ready, big], "advice": "Lower the pod's CPU request."}, False,
         f"0 of 1 pod labelled app=big is Running ({PENDING}).", "Lower the pod's CPU request."),
        ({"pods": {"selector": "app=web"}, "advice": "unused when it holds", "title": "Web is up"}, True,
         "There are 3 pods labelled app=web.", ""),
    ]
    assert_table(web, "", cases)


def test_pods_say_why_a_container_is_not_running(cluster):
    for name, image in (("crash", "kubeviz/crasher"), ("typo", "nginx:9.99")):
        registry.create(cluster, by_plural("pods"), "default", {
            "metadata": {"name": name, "labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": image}]}})
    settle(cluster, 120)
    crash = ask(cluster, {"pods": {"selector": "app=crash", "ready": True}})
    assert (crash.passed, crash.found, crash.advice) == (
        False, "0 of 1 pod labelled app=crash is ready (crash is Running: container app is waiting (CrashLoopBackOff)).",
        "The container keeps crashing: kubectl logs --previous shows what the last one printed.")
    typo = ask(cluster, {"pods": {"selector": "app=typo", "phase": "Running"}})
    assert typo.passed is False
    assert typo.found.startswith("0 of 1 pod labelled app=typo is Running (typo is Pending: container app is waiting (")
    assert typo.advice == "The image cannot be pulled: check its name and tag (kubectl describe pod shows the kubelet's error)."
