"""Reading steps."""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import QuerySet

from kubeviz.clusters.models import Cluster
from kubeviz.etcd import sql

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


def step_objects(
    *, cluster: Cluster, after: int, kind: str, namespace: str, names: Collection[str] | None = None,
    number: int | Collection[int] | None = None, action: str = "", source: str = "", target: str = "", category: str = "",
) -> list[tuple[str, int | None, str]]:
    """(object name, step number, action) of every step with ``seq > after`` about objects
    of ``kind`` in ``namespace`` (only ``names`` when given) that matches the filters
    (``number``: one step number or several; ``source``/``target``: a component, where
    ``kubelet`` matches ``kubelet/node-1`` too). One query, for the checks of the recorded
    process; raw SQL, as a wait is evaluated after every change."""
    where = ['"cluster_id" = %s', '"seq" > %s', '"kind" = %s', '"namespace" = %s']
    params: list[Any] = [cluster.pk, after, kind, namespace]
    if number is not None:
        numbers = [number] if isinstance(number, int) else list(number)
        where.append('"step" IN (' + ", ".join(["%s"] * len(numbers)) + ")")
        params += numbers
    for column, value in (("action", action), ("category", category)):
        if value:
            where.append(f'"{column}" = %s')
            params.append(value)
    for column, value in (("source", source), ("target", target)):
        if value:
            # A prefix range rather than LIKE, whose escaping differs between databases.
            where.append(f'("{column}" = %s OR ("{column}" >= %s AND "{column}" < %s))')
            params += [value, f"{value}/", f"{value}0"]  # "0" is the character after "/"
    rows = sql.rows(f'SELECT "name", "step", "action" FROM "flow_step" WHERE {" AND ".join(where)} ORDER BY "seq"', params)
    if names is None:
        return [tuple(r) for r in rows]  # type: ignore[misc]
    # Filtered here: an IN list of a hundred names cost more than the rows it saves.
    wanted = set(names)
    return [tuple(r) for r in rows if r[0] in wanted]  # type: ignore[misc]
