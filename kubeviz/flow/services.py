"""Writing steps. Called inside the transaction that did the work they describe.

A component action records several steps (a request, the store's write, events…). Inside
``steps_batch()`` they are kept in memory and written together when the block ends, still
inside the caller's transaction: one statement takes the block's sequence numbers and one
inserts every row. Outside a batch each step is written at once. Either way a step is
visible exactly when the writes it describes are, and seqs follow the order of recording.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.etcd import counters, sql

_INSERT = (
    'INSERT INTO "flow_step" ("cluster_id", "seq", "step", "source", "target", "action", "kind", "namespace", '
    '"name", "uid", "message", "revision", "time", "category", "client") '
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


@dataclass
class StepRecord:
    """A step as recorded; ``seq`` is set once it is written."""

    cluster_id: int
    step: int | None
    source: str
    target: str
    action: str
    kind: str
    namespace: str
    name: str
    uid: str
    message: str
    revision: int | None
    time: datetime
    category: str
    client: str
    seq: int | None = None

    def as_message(self) -> dict[str, Any]:
        """``Step.as_message()`` of the row this record is written as."""
        return {
            "seq": self.seq, "step": self.step, "source": self.source, "target": self.target, "action": self.action,
            "object": {"kind": self.kind, "namespace": self.namespace, "name": self.name, "uid": self.uid},
            "message": self.message, "revision": self.revision,
            "time": self.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "category": self.category, "client": self.client,
        }

    def row(self) -> tuple:
        return (self.cluster_id, self.seq, self.step, self.source, self.target, self.action, self.kind, self.namespace,
                self.name, self.uid, self.message, self.revision, sql.datetime_param(self.time), self.category, self.client)


_local = threading.local()


def _pending() -> list[StepRecord] | None:
    return getattr(_local, "pending", None)


@contextmanager
def steps_batch() -> Iterator[None]:
    """Keep the steps recorded inside and write them together at the end (call it inside
    the transaction). A batch inside a batch joins the outer one; on an exception nothing
    is written, as the caller's transaction rolls back."""
    if _pending() is not None:
        yield
        return
    _local.pending = []
    try:
        yield
        pending = _local.pending
        _local.pending = None
        _write(pending)
    finally:
        _local.pending = None


def _write(records: list[StepRecord]) -> None:
    by_cluster: dict[int, list[StepRecord]] = {}
    for record in records:
        by_cluster.setdefault(record.cluster_id, []).append(record)
    for cluster_id, group in by_cluster.items():
        first = counters.take(cluster_id, counters.STEP_SEQ, len(group))
        for offset, record in enumerate(group):
            record.seq = first + offset
        sql.later_many(_INSERT, [r.row() for r in group])
        sql.steps_announce(cluster_id, first + len(group) - 1, [r.as_message() for r in group])


def step_record(
    *,
    cluster: Cluster,
    source: str,
    target: str,
    action: str,
    message: str,
    step: int | None = None,
    obj: dict[str, Any] | None = None,
    revision: int | None = None,
    category: str = "flow",
    client: str = "",
) -> StepRecord:
    """Append one step with the next per-cluster sequence number."""
    meta = (obj or {}).get("metadata") or {}
    record = StepRecord(
        cluster_id=cluster.pk, step=step, source=source, target=target, action=action,
        kind=(obj or {}).get("kind", "") or "", namespace=meta.get("namespace", "") or "",
        name=meta.get("name", "") or "", uid=meta.get("uid", "") or "", message=message, revision=revision,
        time=clock.now(cluster), category=category, client=client,
    )
    pending = _pending()
    if pending is not None:
        pending.append(record)
    else:
        _write([record])
    return record


def name_object(step: StepRecord, obj: dict[str, Any]) -> None:
    """Give a request's step the name and uid the API server chose (generateName)."""
    meta = obj.get("metadata") or {}
    name, uid = meta.get("name", "") or "", meta.get("uid", "") or ""
    if step.name == name and step.uid == uid:
        return
    step.name, step.uid = name, uid
    if step.seq is not None:
        sql.one('UPDATE "flow_step" SET "name" = %s, "uid" = %s WHERE "cluster_id" = %s AND "seq" = %s',
                (name, uid, step.cluster_id, step.seq))


def steps_trim(*, cluster: Cluster, keep: int, max_age_seconds: float, batch: int) -> int:
    """Delete the oldest steps beyond the cluster's retention: all but the newest ``keep``,
    and (with ``max_age_seconds`` > 0) those stamped longer ago than that by the simulated
    clock. At most ``batch`` rows per call, so a writer waits for one short statement, never
    for the whole backlog; returns how many went (``batch`` means: call again).

    What remains is always a suffix of the history (seqs, like step times, only grow), so
    the smallest stored seq marks where history starts (``step_earliest``)."""
    head = counters.read(cluster.pk, counters.STEP_SEQ)
    first = sql.one('SELECT MIN("seq") FROM "flow_step" WHERE "cluster_id" = %s', (cluster.pk,))
    if not first or first[0] is None:
        return 0
    below = first[0] + batch  # this call deletes only seqs below it
    over_count = head - keep  # seqs at or below this are beyond the count
    if max_age_seconds > 0:
        cutoff = sql.datetime_param(clock.now(cluster) - timedelta(seconds=max_age_seconds))
        return sql.count(
            'DELETE FROM "flow_step" WHERE "cluster_id" = %s AND "seq" < %s AND ("seq" <= %s OR "time" < %s)',
            (cluster.pk, below, over_count, cutoff),
        )
    return sql.count('DELETE FROM "flow_step" WHERE "cluster_id" = %s AND "seq" < %s AND "seq" <= %s',
                     (cluster.pk, below, over_count))


def steps_forget(*, cluster: Cluster) -> None:
    """Delete every step of the cluster and start its numbering again from 1 (a reset
    cluster is a new one to the dashboard: it takes a fresh snapshot)."""
    sql.one('DELETE FROM "flow_step" WHERE "cluster_id" = %s', (cluster.pk,))
    counters.write(cluster.pk, counters.STEP_SEQ, 0)
