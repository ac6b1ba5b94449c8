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

On a SQLite database file (the embedded default) a ``CommitWatcher`` per event loop
replaces most of those polls: every ``WATCH_BUSY`` seconds it asks SQLite whether any
other connection committed (``PRAGMA data_version``, a look at the WAL index in shared
memory, no table read) and only then reads the ``step_seq`` of the watched clusters,
waking the tailers whose cluster has new steps. A tailer then reads within a few
milliseconds of the commit instead of up to ``POLL_BUSY`` later, and queries only when
there is something to read. It still polls every ``WATCHED_POLL`` seconds, so a watcher
that fails costs latency, never a step.

On PostgreSQL a ``PgCommitWatcher`` per event loop does the same without looking at all:
a transaction that wrote steps sends ``NOTIFY kubeviz_steps, '<cluster>:<seq>'``
(``kubeviz.etcd.sql.steps_announce``), which PostgreSQL delivers when, and only if, it
commits; the watcher ``LISTEN``s on a connection of its own and wakes the tailers whose
cluster moved. Every Daphne gets every commit of every worker, and reads each cluster once
per wake however many viewers it has: the tailers woken while a read runs share the next
one (``BatchedReader``: one query, in a thread of its own). While the listening connection is down (PostgreSQL
restarting) the tailers poll, and after it reconnects they all read once, so nothing
committed meanwhile is missed.

A viewer keeps its cluster awake (``kubeviz.clusters.sleep``): while a tailer has
subscribers it touches its cluster every ``VIEWER_TOUCH`` seconds (``cluster_touch``,
which also wakes it should it have fallen asleep all the same).

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
import sqlite3
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import connection, connections, models
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from kubeviz.clusters.access import cluster_touch
from kubeviz.clusters.models import Cluster
from kubeviz.flow.models import Step
from kubeviz.flow.selectors import step_list

log = logging.getLogger(__name__)

POLL_BUSY = 0.010  # seconds between polls while steps keep coming
POLL_IDLE = 0.050  # the longest pause once the cluster is quiet
BUSY_WINDOW = 0.5  # a cluster counts as busy this long after its last step
GAP_GRACE = 1.0  # how long a missing seq may hold back the ones after it
GONE_CHECK = 2.0  # how often a quiet tailer checks that its cluster still exists
PAGE = 500  # most steps read per tick
ERROR_PAUSE = 1.0
WATCH_BUSY = 0.002  # how often the commit watcher looks while commits keep coming
WATCH_IDLE = 0.020  # ... and once they stopped for BUSY_WINDOW
WATCHED_POLL = 1.0  # the longest a watched tailer goes without reading the table
# ... on PostgreSQL, whose NOTIFY is delivered on every commit while the watcher listens
# (it wakes every tailer when it starts listening again): the poll is only a safety net.
PG_WATCHED_POLL = 5.0
VIEWER_TOUCH = 30.0  # how often a watched cluster is marked as used (access.TOUCH_EVERY)

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


def _exists_sync(cluster: Cluster) -> bool:
    # A reset keeps the row but stamps a new ``created``: that is a new cluster too.
    return Cluster.objects.filter(pk=cluster.pk, created=cluster.created).exists()


_exists = database_sync_to_async(_exists_sync)


def _exists_apart_sync(cluster: Cluster) -> bool:
    try:
        return _exists_sync(cluster)
    finally:
        connection.close()


def _fetch_many_sync(afters: dict[int, int]) -> dict[int, list[Message]]:
    """The steps after ``afters[pk]`` of each cluster, at most ``PAGE`` each, in one query."""
    condition = Q()
    for pk, after in afters.items():
        condition |= Q(cluster_id=pk, seq__gt=after)
    rank = Window(RowNumber(), partition_by=[F("cluster_id")], order_by=F("seq").asc())
    out: dict[int, list[Message]] = {pk: [] for pk in afters}
    try:
        for step in Step.objects.filter(condition).annotate(rank=rank).filter(rank__lte=PAGE).order_by("cluster_id", "seq"):
            out[step.cluster_id].append(step.as_message())
    finally:
        connection.close()  # back to the pool (cheap), not held by this thread between reads
    return out


# On PostgreSQL the tailers read in a thread of their own, on a connection borrowed from
# the pool per read: in the process's one thread-sensitive thread (which every consumer's
# database call shares: snapshots, the room view) a class's tailers' reads (200 learners'
# sandboxes) queued with those calls and made both wait seconds.
_reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="steps-reader")
_fetch_many = sync_to_async(_fetch_many_sync, thread_sensitive=False, executor=_reader)
_exists_apart = sync_to_async(_exists_apart_sync, thread_sensitive=False, executor=_reader)


