"""Reading steps."""
from __future__ import annotations

from django.db.models import QuerySet

from kubeviz.etcd.models import Cluster

from .models import Step


def step_list(*, cluster: Cluster, after: int = 0, limit: int = 500) -> QuerySet[Step]:
    return Step.objects.filter(cluster=cluster, seq__gt=after).order_by("seq")[:limit]
