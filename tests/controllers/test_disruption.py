"""PodDisruptionBudgets: the disruption controller's count, and evictions that respect it
(the whole cluster settles: scheduler, kubelets and controllers)."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.eviction import evict
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import settle_cluster

from .kit import create, deployment, get


def pdb(name: str = "web", **spec) -> dict:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, **spec}}


def running_web(cluster) -> list[dict]:
    return [p for p in registry.objects(cluster, "pods", "default")
            if p["metadata"].get("labels", {}).get("app") == "web" and not p["metadata"].get("deletionTimestamp")]


@pytest.mark.parametrize("spec,expected,desired,allowed", [
    ({"minAvailable": 2}, 4, 2, 2),
    ({"minAvailable": 4}, 4, 4, 0),
    ({"minAvailable": "50%"}, 4, 2, 2),
    ({"minAvailable": "80%"}, 4, 4, 0),
    ({"maxUnavailable": 1}, 4, 3, 1),
    ({"maxUnavailable": "30%"}, 4, 2, 2),
    ({}, 0, 0, 0),
])
def test_the_disruption_controller_counts_allowed_disruptions(cluster, spec, expected, desired, allowed):
    create(cluster, "deployments", deployment("web", replicas=4))
    create(cluster, "poddisruptionbudgets", pdb(**spec))
    settle_cluster(cluster, horizon=30)
    status = get(cluster, "poddisruptionbudgets", "web")["status"]
    assert (status["expectedPods"], status["desiredHealthy"], status["currentHealthy"], status["disruptionsAllowed"]) == \
        (expected, desired, 4, allowed)
    condition = status["conditions"][0]
    assert (condition["type"], condition["status"], condition["reason"]) == \
        ("DisruptionAllowed", "True" if allowed else "False", "SufficientPods" if allowed else "InsufficientPods")


def test_evictions_take_from_the_budget_until_it_is_spent(cluster):
    create(cluster, "deployments", deployment("web", replicas=3))
    create(cluster, "poddisruptionbudgets", pdb(minAvailable=2))
    settle_cluster(cluster, horizon=30)
    first, second = [p["metadata"]["name"] for p in running_web(cluster)][:2]
    evict(cluster, "default", first, {"kind": "Eviction", "apiVersion": "policy/v1", "metadata": {"name": first}})
    status = get(cluster, "poddisruptionbudgets", "web")["status"]
    assert status["disruptionsAllowed"] == 0 and first in status["disruptedPods"]
    with pytest.raises(errors.StatusError) as refused:
        evict(cluster, "default", second, {"kind": "Eviction", "apiVersion": "policy/v1"})
    body = refused.value.status()
    assert (body["code"], body["reason"], body["message"]) == (429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.")
    assert body["details"]["causes"] == [{"reason": "DisruptionBudget", "message": "The disruption budget web needs 2 healthy pods and has 3 currently"}]  # not yet recounted
    # The replacement comes up, the budget allows one again, and the second eviction goes through.
    settle_cluster(cluster, horizon=60)
    assert get(cluster, "poddisruptionbudgets", "web")["status"]["disruptionsAllowed"] == 1
    evict(cluster, "default", second, {"kind": "Eviction", "apiVersion": "policy/v1"})
    assert registry.get(cluster, by_plural("pods"), "default", second)["metadata"]["deletionTimestamp"]


def test_pods_without_a_controller_fail_a_percentage_budget(cluster):
    for i in range(2):
        registry.create(cluster, by_plural("pods"), "default", {"metadata": {"name": f"bare-{i}", "labels": {"app": "web"}},
                                                                "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    create(cluster, "poddisruptionbudgets", pdb(maxUnavailable=1))
    settle_cluster(cluster, horizon=30)
    status = get(cluster, "poddisruptionbudgets", "web")["status"]
    assert status["disruptionsAllowed"] == 0
    assert status["conditions"][0]["reason"] == "SyncFailed"


@pytest.mark.parametrize("spec,message", [
    ({"minAvailable": 1, "maxUnavailable": 1}, "spec.minAvailable: Invalid value: 1: minAvailable and maxUnavailable cannot be both set"),
    ({"minAvailable": "150%"}, 'spec.minAvailable: Invalid value: "150%": must not be greater than 100%'),
    ({"maxUnavailable": -1}, "spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0"),
    ({"maxUnavailable": "half"}, 'spec.maxUnavailable: Invalid value: "half": a valid percent string must be'),
])
def test_invalid_budgets_are_refused(cluster, spec, message):
    with pytest.raises(errors.StatusError) as refused:
        create(cluster, "poddisruptionbudgets", pdb(**spec))
    assert refused.value.code == 422 and message in refused.value.message
