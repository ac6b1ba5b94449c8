"""A write that changes nothing stays a no-op with managed fields kept: the resourceVersion
does not move and the manager's entry keeps its time (kubectl then prints "(no change)")."""
from datetime import timedelta

from kubeviz.apiserver import registry
from kubeviz.apiserver.patch import MERGE_PATCH
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import pause_clock


def _later(cluster, seconds=5):
    """Move the (paused) simulated clock on, so a new entry would carry a new time."""
    pause_clock(cluster)
    cluster.sim_time = cluster.sim_time + timedelta(seconds=seconds)
    cluster.save(update_fields=["sim_time"])

POD = {"metadata": {"name": "a", "labels": {"v": "1"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


def test_a_patch_that_changes_nothing_keeps_resource_version_and_managed_fields(cluster):
    pods = by_plural("pods")
    registry.create(cluster, pods, "default", POD, manager="kubectl-create")
    first = registry.patch(cluster, pods, "default", "a", MERGE_PATCH, {"metadata": {"labels": {"v": "2"}}}, manager="kubectl-patch")
    _later(cluster)
    again = registry.patch(cluster, pods, "default", "a", MERGE_PATCH, {"metadata": {"labels": {"v": "2"}}}, manager="kubectl-patch")
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert again["metadata"]["managedFields"] == first["metadata"]["managedFields"]
    changed = registry.patch(cluster, pods, "default", "a", MERGE_PATCH, {"metadata": {"labels": {"v": "3"}}}, manager="kubectl-patch")
    assert changed["metadata"]["resourceVersion"] != first["metadata"]["resourceVersion"]
