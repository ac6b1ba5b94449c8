"""Tailing the stored steps of a cluster, once per process, for every websocket watching it.

The engine may run in another process, and the embedded default has no Redis: Channels'
in-memory layer cannot carry a step from a worker to Daphne. The store can. A step row
becomes visible only when the transaction that wrote it commits, so polling the Step
table gives "broadcast after commit" for free.

One ``Tailer`` per cluster per event loop: an asyncio task, started when the first
subscriber of the cluster arrives and stopped when the last one leaves. Each tick runs
ONE query (``seq > last``), whatever the number of subscribers, encodes the batch once
and hands the same ``Batch`` object to every subscriber (the in-memory channel layer
would deep-copy it per member and silently drop it when a member's queue is full).
It polls every ``POLL_BUSY`` while steps come, backing off to ``POLL_IDLE`` when the
cluster is quiet; a quiet tailer also checks every ``GONE_CHECK`` seconds that its
cluster still exists, and tells its subscribers (``cluster.gone``) when it was deleted
or reset.

A batch covers the seqs ``(prev, last]``. A subscriber that has sent up to ``prev`` sends
the batch as is; one that is behind reads the missing range from the table first; one
that is ahead drops what it already sent. That makes delivery gap-free and duplicate-free
whatever the timing of connects, resumes and batches.

Seqs are assigned inside the writing transaction. In kubeviz the counter row stays locked
until commit, so steps commit in seq order; should a seq still be missing (a transaction
committing out of order, a deleted row), the tailer waits ``GAP_GRACE`` seconds for it
before passing over it.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from dataclasses import dataclass
from typing import Any, Protocol

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import connection

from kubeviz.etcd.models import Cluster
from kubeviz.flow.selectors import step_list

log = logging.getLogger(__name__)

POLL_BUSY = 0.010  # seconds between polls while steps keep coming
POLL_IDLE = 0.050  # the longest pause once the cluster is quiet
BUSY_WINDOW = 0.5  # a cluster counts as busy this long after its last step
GAP_GRACE = 1.0  # how long a missing seq may hold back the ones after it
GONE_CHECK = 2.0  # how often a quiet tailer checks that its cluster still exists
PAGE = 500  # most steps read per tick
ERROR_PAUSE = 1.0

Message = dict[str, Any]


@dataclass(frozen=True, eq=False)
class Batch:
    """Steps with ``prev < seq <= last`` (some seqs may be missing for good), in order."""

    prev: int
    last: int
    steps: tuple[Message, ...]
    # {"type": "steps", "steps": [...]}, encoded once for every subscriber.
    text: str


class Subscriber(Protocol):
    def deliver(self, event: dict[str, Any]) -> None:
        """Take one event (``steps.batch`` or ``cluster.gone``) without blocking."""


def steps_text(steps: list[Message] | tuple[Message, ...]) -> str:
    return json.dumps({"type": "steps", "steps": list(steps)}, separators=(",", ":"))


def _contiguous(rows: list[Message], after: int) -> list[Message]:
    """The leading rows whose seqs follow ``after`` without a hole."""
    out = []
    expected = after + 1
    for row in rows:
        if row["seq"] != expected:
            break
        out.append(row)
        expected += 1
    return out


def _fetch_sync(cluster: Cluster, after: int) -> list[Message]:
    try:
        return [s.as_message() for s in step_list(cluster=cluster, after=after, limit=PAGE)]
    except Exception:
        connection.close()  # start afresh on the next tick
        raise


# The poll, ~100 times a second, runs in the same thread as Channels' database helpers
# but not through ``database_sync_to_async``: that closes the connection after every
# call (SQLite runs with CONN_MAX_AGE=0), so each poll would open a new one, which costs
# more than the query. The helpers still close it when it is obsolete.
_fetch = sync_to_async(_fetch_sync, thread_sensitive=True)


@database_sync_to_async
def _exists(cluster: Cluster) -> bool:
    return Cluster.objects.filter(pk=cluster.pk).exists()


class Tailer:
    def __init__(self, cluster: Cluster, last: int):
        self.cluster = cluster
        self.last = last
        self.subscribers: set[Subscriber] = set()
        self.task: asyncio.Task | None = None
        self._gap_seq: int | None = None
        self._gap_since = 0.0
        self._checked = time.monotonic()

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.run(), name=f"steps-tailer-{self.cluster.pk}")

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None

    def publish(self, event: dict[str, Any]) -> None:
        for subscriber in list(self.subscribers):
            try:
                subscriber.deliver(event)
            except Exception:  # noqa: BLE001 - one broken subscriber must not starve the others
                log.exception("step subscriber failed to take an event")

    def take(self, rows: list[Message], now: float) -> Batch | None:
        """Decide which of the rows read after ``self.last`` to publish now."""
        ready = _contiguous(rows, self.last)
        if not ready and rows:
            missing = self.last + 1
            if self._gap_seq != missing:
                self._gap_seq, self._gap_since = missing, now
            elif now - self._gap_since >= GAP_GRACE:
                log.warning("cluster %s: step seqs %s..%s never appeared; passing over them",
                            self.cluster.pk, missing, rows[0]["seq"] - 1)
                ready = _contiguous(rows, rows[0]["seq"] - 1)
        if not ready:
            return None
        self._gap_seq = None
        batch = Batch(prev=self.last, last=ready[-1]["seq"], steps=tuple(ready), text=steps_text(ready))
        self.last = batch.last
        return batch

    async def run(self) -> None:
        pause = POLL_BUSY
        busy_until = 0.0
        while True:
            try:
                rows = await _fetch(self.cluster, self.last)
                now = time.monotonic()
                batch = self.take(rows, now)
                if batch is not None:
                    self.publish({"type": "steps.batch", "batch": batch})
                if rows:
                    self._checked = now
                    busy_until = now + BUSY_WINDOW
                    # A full page that was all published: more are waiting, read them now.
                    pause = 0.0 if batch is not None and len(batch.steps) == PAGE else POLL_BUSY
                elif now < busy_until:
                    pause = POLL_BUSY
                else:
                    pause = min(max(pause * 2, POLL_BUSY), POLL_IDLE)
                    if now - self._checked >= GONE_CHECK:
                        self._checked = now
                        if not await _exists(self.cluster):
                            # Deleted, or reset (a new cluster under the same name).
                            _forget(self)
                            self.publish({"type": "cluster.gone"})
                            return
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a database hiccup must not end the stream
                log.exception("tailing the steps of cluster %s failed; retrying", self.cluster.pk)
                pause = ERROR_PAUSE
            await asyncio.sleep(pause)


# Tailers of each event loop (a test run makes one loop per test), by cluster pk.
_tailers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, Tailer]] = weakref.WeakKeyDictionary()


def _loop_tailers() -> dict[int, Tailer]:
    loop = asyncio.get_running_loop()
    tailers = _tailers.get(loop)
    if tailers is None:
        tailers = _tailers[loop] = {}
    return tailers


def _forget(tailer: Tailer) -> None:
    tailers = _loop_tailers()
    if tailers.get(tailer.cluster.pk) is tailer:
        del tailers[tailer.cluster.pk]
    tailer.task = None


def subscribe(cluster: Cluster, subscriber: Subscriber, *, since: int) -> int:
    """Start delivering the cluster's steps to ``subscriber``; returns the seq up to which
    the tailer has already published (batches delivered from now on start there).

    ``since`` is the subscriber's position: a new tailer starts from it.
    """
    tailers = _loop_tailers()
    tailer = tailers.get(cluster.pk)
    if tailer is None:
        tailer = tailers[cluster.pk] = Tailer(cluster, last=since)
        tailer.start()
    tailer.subscribers.add(subscriber)
    return tailer.last


def unsubscribe(cluster_pk: int, subscriber: Subscriber) -> None:
    """Stop delivering; the tailer stops with its last subscriber."""
    tailers = _loop_tailers()
    tailer = tailers.get(cluster_pk)
    if tailer is None:
        return
    tailer.subscribers.discard(subscriber)
    if not tailer.subscribers:
        tailer.stop()
        del tailers[cluster_pk]


def tailer_count() -> int:
    """How many tailers run in this event loop (for tests)."""
    return len(_tailers.get(asyncio.get_running_loop(), {}))
