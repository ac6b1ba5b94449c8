"""The container runtime's log files: append, read, trim and remove container logs.

A ``LogFile`` stands for the CRI log file of each container instance, its ``LogLine`` rows
for the lines in it. Writes are bulk inserts (one query per batch) and are bounded: an
instance keeps its last ``LOG_MAX_LINES`` lines, as the kubelet rotates a log at
containerLogMaxSize.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from django.db.models import QuerySet

from kubeviz.etcd import sql
from kubeviz.etcd.models import Cluster

from .models import LogFile, LogLine

LOG_MAX_LINES = 1000
_INSERT = 'INSERT INTO "runtime_logline" ("file_id", "time", "stream", "text") VALUES (%s, %s, %s, %s)'
# An upsert that names the file's id whether it is new or not (SQLite 3.35+, PostgreSQL).
_OPEN = (
    'INSERT INTO "runtime_logfile" ("cluster_id", "pod_uid", "container", "container_id") VALUES (%s, %s, %s, %s) '
    'ON CONFLICT ("cluster_id", "container_id") DO UPDATE SET "container" = excluded."container" RETURNING "id"'
)
ID_PREFIX = "containerd://"


class Entry(NamedTuple):
    """One line to append to one container instance's log (a tuple: a starting nginx
    writes dozens at once)."""

    pod_uid: str
    container: str
    container_id: str
    time: datetime
    text: str
    stream: str = "stdout"


def bare_id(container_id: str) -> str:
    """``containerd://<hex>`` → ``<hex>`` (what the rows are keyed by)."""
    return container_id.removeprefix(ID_PREFIX)


def log_append(*, cluster: Cluster, entries: Iterable[Entry], trim: bool = False) -> int:
    """Append lines (one bulk insert); with ``trim``, drop each touched instance's lines
    beyond the newest ``LOG_MAX_LINES``. Returns how many lines were written."""
    # Raw SQL: a starting nginx prints dozens of lines, and building a model instance for
    # each cost more than the insert.
    files: dict[str, int] = {}
    rows = []
    for e in entries:
        cid = bare_id(e.container_id)
        file_id = files.get(cid)
        if file_id is None:
            found = sql.one(_OPEN, (cluster.pk, e.pod_uid, e.container, cid))
            assert found is not None
            file_id = files[cid] = found[0]
        rows.append((file_id, sql.datetime_param(e.time), e.stream, e.text[:16384]))
    if not rows:
        return 0
    sql.many(_INSERT, rows)
    if trim:
        for file_id in files.values():
            _trim(file_id)
    return len(rows)


def _trim(file_id: int, keep: int = LOG_MAX_LINES) -> None:
    ids = LogLine.objects.filter(file_id=file_id).order_by("-id").values_list("id", flat=True)
    cut = list(ids[keep:keep + 1])
    if cut:
        LogLine.objects.filter(file_id=file_id, id__lte=cut[0]).delete()


def log_forget(*, cluster: Cluster, pod_uid: str) -> int:
    """Remove every log of a pod that is gone (the kubelet's container garbage collection).
    Returns how many lines went."""
    _, deleted = LogFile.objects.filter(cluster=cluster, pod_uid=pod_uid).delete()
    return deleted.get(LogLine._meta.label, 0)


# ---- reads -----------------------------------------------------------------------------------


def log_pods(*, cluster: Cluster) -> set[str]:
    """The uids of the pods that have logs."""
    return set(LogFile.objects.filter(cluster=cluster).values_list("pod_uid", flat=True).distinct())


def _lines(cluster: Cluster, container_id: str) -> QuerySet[LogLine]:
    """The lines of one container instance's file."""
    return LogLine.objects.filter(file__cluster=cluster, file__container_id=bare_id(container_id))


def log_last_time(*, cluster: Cluster, container_id: str) -> datetime | None:
    row = _lines(cluster, container_id).order_by("-id").values_list("time", flat=True)[:1]
    found = list(row)
    return found[0] if found else None


def log_read(
    *, cluster: Cluster, container_id: str, after_id: int = 0, since: datetime | None = None,
    tail: int | None = None, limit: int | None = None,
) -> list[LogLine]:
    """Lines of one container instance, oldest first: after row ``after_id``, stamped at or
    after ``since``, only the last ``tail`` of them, at most ``limit``."""
    qs = _lines(cluster, container_id).filter(id__gt=after_id)
    if since is not None:
        qs = qs.filter(time__gte=since)
    if tail is not None:
        rows = list(qs.order_by("-id")[:tail])
        rows.reverse()
        return rows
    qs = qs.order_by("id")
    return list(qs[:limit] if limit is not None else qs)


def log_recent(*, cluster: Cluster, pod_uid: str, per_container: int = 20) -> dict[str, list[LogLine]]:
    """The newest lines of each container of a pod (every instance, newest last): for the
    dashboard's detail panel."""
    rows = list(
        LogLine.objects.filter(file__cluster=cluster, file__pod_uid=pod_uid).select_related("file").order_by("-id")[:per_container * 8]
    )
    out: dict[str, list[LogLine]] = defaultdict(list)
    for row in reversed(rows):
        out[row.container].append(row)
    return {name: lines[-per_container:] for name, lines in out.items()}
