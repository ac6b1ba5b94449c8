"""ControllerRevisions of DaemonSets and StatefulSets: one per template, renumbered on a
rollback, trimmed to revisionHistoryLimit (what kubectl rollout history reads)."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.controllers.daemonset import DaemonSetController
from kubeviz.controllers.statefulset import StatefulSetController
from kubeviz.engine.runner import settle_cluster
from kubeviz.kubelet.agent import Kubelet

from .workload_support import create, get, patch, scheduler


def workload(kind: str, image: str = "nginx:1.27", **spec) -> dict:
    body = {
        "apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": image}]}},
                 **spec},
    }
    if kind == "StatefulSet":
        body["spec"].update(replicas=2, serviceName="web")
    return body


CASES = [("DaemonSet", "daemonsets", DaemonSetController), ("StatefulSet", "statefulsets", StatefulSetController)]


def settle(cluster, controller) -> None:
    """Long enough for a rollout to finish (one pod at a time, each pulling its image)."""
    settle_cluster(cluster, components=[controller(cluster), Kubelet(cluster), scheduler(cluster)], horizon=300)


def history(cluster) -> list[tuple[int, str]]:
    revisions = registry.objects(cluster, "controllerrevisions", "default")
    return sorted((r["revision"], r["data"]["spec"]["template"]["spec"]["containers"][0]["image"]) for r in revisions)


@pytest.mark.parametrize("kind,plural,controller", CASES)
def test_each_template_is_a_numbered_revision_and_a_rollback_renumbers_it(cluster, kind, plural, controller):
    owner = create(cluster, plural, workload(kind))
    settle(cluster, controller)
    assert history(cluster) == [(1, "nginx:1.27")]
    revision = registry.objects(cluster, "controllerrevisions", "default")[0]
    assert revision["metadata"]["ownerReferences"][0]["uid"] == owner["metadata"]["uid"]
    assert revision["metadata"]["labels"]["app"] == "web"
    assert revision["data"]["spec"]["template"]["$patch"] == "replace"
    template = lambda image: {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}}  # noqa: E731
    patch(cluster, plural, "web", template("nginx:1.28"))
    settle(cluster, controller)
    assert history(cluster) == [(1, "nginx:1.27"), (2, "nginx:1.28")]
    patch(cluster, plural, "web", template("nginx:1.27"))
    settle(cluster, controller)
    assert history(cluster) == [(2, "nginx:1.28"), (3, "nginx:1.27")]
    if kind == "StatefulSet":
        assert get(cluster, plural, "web")["status"]["updateRevision"] in {
            r["metadata"]["name"] for r in registry.objects(cluster, "controllerrevisions", "default")}


@pytest.mark.parametrize("kind,plural,controller", CASES)
def test_history_is_trimmed_to_the_limit(cluster, kind, plural, controller):
    create(cluster, plural, workload(kind, revisionHistoryLimit=1))
    settle(cluster, controller)
    for version in ("1.26", "1.25", "1.24"):
        patch(cluster, plural, "web", {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": f"nginx:{version}"}]}}}})
        settle(cluster, controller)
    assert history(cluster) == [(3, "nginx:1.25"), (4, "nginx:1.24")]