class BatchedReader:
    """The reads of every tailer of an event loop woken while the previous read ran, as
    one query (PostgreSQL). One query per tailer per wake queued without bound once the
    commits of 200 sandboxes came faster than a busy host answered them one by one (steps
    reached browsers a minute late); batched, a read waits one query at most."""

    def __init__(self) -> None:
        self.pending: dict[int, tuple[int, asyncio.Future[list[Message]]]] = {}
        self.task: asyncio.Task | None = None

    async def read(self, cluster: Cluster, after: int) -> list[Message]:
        future: asyncio.Future[list[Message]] = asyncio.get_running_loop().create_future()
        self.pending[cluster.pk] = (after, future)
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._run(), name="steps-batched-reader")
        return await future

    async def _run(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending, {}
                try:
                    rows = await _fetch_many({pk: after for pk, (after, _) in batch.items()})
                except Exception as e:  # noqa: BLE001 - each tailer logs and retries
                    for _, future in batch.values():
                        if not future.done():
                            future.set_exception(e)
                    continue
                for pk, (_, future) in batch.items():
                    if not future.done():
                        future.set_result(rows[pk])
        finally:
            self.task = None


@database_sync_to_async
def _touch(cluster: Cluster) -> None:
    cluster_touch(cluster)


class Tailer:
    def __init__(self, cluster: Cluster, last: int):
        self.cluster = cluster
        self.last = last
        self.subscribers: set[Subscriber] = set()
        self.task: asyncio.Task | None = None
        self._gap_seq: int | None = None
        self._gap_since = 0.0
        self._checked = time.monotonic()
        self._touched = -VIEWER_TOUCH  # touch on the first turn
        # Set by subscribe() on a SQLite file: wakes this tailer when its cluster's step
        # head passes ``waiting_beyond``.
        self.watcher: CommitWatcher | PgCommitWatcher | None = None
        self.waiting_beyond = 0
        self._woken = asyncio.Event()
        #: a read is under way (steps offered meanwhile are left to it)
        self.reading = False
        self.busy_until = 0.0

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

    def wake(self) -> None:
        self._woken.set()

    def offer(self, prev: int, last: int, steps_json: str) -> bool:
        """Publish the steps ``prev < seq <= last`` a commit notification carried, if they
        are the very next ones and no read is under way; True if published. (Their read
        would be a round trip to the database and two more process wake-ups.)"""
        if self.reading or prev != self.last or self._gap_seq is not None:
            return False
        steps = tuple(json.loads(steps_json))
        batch = Batch(prev=prev, last=last, steps=steps, text='{"type":"steps","steps":' + steps_json + "}")
        self.last = last
        self._checked = time.monotonic()
        self.busy_until = self._checked + BUSY_WINDOW
        self.publish({"type": "steps.batch", "batch": batch})
        return True

    async def _wait_for_commit(self, beyond: int) -> None:
        """Until the watcher sees a step after ``beyond`` committed, or ``WATCHED_POLL``."""
        if self.watcher is None or self.watcher.heads.get(self.cluster.pk, 0) > beyond:
            return
        self.waiting_beyond = beyond
        self._woken.clear()
        try:
            poll = PG_WATCHED_POLL if isinstance(self.watcher, PgCommitWatcher) else WATCHED_POLL
            await asyncio.wait_for(self._woken.wait(), poll)
        except TimeoutError:
            pass

    async def _read(self) -> list[Message]:
        """The steps after ``self.last``: on the watcher's connection, right here on the
        event loop, when there is one (no hand-off to the database thread and back, two
        thread wake-ups that cost milliseconds on a busy host); else as ``step_list``."""
        if isinstance(self.watcher, CommitWatcher) and self.watcher.watching:
            try:
                return self.watcher.steps_after(self.cluster.pk, self.last)
            except sqlite3.Error:
                log.warning("reading steps on the watcher's connection failed; using Django's", exc_info=True)
        if isinstance(self.watcher, PgCommitWatcher):
            return await self.watcher.reader.read(self.cluster, self.last)
        return await _fetch(self.cluster, self.last)

    async def _keep_awake(self) -> None:
        """Someone is watching: the cluster counts as used (``VIEWER_TOUCH``)."""
        now = time.monotonic()
        if not self.subscribers or now - self._touched < VIEWER_TOUCH:
            return
        self._touched = now
        try:
            await _touch(self.cluster)
        except Exception:  # noqa: BLE001 - a missed touch costs a nap at worst, never the stream
            log.warning("marking cluster %s as watched failed", self.cluster.pk, exc_info=True)

    async def run(self) -> None:
        pause = POLL_BUSY
        while True:
            await self._keep_awake()
            # Everything up to the head the watcher knows now is visible to this read.
            seen = self.watcher.heads.get(self.cluster.pk, 0) if self.watcher is not None else 0
            failed = False
            try:
                self.reading = True
                try:
                    rows = await self._read()
                    now = time.monotonic()
                    batch = self.take(rows, now)
                finally:
                    self.reading = False
                if batch is not None:
                    self.publish({"type": "steps.batch", "batch": batch})
                busy_until = self.busy_until
                if rows:
                    self._checked = now
                    self.busy_until = busy_until = now + BUSY_WINDOW
                    # A full page that was all published: more are waiting, read them now.
                    pause = 0.0 if batch is not None and len(batch.steps) == PAGE else POLL_BUSY
                elif now < busy_until:
                    pause = POLL_BUSY
                else:
                    pause = min(max(pause * 2, POLL_BUSY), POLL_IDLE)
                    if now - self._checked >= GONE_CHECK:
                        self._checked = now
                        exists = _exists_apart if isinstance(self.watcher, PgCommitWatcher) else _exists
                        if not await exists(self.cluster):
                            # Deleted, or reset (a new cluster under the same name).
                            _forget(self)
                            self.publish({"type": "cluster.gone"})
                            return
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a database hiccup must not end the stream
                log.exception("tailing the steps of cluster %s failed; retrying", self.cluster.pk)
                pause, failed = ERROR_PAUSE, True
            if self.watcher is not None and self.watcher.watching and pause > 0 and not failed and self._gap_seq is None:
                await self._wait_for_commit(max(self.last, seen))
            else:
                await asyncio.sleep(pause)


class CommitWatcher:
    """Notices, from this process and for a few microseconds a look, that another
    connection (any process) committed new steps of a watched cluster; one per event loop,
    for the tailers of that loop, on a SQLite database file only.

    It runs on the event loop itself, on its own read-only connection that never waits
    for a lock (``timeout=0``): two small statements at most, cheaper than one hop to the
    database thread. Any error closes the connection and wakes every tailer, which then
    reads the table the ordinary way; the next look reconnects.
    """

    def __init__(self, path: str, tailers: dict[int, Tailer]):
        self.path = path
        self.tailers = tailers
        # The step_seq of each watched cluster as of the last look that saw a commit.
        self.heads: dict[int, int] = {}
        self.task: asyncio.Task | None = None
        self._db: sqlite3.Connection | None = None
        self._version: int | None = None
        self._failing = False
        meta = Cluster._meta
        quote = connections["default"].ops.quote_name
        self._select = (
            f"SELECT {quote(meta.pk.column)}, {quote(meta.get_field('step_seq').column)} "
            f"FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} IN "
        )
        # step_list() as plain SQL over every column, so Step.from_db() builds the rows.
        fields = Step._meta.concrete_fields
        self._step_names = [f.attname for f in fields]
        self._step_times = [i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField)]
        seq = quote(Step._meta.get_field("seq").column)
        self._steps = (
            f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(Step._meta.db_table)} "
            f"WHERE {quote(Step._meta.get_field('cluster').column)} = ? AND {seq} > ? ORDER BY {seq} LIMIT ?"
        )

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.run(), name="steps-commit-watcher")

    @property
    def watching(self) -> bool:
        """Whether tailers may wait for this watcher (else they poll on their own)."""
        return not self._failing and self.task is not None and not self.task.done()

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA query_only = 1")
        return self._db

    def look(self) -> bool:
        """Read the heads of the watched clusters if a commit happened since the last look
        (``PRAGMA data_version`` changes exactly then); True if one did."""
        db = self._connection()
        version = db.execute("PRAGMA data_version").fetchone()[0]
        if version == self._version:
            return False
        pks = list(self.tailers)
        rows = db.execute(self._select + "(" + ",".join("?" * len(pks)) + ")", pks).fetchall()
        self.heads = dict(rows)
        self._version = version
        return True

    def steps_after(self, cluster_pk: int, after: int) -> list[Message]:
        """``step_list(after=after, limit=PAGE)`` as messages, read on this connection."""
        ops = connections["default"].ops
        messages = []
        for row in self._connection().execute(self._steps, (cluster_pk, after, PAGE)):
            values = list(row)
            for i in self._step_times:
                values[i] = ops.convert_datetimefield_value(values[i], None, None)
            messages.append(Step.from_db("default", self._step_names, values).as_message())
        return messages

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
            self._version = None

    async def run(self) -> None:
        busy_until = 0.0
        try:
            while self.tailers:
                pause = WATCH_BUSY if time.monotonic() < busy_until else WATCH_IDLE
                try:
                    changed = self.look()
                    self._failing = False
                except sqlite3.Error:
                    if not self._failing:
                        log.warning("watching %s for commits failed; tailers poll meanwhile", self.path, exc_info=True)
                    self._failing = True
                    self.close()
                    for tailer in list(self.tailers.values()):
                        tailer.wake()
                    changed, pause = False, ERROR_PAUSE
                if changed:
                    busy_until = time.monotonic() + BUSY_WINDOW
                    for pk, tailer in list(self.tailers.items()):
                        if self.heads.get(pk, 0) > tailer.waiting_beyond:
                            tailer.wake()
                await asyncio.sleep(pause)
        finally:
            self.close()


