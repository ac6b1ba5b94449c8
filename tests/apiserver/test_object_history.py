"""registry.object_history: one object's versions from the change log, for checks of the
recorded process."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.compaction import Compactor
from kubeviz.apiserver.patch import MERGE_PATCH
from kubeviz.apiserver.resources import by_plural

from .objects import create, pod, revision


def test_versions_since_a_revision_oldest_first_with_deletions(cluster):
    pods = by_plural("pods")
    start = revision(cluster)
    created = create(cluster, "pods", pod("a", labels={"v": "1"}))
    create(cluster, "pods", pod("b"))  # another key: not in a's history
    registry.patch(cluster, pods, "default", "a", MERGE_PATCH, {"metadata": {"labels": {"v": "2"}}})
    registry.delete(cluster, pods, "default", "a", options={"gracePeriodSeconds": 0})
    versions, compacted = registry.object_history(cluster, pods, "default", "a", since_revision=start)
    assert compacted == 0
    revisions = [rev for rev, _ in versions]
    assert revisions == sorted(revisions) and revisions[0] == int(created["metadata"]["resourceVersion"])
    labels = [obj["metadata"]["labels"]["v"] for _, obj in versions if obj is not None]
    assert labels[:2] == ["1", "2"]
    assert versions[-1][1] is None  # deleted at the end
    assert all(obj["metadata"]["resourceVersion"] == str(rev) for rev, obj in versions if obj is not None)
    later, _ = registry.object_history(cluster, pods, "default", "a", since_revision=revisions[0])
    assert [rev for rev, _ in later] == revisions[1:]


def test_compacted_history_is_left_out_and_said(cluster):
    pods = by_plural("pods")
    start = revision(cluster)
    create(cluster, "pods", pod("a", labels={"v": "1"}))
    registry.patch(cluster, pods, "default", "a", MERGE_PATCH, {"metadata": {"labels": {"v": "2"}}})
    Compactor(cluster).sweep(revision(cluster) - 1)
    registry.patch(cluster, pods, "default", "a", MERGE_PATCH, {"metadata": {"labels": {"v": "3"}}})
    versions, compacted = registry.object_history(cluster, pods, "default", "a", since_revision=start)
    assert compacted == revision(cluster) - 2
    assert [obj["metadata"]["labels"]["v"] for _, obj in versions] == ["2", "3"]
