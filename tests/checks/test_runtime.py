"""The kinds that read what the nodes do: log (kubectl logs) and traffic (kube-proxy's rules)."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.proxy.selectors import proxy_rules
from tests.checks.conftest import ask, assert_table, pod_names, settle
from tests.checks.test_process import HELLO

SERVICE = {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
HEADLESS = {"metadata": {"name": "db"}, "spec": {"clusterIP": "None", "selector": {"app": "db"}, "ports": [{"port": 5432}]}}
MATCH = ("A Service reaches the ready pods whose labels match its selector: compare kubectl get endpoints web "
         "with kubectl get pods --show-labels.")


def test_log(web):
    registry.create(web, by_plural("pods"), "default", HELLO)
    settle(web)
    cases = [
        ({"selector": "app=hello", "contains": "Hello"}, True, "Pod hello (container hello) logged: Hello from kubeviz", ""),
        ({"name": "hello", "container": "hello", "contains": "Goodbye"}, False,
         'No line containing "Goodbye" in the log of pod hello (the last line of hello is: Hello from kubeviz).',
         "kubectl logs hello -c hello shows what it wrote."),
        ({"name": "hello", "contains": "Hello", "previous": True}, False,
         'No line containing "Hello" in the previous log of pod hello (previous terminated container "hello" in pod "hello" not found).',
         "Only a container that has restarted has a previous log: kubectl get pod shows its RESTARTS."),
        ({"name": "big", "contains": "ready"}, False,
         'No line containing "ready" in the log of pod big (container "c" in pod "big" is waiting to start: ContainerCreating).',
         "A container that has not started has no log yet: kubectl describe pod shows why it waits."),
        ({"selector": "app=db", "contains": "ready"}, False, "There are no pods labelled app=db.",
         "kubectl get pods --show-labels shows the labels there are."),
        ({"name": "db", "contains": "ready"}, False, "There is no Pod db in namespace default.",
         "Create it, or check its name: kubectl get pods -n default lists what there is."),
    ]
    assert_table(web, "log", cases)
    nginx = ask(web, {"log": {"selector": "app=web", "contains": "start worker process"}})
    assert nginx.passed and nginx.found.startswith(f"Pod {pod_names(web, 'web')[0]} (container nginx) logged: ")


def test_traffic(web):
    registry.create(web, by_plural("services"), "default", SERVICE)
    registry.create(web, by_plural("services"), "default", HEADLESS)
    settle(web)
    pods = ", ".join(pod_names(web, "web"))
    rules_before = proxy_rules(web)
    cases = [
        ({"service": "web", "reaches": 3}, True, f"kube-proxy's rules for Service web on node-1 lead to 3 ready pods: {pods}.", ""),
        ({"service": "web", "reaches": 4, "node": "node-2"}, False,
         f"kube-proxy's rules for Service web on node-2 lead to 3 ready pods: {pods}, 4 wanted.", MATCH),
        ({"service": "web", "min": 2}, True, f"kube-proxy's rules for Service web on node-1 lead to 3 ready pods: {pods}.", ""),
        ({"service": "web", "min": 1, "node": "node-9"}, False, "There is no Node node-9.", "kubectl get nodes lists the nodes there are."),
        ({"service": "api", "min": 1}, False, "There is no Service api in namespace default.",
         "Create it, or check its name: kubectl get services -n default lists what there is."),
        ({"service": "db", "min": 1}, False,
         "Service db has no kube-proxy rules: a headless or ExternalName Service is not proxied.",
         "Give the Service a clusterIP (leave clusterIP: None out) for kube-proxy to balance it."),
    ]
    assert_table(web, "traffic", cases)
    assert proxy_rules(web) == rules_before  # reading the rules changed nothing


def test_traffic_follows_readiness(web):
    registry.create(web, by_plural("services"), "default", {
        "metadata": {"name": "web"}, "spec": {"selector": {"app": "nobody"}, "ports": [{"port": 80}]}})
    settle(web)
    outcome = ask(web, {"traffic": {"service": "web", "min": 1}})
    assert (outcome.passed, outcome.found, outcome.advice) == (
        False, "kube-proxy's rules for Service web on node-1 lead to 0 ready pods.", MATCH)
