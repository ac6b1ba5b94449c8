"""Reading steps."""
from __future__ import annotations

from django.db.models import QuerySet

from kubeviz.clusters.models import Cluster

from .models import Step


def step_list(*, cluster: Cluster, after: int = 0, limit: int = 500) -> QuerySet[Step]:
    return Step.objects.filter(cluster=cluster, seq__gt=after).order_by("seq")[:limit]


def step_range(*, cluster: Cluster, after: int, through: int, limit: int = 500) -> QuerySet[Step]:
    """Steps with ``after < seq <= through``, oldest first, at most ``limit``."""
    return Step.objects.filter(cluster=cluster, seq__gt=after, seq__lte=through).order_by("seq")[:limit]


def step_recent(*, cluster: Cluster, through: int, limit: int) -> list[Step]:
    """The last ``limit`` steps with ``seq <= through``, oldest first."""
    newest = Step.objects.filter(cluster=cluster, seq__lte=through).order_by("-seq")[:limit]
    return list(reversed(list(newest)))


def step_earliest(*, cluster: Cluster) -> int:
    """The smallest seq still stored: where the cluster's history starts once older steps
    were trimmed (``steps_trim``). With no step stored, the seq the next step will get."""
    first = Step.objects.filter(cluster=cluster).order_by("seq").values_list("seq", flat=True).first()
    if first is not None:
        return first
    head = Cluster.objects.filter(pk=cluster.pk).values_list("step_seq", flat=True).first()
    return (head or 0) + 1
