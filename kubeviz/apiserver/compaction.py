"""kube-apiserver's periodic etcd compaction, for one cluster.

kube-apiserver (``storage/etcd3/compact.go``) asks etcd to compact every
``--etcd-compaction-interval`` (5m by default) to the revision it saw at the previous
round, so history of at least one interval stays watchable; a watch or a list continue
token from before the compacted revision then gets 410 Expired. kubeviz does the same on
the simulated clock, and never compacts the newest ``KUBEVIZ_WATCH_HISTORY`` revisions:
in settle mode a whole rollout can happen within one simulated second.
"""
from __future__ import annotations

from django.conf import settings

from kubeviz.clusters.models import Cluster
from kubeviz.etcd import store


class Compactor:
    """The compaction rounds of one cluster; remembers the revision of the last round
    (kube-apiserver keeps it in memory too: after a restart its first round only looks)."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.previous: int | None = None
        self.sweeping = False

    def round(self) -> int:
        """One compaction round: compact to what the previous round saw, then delete the
        compacted records in one batch. Returns how many records went."""
        head = store.current_revision(self.cluster.pk)
        target = 0
        if self.previous is not None:
            target = max(min(self.previous, head - settings.KUBEVIZ_WATCH_HISTORY), 0)
        self.previous = head
        return self.sweep(target)

    def sweep(self, target: int = 0) -> int:
        """Delete one batch of compacted records; ``sweeping`` says whether more are left."""
        batch = settings.KUBEVIZ_HISTORY_BATCH
        deleted = store.compact(self.cluster.pk, target, batch=batch)
        self.sweeping = deleted >= batch
        return deleted
