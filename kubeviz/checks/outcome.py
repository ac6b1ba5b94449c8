"""What evaluating a check answers, and where in the cluster's history it starts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster


@dataclass(frozen=True)
class Outcome:
    """``found``: what the check saw, in a sentence; ``advice``: what to try (empty when
    it passed)."""

    passed: bool
    found: str
    advice: str = ""


@dataclass(frozen=True)
class Scope:
    """Where a lesson step or an exercise attempt began: only steps, changes and Events
    after it count for the checks of the recorded process, so an earlier attempt does not
    satisfy a later one."""

    since_seq: int = 0
    since_revision: int = 0
    since_time: datetime | None = None

    @classmethod
    def now(cls, cluster: Cluster) -> Scope:
        """The cluster's current step seq, revision and simulated time (one query)."""
        seq, revision = Cluster.objects.filter(pk=cluster.pk).values_list("step_seq", "revision").get()
        return cls(since_seq=seq, since_revision=revision, since_time=clock.now(cluster))
