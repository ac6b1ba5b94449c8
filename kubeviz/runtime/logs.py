"""The container runtime's log files: append, read, rotate and remove container logs.

A ``LogFile`` stands for the CRI log of each container instance, its ``LogLine`` rows for
the lines in it. Writes are bulk inserts (one query per batch).

Rotation, as the kubelet's container log manager does it (``containerLogMaxSize``, 10Mi,
and ``containerLogMaxFiles``, 5, by default; here ``KUBEVIZ_CONTAINER_LOG_MAX_SIZE`` and
``KUBEVIZ_CONTAINER_LOG_MAX_FILES``): once a container's current file is over the size,
it is rotated and a new one begun; of the rotated files only the newest
``max files - 1`` are kept, so a container that logs forever holds at most about
``max files × max size`` bytes. The simulation keeps one table of lines per instance and
marks where files end instead of renaming files: a line belongs to the current file when
its id is above ``LogFile.rotated_through``; rotated files are the ranges between the ids
in ``LogFile.rotations``, and dropping the oldest deletes its lines. The kubelet checks
sizes every 10 s (``containerLogMonitorInterval``) and only for running containers; the
runtime checks before each write (a container's lines come in batches), so a file
overshoots the size by at most one batch and the newest batch is always in the current
file. Sizes count each line as the CRI log format stores it
(``<RFC 3339 nano time> <stream> F <text>\n``).

``kubectl logs`` (``log_read``) reads only the current file, as the real kubelet does:
just after a rotation it shows the few lines written since.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db.models import F, QuerySet

from kubeviz.clusters.models import Cluster
from kubeviz.etcd import sql

from .models import LogFile, LogLine

_INSERT = 'INSERT INTO "runtime_logline" ("file_id", "time", "stream", "text") VALUES (%s, %s, %s, %s)'
# An upsert that names the file's id (and its size after this write) whether it is new or
# not (SQLite 3.35+, PostgreSQL).
_OPEN = (
    'INSERT INTO "runtime_logfile" ("cluster_id", "pod_uid", "container", "container_id", "size", "rotated_through", '
    '"rotations") VALUES (%s, %s, %s, %s, %s, 0, \'[]\') '
    'ON CONFLICT ("cluster_id", "container_id") DO UPDATE SET "container" = excluded."container", '
    '"size" = "runtime_logfile"."size" + excluded."size" RETURNING "id", "size", "rotations"'
)
ID_PREFIX = "containerd://"
# The CRI log format's per-line overhead: a 30-character RFC 3339 nano time, the spaces,
# the partial/full tag and the newline (plus the stream's name).
LINE_OVERHEAD = 30 + 1 + 1 + 1 + 1 + 1


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


def _line_size(text: str, stream: str) -> int:
    return LINE_OVERHEAD + len(stream) + len(text.encode("utf-8"))


def log_append(*, cluster: Cluster, entries: Iterable[Entry]) -> int:
    """Append lines (one bulk insert), rotating first each file that a previous write took
    over ``containerLogMaxSize`` (so the current file always holds the newest batch).
    Returns how many lines were written."""
    # Raw SQL: a starting nginx prints dozens of lines, and building a model instance for
    # each cost more than the insert.
    by_file: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        by_file[bare_id(e.container_id)].append(e)
    if not by_file:
        return 0
    rows = []
    for cid, lines in by_file.items():
        texts = [(e.text[:16384], e) for e in lines]
        size = sum(_line_size(text, e.stream) for text, e in texts)
        found = sql.one(_OPEN, (cluster.pk, lines[0].pod_uid, lines[0].container, cid, size))
        assert found is not None
        file_id, total, rotations = found
        if total - size > settings.KUBEVIZ_CONTAINER_LOG_MAX_SIZE:
            _rotate(file_id, json.loads(rotations), size)
        rows += [(file_id, sql.datetime_param(e.time), e.stream, text) for text, e in texts]
    sql.later_many(_INSERT, rows)
    return len(rows)


def _rotate(file_id: int, rotations: list[int], size: int) -> None:
    """Close the current file and begin a new one of ``size`` bytes (the lines about to be
    written); drop the rotated files beyond ``containerLogMaxFiles - 1`` (the current file
    counts as one)."""
    last = sql.one('SELECT MAX("id") FROM "runtime_logline" WHERE "file_id" = %s', (file_id,))
    if last is None or last[0] is None:
        return
    rotations = [*rotations, last[0]]
    keep = max(settings.KUBEVIZ_CONTAINER_LOG_MAX_FILES - 1, 0)
    dropped, rotations = rotations[:len(rotations) - keep], rotations[len(rotations) - keep:] if keep else []
    if dropped:
        sql.count('DELETE FROM "runtime_logline" WHERE "file_id" = %s AND "id" <= %s', (file_id, dropped[-1]))
    sql.one('UPDATE "runtime_logfile" SET "size" = %s, "rotated_through" = %s, "rotations" = %s WHERE "id" = %s',
            (size, last[0], json.dumps(rotations), file_id))


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
    """The lines of one container instance's log, its rotated files included."""
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
    after ``since``, only the last ``tail`` of them, at most ``limit``. Only the current
    file is read, as the kubelet serves ``kubectl logs``."""
    qs = _lines(cluster, container_id).filter(id__gt=after_id).filter(id__gt=F("file__rotated_through"))
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