def _listen_params() -> dict[str, Any]:
    """psycopg connection arguments for the default database, outside Django's pool (a
    LISTEN needs a connection of its own for as long as it listens)."""
    conf = connections["default"].settings_dict
    params = {k: v for k, v in (conf.get("OPTIONS") or {}).items() if k not in {"pool", "isolation_level", "server_side_binding"}}
    params.update(dbname=conf["NAME"], user=conf.get("USER") or None, password=conf.get("PASSWORD") or None,
                  host=conf.get("HOST") or None, port=conf.get("PORT") or None)
    return {k: v for k, v in params.items() if v is not None}


class PgCommitWatcher:
    """Wakes the tailers of this event loop when PostgreSQL delivers a commit of steps of
    their cluster (``LISTEN kubeviz_steps``); one per event loop, on PostgreSQL only.

    Most notifications carry the steps (published at once); otherwise the woken tailers
    read through the ``BatchedReader``: one query for every cluster woken during a read,
    in a thread of its own rather than the consumers' database thread."""

    def __init__(self, tailers: dict[int, Tailer]):
        self.tailers = tailers
        self.reader = BatchedReader()
        # The newest step head announced for each cluster.
        self.heads: dict[int, int] = {}
        self.task: asyncio.Task | None = None
        self._listening = False

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.run(), name="steps-notify-watcher")

    @property
    def watching(self) -> bool:
        return self._listening and self.task is not None and not self.task.done()

    def _wake_all(self) -> None:
        for tailer in list(self.tailers.values()):
            tailer.wake()

    def _take(self, payload: str) -> None:
        parts = payload.split(":", 3)
        try:
            pk, head = int(parts[0]), int(parts[-1] if len(parts) == 2 else parts[2])
            prev = int(parts[1]) if len(parts) == 4 else None
        except (ValueError, IndexError):
            return
        self.heads[pk] = max(head, self.heads.get(pk, 0))
        tailer = self.tailers.get(pk)
        if tailer is None:
            return
        if prev is not None and tailer.offer(prev, head, parts[3]):
            return  # published as it came: nothing to read
        if head > tailer.waiting_beyond:
            tailer.wake()

    async def run(self) -> None:
        import psycopg

        from kubeviz.etcd.sql import STEPS_CHANNEL

        try:
            failing = False
            while self.tailers:
                try:
                    conn = await psycopg.AsyncConnection.connect(**_listen_params(), autocommit=True)
                    try:
                        await conn.execute(f"LISTEN {STEPS_CHANNEL}")
                        self._listening, failing = True, False
                        self._wake_all()  # what committed while nobody listened is read now
                        while self.tailers:
                            async for note in conn.notifies(timeout=WATCHED_POLL):
                                self._take(note.payload)
                    finally:
                        self._listening = False
                        await conn.close()
                except (psycopg.Error, OSError):
                    if not failing:
                        log.warning("listening for step commits failed; tailers poll meanwhile", exc_info=True)
                    failing = True
                    self._wake_all()
                    await asyncio.sleep(ERROR_PAUSE)
        finally:
            self._listening = False


