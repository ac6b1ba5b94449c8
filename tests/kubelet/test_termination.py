"""Deleting a running pod: Terminating while its containers stop (SIGTERM, then SIGKILL at
the end of the grace period), then the kubelet confirms and the pod is gone."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.flow.models import Step
from kubeviz.kubeapi.tables import pod_status_reason
from kubeviz.kubelet.agent import Kubelet


def _pod(cluster, container, annotations=None, grace=None):
    spec = {"nodeName": "node-1", "containers": [{"name": "main", **container}]}
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    return registry.create(cluster, by_plural("pods"), "default",
                           {"metadata": {"name": "app", "annotations": annotations or {}}, "spec": spec})


def _get(cluster):
    found = registry.objects(cluster, "pods", "default", name="app")
    return found[0] if found else None


def _run_then_delete(cluster, container, annotations=None, grace=None, options=None) -> Engine:
    _pod(cluster, container, annotations, grace)
    pause_clock(cluster)
    engine = Engine(cluster, components=[Kubelet(cluster)])
    engine.settle(horizon=10)
    assert "running" in _get(cluster)["status"]["containerStatuses"][0]["state"]
    registry.delete(cluster, by_plural("pods"), "default", "app", options=options)
    return engine


NGINX = {"image": "nginx:1.27"}
SHELL = {"image": "busybox:1.36", "command": ["sh", "-c", "sleep 3600"]}


@pytest.mark.parametrize("container,annotations,grace,options,gone_after", [
    (NGINX, None, None, None, 1),  # nginx exits on SIGTERM at once
    ({"image": "postgres:16"}, None, None, None, 3),  # a clean database shutdown takes a moment
    (NGINX, {"kubeviz.io/ignore-sigterm": "true"}, None, None, 30),  # the whole default grace period
    (SHELL, None, 10, None, 10),  # a shell as PID 1 ignores SIGTERM
    (SHELL, None, 10, {"gracePeriodSeconds": 4}, 4),  # kubectl delete --grace-period=4
])
def test_pod_is_terminating_until_its_containers_have_stopped(cluster, container, annotations, grace, options, gone_after):
    engine = _run_then_delete(cluster, container, annotations, grace, options)
    engine.settle(horizon=gone_after - 0.5)
    pod = _get(cluster)
    assert pod is not None and pod_status_reason(pod) == "Terminating"
    engine.settle(horizon=gone_after + 0.5)
    assert _get(cluster) is None


def test_killing_is_sent_once_and_the_kubelet_confirms_the_deletion(cluster):
    engine = _run_then_delete(cluster, SHELL, grace=10)
    engine.settle(horizon=20)
    killing = [e for e in registry.objects(cluster, "events", "default")
               if e["involvedObject"]["name"] == "app" and e["reason"] == "Killing"]
    assert [(e["type"], e["message"], e["count"]) for e in killing] == [("Normal", "Stopping container main", 1)]
    steps = Step.objects.filter(cluster=cluster, name="app", source="kubelet/node-1").order_by("seq")
    assert [s.action for s in steps][-2:] == ["stop", "delete"] or [s.action for s in steps][-1] == "delete"
    # Stopping and confirming are not the creation flow: unnumbered kubelet steps.
    assert (steps.last().step, steps.last().category) == (None, "kubelet")
