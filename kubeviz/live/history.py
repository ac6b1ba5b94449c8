"""The cluster as it was at a past step: what the dashboard's time travel draws.

A step's ``revision`` names the etcd revision its write produced; a step without one (a
watch notification, a runtime action) shows the cluster as the nearest earlier step with
one left it. The objects at that revision are folded from the change log
(``registry.objects_at``) and summarised exactly as the live snapshot is
(``kubeviz.live.snapshot.SUMMARIES``), so the same drawing code draws both.

History is bounded twice: old steps are trimmed (``steps_trim``) and the change log is
compacted (``apiserver/compaction.py``). The earliest reachable step is the first stored
one whose revision has not been compacted; before it the answer is 410 Expired, as a watch
from a compacted revision gets. The newest step is always reachable (it is the present).

Failed nodes and stopped components are simulator settings, not etcd objects: they are
rebuilt by undoing the fault steps recorded after the chosen step.
"""
from __future__ import annotations

from typing import Any

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.errors import StatusError
from kubeviz.clusters.models import Cluster
from kubeviz.flow.models import Step
from kubeviz.flow.selectors import step_earliest

from .snapshot import SUMMARIES, _read_transaction

# How the fault steps after a point in time are undone, newest first: (field, add?).
_UNDO = {"fail node": ("failed_nodes", False), "recover node": ("failed_nodes", True),
         "stop": ("stopped", False), "start": ("stopped", True)}


def _steps(cluster: Cluster):
    return Step.objects.filter(cluster=cluster)


def _revision_of(cluster: Cluster, seq: int, now: int) -> int:
    """The etcd revision the cluster was at once step ``seq`` was taken."""
    with_revision = _steps(cluster).filter(revision__isnull=False)
    rev = with_revision.filter(seq__lte=seq).order_by("-seq").values_list("revision", flat=True).first()
    if rev is not None:
        return rev
    # No stored step at or before it wrote anything: it is just before the next write.
    later = with_revision.filter(seq__gt=seq).order_by("seq").values_list("revision", flat=True).first()
    return later - 1 if later is not None else now


def _earliest_reachable(cluster: Cluster, head: int, now: int, compacted: int) -> int:
    first = step_earliest(cluster=cluster)
    if first >= head:
        return head
    if _revision_of(cluster, first, now) >= compacted:
        return first
    seq = (_steps(cluster).filter(seq__gte=first, revision__gte=compacted)
           .order_by("seq").values_list("seq", flat=True).first())
    return head if seq is None else min(seq, head)


def _faults_at(cluster: Cluster, seq: int) -> dict[str, list[str]]:
    conf = cluster.settings or {}
    state = {"failed_nodes": set(conf.get("failed_nodes") or []), "stopped": set(conf.get("stopped") or [])}
    later = _steps(cluster).filter(seq__gt=seq, category="fault", action__in=list(_UNDO)).order_by("-seq")
    for action, target in later.values_list("action", "target"):
        field, add = _UNDO[action]
        name = target.split("/", 1)[1] if field == "failed_nodes" else target
        (state[field].add if add else state[field].discard)(name)
    return {field: sorted(names) for field, names in state.items()}


def history_at(cluster: Cluster, *, at: int | None = None) -> dict[str, Any]:
    """The snapshot at step ``at`` (default: the newest) and the range of reachable steps:
    ``{"seq", "revision", "earliest", "head", "compactedRevision", "step", "failed_nodes",
    "stopped", "nodes", "pods", "deployments", "replicasets", "services"}``.

    Raises ``StatusError`` 404 for a step beyond the newest, 410 Expired for one before
    the history kept, and ``Cluster.DoesNotExist`` if the cluster was deleted meanwhile.
    """
    with _read_transaction():
        cluster = Cluster.objects.get(pk=cluster.pk)
        head, now, compacted = cluster.step_seq, cluster.revision, cluster.compacted_revision
        seq = head if at is None else at
        if seq > head:
            raise StatusError(404, "NotFound", f"step {seq} is beyond the newest step of cluster {cluster.name} ({head})")
        earliest = _earliest_reachable(cluster, head, now, compacted)
        if seq < earliest:
            raise errors.expired(
                f"step {seq} is before the history cluster {cluster.name} keeps: it starts at step {earliest} "
                "(older steps were trimmed, or the changes they made were compacted)")
        revision = now if seq == head else _revision_of(cluster, seq, now)
        step = _steps(cluster).filter(seq=seq).first()
        out: dict[str, Any] = {
            "cluster": cluster.name, "seq": seq, "revision": revision, "earliest": earliest, "head": head,
            "compactedRevision": compacted, "step": step.as_message() if step else None, **_faults_at(cluster, seq),
        }
        for plural, summary in SUMMARIES.items():
            out[plural] = [summary(obj) for obj in registry.objects_at(cluster, plural, revision)]
    return out