# Tailers of each event loop (a test run makes one loop per test), by cluster pk.
_tailers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, Tailer]] = weakref.WeakKeyDictionary()


def _loop_tailers() -> dict[int, Tailer]:
    loop = asyncio.get_running_loop()
    tailers = _tailers.get(loop)
    if tailers is None:
        tailers = _tailers[loop] = {}
    return tailers


# The commit watcher of each event loop, while it has tailers to wake.
_watchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CommitWatcher | PgCommitWatcher] = (
    weakref.WeakKeyDictionary()
)


def _watched_path() -> str | None:
    """The database file a ``CommitWatcher`` can watch, or None (PostgreSQL, in-memory)."""
    db = connections["default"]
    if db.vendor != "sqlite" or db.is_in_memory_db():
        return None
    return str(db.settings_dict["NAME"])


def _loop_watcher(tailers: dict[int, Tailer]) -> CommitWatcher | PgCommitWatcher | None:
    loop = asyncio.get_running_loop()
    watcher = _watchers.get(loop)
    if watcher is None or watcher.task is None or watcher.task.done():
        if connections["default"].vendor == "postgresql":
            watcher = PgCommitWatcher(tailers)
        else:
            path = _watched_path()
            if path is None:
                return None
            watcher = CommitWatcher(path, tailers)
        _watchers[loop] = watcher
        watcher.start()
    return watcher


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
        tailer.watcher = _loop_watcher(tailers)
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
