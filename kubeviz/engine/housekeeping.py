"""Keeping a long-running cluster's history bounded, on the simulated clock.

Classrooms run clusters for days: the change log and the recorded steps would otherwise
grow with every heartbeat. Two periodic jobs, each a queue key of one engine component:

- ``compact``: kube-apiserver's compaction round every ``KUBEVIZ_COMPACTION_INTERVAL``
  simulated seconds (``kubeviz.apiserver.compaction``);
- ``trim-steps``: steps beyond the retention go every ``KUBEVIZ_STEP_TRIM_INTERVAL``
  (``kubeviz.flow.services.steps_trim``).

Deletes go in batches of ``KUBEVIZ_HISTORY_BATCH`` rows, one batch per action: a backlog
is requeued at once, so other components' actions (and other writers) interleave with it
instead of waiting behind one long delete. Neither job is a step of the cluster, so the
engine runs them in the background (``background``): they never keep ``settle()`` going
on their own and a *Next step* press never lands on them.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings

from kubeviz.apiserver.compaction import Compactor
from kubeviz.clusters.models import Cluster
from kubeviz.flow.services import steps_trim

from .cache import Cache
from .client import Client

COMPACT = "compact"
TRIM_STEPS = "trim-steps"


class Housekeeping:
    name = "housekeeping"
    actor = "kube-apiserver"
    watches: tuple[str, ...] = ()
    background = True
    start_keys = (COMPACT, TRIM_STEPS)

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.compactor = Compactor(cluster)
        self.next_round: datetime | None = None

    def handle(self, cache: Cache, plural: str, event: str, obj: dict, old: dict | None) -> Iterable[str]:
        return ()

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        if key == COMPACT:
            return self._compact(api.now())
        if key == TRIM_STEPS:
            batch = settings.KUBEVIZ_HISTORY_BATCH
            deleted = steps_trim(cluster=self.cluster, keep=settings.KUBEVIZ_STEP_RETENTION,
                                 max_age_seconds=settings.KUBEVIZ_STEP_RETENTION_SECONDS, batch=batch)
            return 0.0 if deleted >= batch else settings.KUBEVIZ_STEP_TRIM_INTERVAL
        return None

    def _compact(self, now: datetime) -> float:
        interval = settings.KUBEVIZ_COMPACTION_INTERVAL
        if self.next_round is None or now >= self.next_round:
            self.compactor.round()
            self.next_round = now + timedelta(seconds=interval)
        elif self.compactor.sweeping:
            self.compactor.sweep()
        if self.compactor.sweeping:
            return 0.0
        return max((self.next_round - now).total_seconds(), 0.0)
