"""Reading steps."""
from __future__ import annotations

from collections.abc import Collection

from django.db.models import Q, QuerySet

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


def _component(field: str, name: str) -> Q:
    """``kubelet`` matches ``kubelet`` and ``kubelet/node-1``."""
    return Q(**{field: name}) | Q(**{f"{field}__startswith": f"{name}/"})


def step_objects(
    *, cluster: Cluster, after: int, kind: str, namespace: str, names: Collection[str] | None = None,
    number: int | None = None, action: str = "", source: str = "", target: str = "", category: str = "",
) -> list[tuple[str, int | None, str]]:
    """(object name, step number, action) of every step with ``seq > after`` about objects
    of ``kind`` in ``namespace`` (only ``names`` when given) that matches the filters:
    one query, for the checks of the recorded process."""
    qs = Step.objects.filter(cluster=cluster, seq__gt=after, kind=kind, namespace=namespace)
    if names is not None:
        qs = qs.filter(name__in=list(names))
    if number is not None:
        qs = qs.filter(step=number)
    if action:
        qs = qs.filter(action=action)
    if category:
        qs = qs.filter(category=category)
    if source:
        qs = qs.filter(_component("source", source))
    if target:
        qs = qs.filter(_component("target", target))
    return list(qs.order_by("seq").values_list("name", "step", "action"))
