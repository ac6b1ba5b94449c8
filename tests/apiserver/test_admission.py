"""ResourceQuota and LimitRange at admission, after the kubernetes.io tasks
("Configure Default CPU Requests and Limits", "Configure Minimum and Maximum CPU
Constraints", "Configure Memory and CPU Quotas for a Namespace")."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.controllers.serviceaccount import ResourceQuotaController, ServiceAccountsController
from kubeviz.engine.runner import settle_cluster

NS = "default"


def _pod(cluster, name, resources=None, containers=1):
    spec = {"containers": [{"name": f"c{i}" if containers > 1 else "web", "image": "nginx",
                            **({"resources": resources} if resources else {})} for i in range(containers)]}
    return registry.create(cluster, by_plural("pods"), NS, {"metadata": {"name": name}, "spec": spec})


def _limitrange(cluster, item):
    registry.create(cluster, by_plural("limitranges"), NS, {"metadata": {"name": "limits"},
                                                             "spec": {"limits": [{"type": "Container", **item}]}})


def _quota(cluster, hard, name="compute", **scoping):
    registry.create(cluster, by_plural("resourcequotas"), NS,
                    {"metadata": {"name": name}, "spec": {"hard": hard, **scoping}})


def _refusal(fn, *args):
    with pytest.raises(errors.StatusError) as exc:
        fn(*args)
    assert (exc.value.code, exc.value.reason) == (403, "Forbidden")
    return exc.value.message


def test_limitrange_defaults_requests_and_limits(cluster):
    _limitrange(cluster, {"default": {"cpu": "1"}, "defaultRequest": {"cpu": "0.5"}})
    pod = _pod(cluster, "default-cpu-demo")
    assert pod["spec"]["containers"][0]["resources"] == {"requests": {"cpu": "0.5"}, "limits": {"cpu": "1"}}
    assert pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu request for container web; cpu limit for container web")
    # A limit without a request: the request is the limit (pod defaulting), not the LimitRange's.
    pod = _pod(cluster, "default-cpu-demo-2", {"limits": {"cpu": "1"}})
    assert pod["spec"]["containers"][0]["resources"] == {"requests": {"cpu": "1"}, "limits": {"cpu": "1"}}


def test_limitrange_defaults_from_max_and_min(cluster):
    _limitrange(cluster, {"max": {"cpu": "800m"}, "min": {"cpu": "200m"}})
    lr = registry.get(cluster, by_plural("limitranges"), NS, "limits")
    assert lr["spec"]["limits"][0]["default"] == {"cpu": "800m"}
    assert lr["spec"]["limits"][0]["defaultRequest"] == {"cpu": "800m"}


@pytest.mark.parametrize("resources,message", [
    ({"limits": {"cpu": "1.5"}, "requests": {"cpu": "500m"}},
     'pods "p" is forbidden: maximum cpu usage per Container is 800m, but limit is 1500m'),
    ({"limits": {"cpu": "800m"}, "requests": {"cpu": "100m"}},
     'pods "p" is forbidden: minimum cpu usage per Container is 200m, but request is 100m'),
    ({"limits": {"cpu": "2"}, "requests": {"cpu": "100m"}},
     'pods "p" is forbidden: [minimum cpu usage per Container is 200m, but request is 100m, '
     'maximum cpu usage per Container is 800m, but limit is 2]'),
])
def test_limitrange_min_and_max(cluster, resources, message):
    _limitrange(cluster, {"max": {"cpu": "800m"}, "min": {"cpu": "200m"}})
    assert _refusal(_pod, cluster, "p", resources) == message
    assert _pod(cluster, "ok", {"limits": {"cpu": "800m"}, "requests": {"cpu": "500m"}})


def test_quota_refuses_past_hard_with_the_real_message(cluster):
    _quota(cluster, {"requests.cpu": "4", "limits.memory": "2Gi", "pods": "3"})
    _pod(cluster, "a", {"requests": {"cpu": "3"}, "limits": {"cpu": "3", "memory": "1Gi"}})
    assert _refusal(_pod, cluster, "b", {"requests": {"cpu": "2"}, "limits": {"cpu": "2", "memory": "512Mi"}}) == (
        'pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=3, '
        'limited: requests.cpu=4')
    assert _refusal(_pod, cluster, "c", {"requests": {"cpu": "500m"}, "limits": {"cpu": "1", "memory": "2Gi"}}) == (
        'pods "c" is forbidden: exceeded quota: compute, requested: limits.memory=2Gi, used: limits.memory=1Gi, '
        'limited: limits.memory=2Gi')
    _pod(cluster, "d", {"requests": {"cpu": "500m"}, "limits": {"cpu": "1", "memory": "1Gi"}})


def test_quota_on_cpu_needs_every_container_to_ask(cluster):
    _quota(cluster, {"requests.cpu": "4", "limits.memory": "2Gi"})
    assert _refusal(_pod, cluster, "p", None, 2) == (
        'pods "p" is forbidden: failed quota: compute: must specify limits.memory for: c0,c1; '
        'requests.cpu for: c0,c1')


def test_object_counts(cluster):
    _quota(cluster, {"count/configmaps": "1", "services": "0"}, name="objects")
    cms = by_plural("configmaps")
    registry.create(cluster, cms, NS, {"metadata": {"name": "one"}})
    assert "exceeded quota: objects, requested: count/configmaps=1, used: count/configmaps=" in _refusal(
        registry.create, cluster, cms, NS, {"metadata": {"name": "two"}})


def test_controllers_keep_quota_status_and_default_service_accounts(cluster):
    _quota(cluster, {"requests.cpu": "4", "pods": "10", "count/serviceaccounts": "5"})
    _pod(cluster, "a", {"requests": {"cpu": "1500m"}})
    registry.create(cluster, by_plural("namespaces"), None, {"metadata": {"name": "team"}})
    settle_cluster(cluster, components=[ServiceAccountsController(), ResourceQuotaController()], horizon=5)
    for ns in ("default", "kube-system", "team"):
        assert registry.get(cluster, by_plural("serviceaccounts"), ns, "default")
    status = registry.get(cluster, by_plural("resourcequotas"), NS, "compute")["status"]
    assert status == {"hard": {"requests.cpu": "4", "pods": "10", "count/serviceaccounts": "5"},
                      "used": {"requests.cpu": "1500m", "pods": "1", "count/serviceaccounts": "1"}}
    registry.delete(cluster, by_plural("serviceaccounts"), "team", "default")
    settle_cluster(cluster, components=[ServiceAccountsController(), ResourceQuotaController()], horizon=5)
    assert registry.get(cluster, by_plural("serviceaccounts"), "team", "default")


def test_a_replicaset_past_quota_records_failed_create(cluster):
    from kubeviz.controllers.replicaset import ReplicaSetController

    _quota(cluster, {"pods": "2"})
    registry.create(cluster, by_plural("replicasets"), NS, {"metadata": {"name": "web"}, "spec": {
        "replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})
    settle_cluster(cluster, components=[ReplicaSetController()], horizon=5)
    assert len(registry.objects(cluster, "pods", NS)) == 2
    messages = {e.get("message", "") for e in registry.objects(cluster, "events", NS) if e.get("reason") == "FailedCreate"}
    assert any(m.startswith('Error creating: pods "web-') and m.endswith(
        '" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2') for m in messages)


def _scoped_pod(cluster, name, *, priority=None, deadline=None, cpu=None, cross_ns=False):
    spec = {"containers": [{"name": "c", "image": "nginx",
                            **({"resources": {"requests": {"cpu": cpu}, "limits": {"cpu": cpu}}} if cpu else {})}]}
    if priority:
        spec["priorityClassName"] = priority
    if deadline is not None:
        spec["activeDeadlineSeconds"] = deadline
    if cross_ns:
        spec["affinity"] = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname",
             "namespaces": ["other"]}]}}
    return registry.create(cluster, by_plural("pods"), NS, {"metadata": {"name": name}, "spec": spec})


# (scoping of a quota with pods: "1", the pod that fills it, a pod it must not count, one it must)
SCOPES = [
    ({"scopeSelector": {"matchExpressions": [{"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]}},
     {"priority": "high"}, {"priority": "low"}, {"priority": "high"}),
    ({"scopeSelector": {"matchExpressions": [{"scopeName": "PriorityClass", "operator": "NotIn", "values": ["high"]}]}},
     {"priority": "low"}, {"priority": "high"}, {}),
    ({"scopeSelector": {"matchExpressions": [{"scopeName": "PriorityClass", "operator": "Exists"}]}},
     {"priority": "low"}, {}, {"priority": "high"}),
    ({"scopes": ["Terminating"]}, {"deadline": 30}, {}, {"deadline": 1}),
    ({"scopes": ["NotTerminating"]}, {}, {"deadline": 30}, {}),
    ({"scopes": ["BestEffort"]}, {}, {"cpu": "100m"}, {}),
    ({"scopes": ["NotBestEffort"]}, {"cpu": "100m"}, {}, {"cpu": "200m"}),
    ({"scopes": ["CrossNamespacePodAffinity"]}, {"cross_ns": True}, {}, {"cross_ns": True}),
    ({"scopes": ["NotTerminating", "BestEffort"]}, {}, {"cpu": "100m"}, {}),
]


@pytest.fixture
def priority_classes(cluster):
    for name, value in (("high", 1000), ("low", 10)):
        registry.create(cluster, by_plural("priorityclasses"), None, {"metadata": {"name": name}, "value": value})


@pytest.mark.parametrize("scoping,first,outside,inside", SCOPES)
def test_a_scoped_quota_counts_only_the_pods_its_scopes_match(cluster, priority_classes, scoping, first, outside, inside):
    _quota(cluster, {"pods": "1"}, name="scoped", **scoping)
    _scoped_pod(cluster, "first", **first)
    _scoped_pod(cluster, "outside", **outside)
    assert _refusal(lambda: _scoped_pod(cluster, "inside", **inside)) == (
        'pods "inside" is forbidden: exceeded quota: scoped, requested: pods=1, used: pods=1, limited: pods=1')


def test_a_scoped_quota_ignores_other_kinds_and_the_controller_counts_by_scope(cluster, priority_classes):
    """The kubernetes.io example: compute quota for the high class only; other pods need
    not say their requests, and the status counts the high pods alone."""
    _quota(cluster, {"pods": "10", "requests.cpu": "2", "count/configmaps": "0"}, name="pods-high",
           scopeSelector={"matchExpressions": [{"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]})
    _scoped_pod(cluster, "low", priority="low")  # no requests: the quota does not apply
    _scoped_pod(cluster, "high", priority="high", cpu="500m")
    registry.create(cluster, by_plural("configmaps"), NS, {"metadata": {"name": "cm"}})
    settle_cluster(cluster, components=[ResourceQuotaController()], horizon=5)
    status = registry.get(cluster, by_plural("resourcequotas"), NS, "pods-high")["status"]
    assert status["used"] == {"pods": "1", "requests.cpu": "500m", "count/configmaps": "0"}
