"""kube-proxy as a component: one step per node when a Service's endpoints change."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.controllers.endpoints import EndpointsController
from kubeviz.engine.runner import settle_cluster
from kubeviz.flow.models import Step
from kubeviz.kubelet.agent import Kubelet
from kubeviz.proxy.component import KubeProxy


def settle(cluster, proxy):
    return settle_cluster(cluster, components=[EndpointsController(cluster), Kubelet(cluster), proxy], horizon=60)


def proxy_steps(cluster, after=0):
    return list(Step.objects.filter(cluster=cluster, category="proxy", seq__gt=after).order_by("seq"))


def make_pod(cluster, name, node):
    registry.create(cluster, by_plural("pods"), "default", {
        "metadata": {"name": name, "labels": {"app": "web"}},
        "spec": {"nodeName": node, "containers": [{"name": "main", "image": "nginx:1.27"}]},
    })


def test_rules_are_announced_per_node_once_and_again_when_endpoints_change(cluster):
    svc = registry.create(cluster, by_plural("services"), "default", {
        "metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 80}]},
    })
    ip = svc["spec"]["clusterIP"]
    make_pod(cluster, "web-1", "node-1")
    make_pod(cluster, "web-2", "node-2")
    proxy = KubeProxy(cluster)
    settle(cluster, proxy)
    last = {s.target: s.message for s in proxy_steps(cluster)}
    assert set(last) == {"kube-proxy/node-1", "kube-proxy/node-2", "kube-proxy/node-3"}
    assert last["kube-proxy/node-2"] == (
        f"kube-proxy on node-2 updated the rules for default/web: {ip}:80 → 10.244.1.2:80, 10.244.2.2:80"
    )
    step = proxy_steps(cluster)[-1]
    assert step.source == "apiserver" and step.step is None and step.kind == "Service" and step.name == "web"
    # The kubernetes Service has no endpoints: nothing to say about it.
    assert not any("default/kubernetes" in s.message for s in proxy_steps(cluster))

    # Nothing changed: the same component stays quiet.
    seq = proxy_steps(cluster)[-1].seq
    settle(cluster, proxy)
    assert proxy_steps(cluster, seq) == []

    registry.delete(cluster, by_plural("pods"), "default", "web-1")
    settle(cluster, proxy)
    changed = proxy_steps(cluster, seq)
    assert [s.target for s in changed] == ["kube-proxy/node-1", "kube-proxy/node-2", "kube-proxy/node-3"]
    assert changed[0].message == f"kube-proxy on node-1 updated the rules for default/web: {ip}:80 → 10.244.2.2:80"

    seq = changed[-1].seq
    registry.delete(cluster, by_plural("services"), "default", "web")
    settle(cluster, proxy)
    assert [s.message for s in proxy_steps(cluster, seq)] == [
        f"kube-proxy on node-{i} removed the rules for default/web" for i in (1, 2, 3)
    ]
