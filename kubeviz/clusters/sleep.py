"""Sleep: a cluster nobody uses costs nothing.

``cluster_wake`` is called by every door (``access.cluster_touch``): it records the use
and, if the cluster slept, wakes it. The sleeping side (which clusters fall asleep, what
the worker does with them, the frozen clock) is built on top of this.
"""
from __future__ import annotations

from datetime import datetime

from .models import Cluster


def cluster_wake(*, cluster: Cluster, now: datetime) -> None:
    Cluster.objects.filter(pk=cluster.pk).update(last_active=now, asleep=False)
    cluster.last_active = now
    cluster.asleep = False
