"""``/ws/clusters/<name>/steps/``: the Step stream of one cluster (DESIGN.md, "Contracts").

Server → client, JSON text frames:

- ``{"type": "snapshot", "cluster", "seq", "revision", "nodes", "pods", "deployments",
  "replicasets", "services", "steps"}`` first: the objects as of step ``seq`` and the last
  200 steps (``seq`` included). Sent again, in place, if the cluster is reset (deleted and
  recreated under the same name): a client replaces its state on every snapshot.
- ``{"type": "steps", "steps": [...]}``: steps in seq order, each seq once, starting right
  after the snapshot's ``seq``.
- ``{"type": "gap", "from": a, "to": b, "earliest": e}``: the answer to ``{"after": N}``
  does not replay the steps ``a..b`` (``a = N + 1``); the steps after ``b`` follow. Either
  they were trimmed from the cluster's history (``earliest``, the smallest seq still
  stored, is above ``a``) or there are more than ``KUBEVIZ_WS_REPLAY_MAX`` to replay: as a
  Kubernetes watch from a compacted revision gets 410 Gone and relists, a client shows
  what follows and says the older steps are not replayed.
- ``{"type": "error", "message": ...}``: a client message was refused.

Client → server: ``{"after": <seq>}`` re-sends the stored steps with a greater seq (in
pages of 500; at most the newest ``KUBEVIZ_WS_REPLAY_MAX``, after a ``gap`` message if
there are more), then carries on live with no gap and no duplicate.

Close codes: 4404 no such cluster, or one the visitor may not watch (the socket is accepted first, so that browsers see the
code), 1009 a client frame over 4 KiB, 1011 an internal error. A foreign or missing
``Origin`` never reaches this consumer: ``AllowedHostsOriginValidator`` in
``kubeviz.asgi`` refuses the handshake (HTTP 403).

Live steps come from the process's tailer of the cluster (``kubeviz.live.tailer``), not
from the channel layer, so they reach this process whichever process wrote them.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import OrderedDict
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from kubeviz.accounts.roles import identity_from_cookies
from kubeviz.clusters.access import cluster_access
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.permissions import Action, Denied
from kubeviz.flow.selectors import step_earliest, step_range

from . import tailer
from .snapshot import snapshot_at
from .tailer import Batch, steps_text

log = logging.getLogger(__name__)

RECENT_STEPS = 200
PAGE = 500
MAX_CLIENT_MESSAGE = 4096
# Events waiting for one client before they are folded into one catch-up read.
MAX_PENDING = 256

CLOSE_NOT_FOUND = 4404
CLOSE_TOO_BIG = 1009


# The newest snapshot message of recently watched clusters, encoded: clients that
# connect while the cluster stands still (a class opening the dashboard together) share
# one read. Keyed by cluster pk; valid while (step_seq, revision, created) is unchanged:
# every write bumps the revision and records a step, and a reset cluster has a new
# ``created``. The least recently used entries go first.
SNAPSHOT_CACHE_SIZE = 32
_snapshots: OrderedDict[int, tuple[tuple[Any, ...], int, str]] = OrderedDict()
_snapshots_lock = threading.Lock()


def _cookies(scope: dict[str, Any]) -> str:
    for key, value in scope.get("headers") or []:
        if key == b"cookie":
            return value.decode("latin-1")
    return ""


@database_sync_to_async
def _open(name: str, cookies: str) -> tuple[Cluster, int, str] | None:
    """The cluster, and the seq and encoded message of its snapshot now; None if there
    is no such cluster or the visitor may not watch it (the same answer, so that a
    private cluster's name does not leak). One trip to the database thread per client."""
    try:
        cluster = cluster_access(name, identity_from_cookies(cookies), Action.WATCH)
    except Denied:
        return None
    position = (cluster.step_seq, cluster.revision, cluster.created)
    with _snapshots_lock:
        cached = _snapshots.get(cluster.pk)
        if cached is not None and cached[0] == position:
            _snapshots.move_to_end(cluster.pk)
            return cluster, cached[1], cached[2]
    try:
        snapshot = snapshot_at(cluster, recent_steps=RECENT_STEPS)
    except Cluster.DoesNotExist:
        return None
    text = json.dumps({"type": "snapshot", "cluster": name, **snapshot}, separators=(",", ":"))
    if (snapshot["seq"], snapshot["revision"]) == position[:2]:
        with _snapshots_lock:
            _snapshots[cluster.pk] = (position, snapshot["seq"], text)
            _snapshots.move_to_end(cluster.pk)
            while len(_snapshots) > SNAPSHOT_CACHE_SIZE:
                _snapshots.popitem(last=False)
    return cluster, snapshot["seq"], text


@database_sync_to_async
def _head(cluster: Cluster) -> int | None:
    return Cluster.objects.filter(pk=cluster.pk).values_list("step_seq", flat=True).first()


@database_sync_to_async
def _earliest(cluster: Cluster) -> int:
    return step_earliest(cluster=cluster)


@database_sync_to_async
def _steps_between(cluster: Cluster, after: int, through: int) -> list[dict[str, Any]]:
    return [s.as_message() for s in step_range(cluster=cluster, after=after, through=through, limit=PAGE)]


class StepsConsumer(AsyncJsonWebsocketConsumer):
    # No channel layer: everything this consumer sends comes from its tailer. With one,
    # Channels would keep a BRPOP on Redis open for every socket, and a Redis restart (or
    # a read timeout) would end every websocket although none needs Redis.
    channel_layer_alias = "kubeviz-steps-no-layer"
    cluster: Cluster | None = None
    pump: asyncio.Task | None = None

    # ---- connection --------------------------------------------------------------------

    async def connect(self) -> None:
        self.name = self.scope["url_route"]["kwargs"]["name"]
        self.lock = asyncio.Lock()
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        # The seq of the newest step this client has been sent; anything at or below it
        # is never sent again unless the client asks with {"after": N}.
        self.last_sent = 0
        self.subscribed_pk: int | None = None
        # Accept before the database trip: Daphne refuses a handshake not accepted within
        # its websocket_connect_timeout (5 s), which a busy class's snapshots can exceed.
        await self.accept()
        opened = await _open(self.name, _cookies(self.scope))
        if opened is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        async with self.lock:
            await self._start(*opened)
        self.pump = asyncio.get_running_loop().create_task(self._pump())

    async def disconnect(self, code: int) -> None:
        self._unsubscribe()
        if self.pump is not None:
            self.pump.cancel()
            self.pump = None

    async def _start(self, cluster: Cluster, seq: int, snapshot: str) -> None:
        """Send the snapshot, then live steps from its seq on. Call with the lock held."""
        self.cluster = cluster
        await self.send(text_data=snapshot)
        self.last_sent = seq
        self.subscribed_pk = cluster.pk
        published = tailer.subscribe(cluster, self, since=seq)
        if published > seq:
            # The tailer already published steps committed after our snapshot; its next
            # batch starts after them.
            await self._send_stored(through=published)

    def _unsubscribe(self) -> None:
        if self.subscribed_pk is not None:
            tailer.unsubscribe(self.subscribed_pk, self)
            self.subscribed_pk = None

    # ---- events from the tailer ----------------------------------------------------------

    def deliver(self, event: dict[str, Any]) -> None:
        """Called by the tailer, in this event loop, for each event."""
        if event["type"] == "steps.batch" and self.inbox.qsize() >= MAX_PENDING:
            # This client fell behind: keep only the newest batch; its ``prev`` makes the
            # handler read everything in between from the table, in pages.
            pending = []
            while not self.inbox.empty():
                queued = self.inbox.get_nowait()
                if queued["type"] != "steps.batch":
                    pending.append(queued)
            for queued in pending:
                self.inbox.put_nowait(queued)
        self.inbox.put_nowait(event)

    async def _pump(self) -> None:
        while True:
            event = await self.inbox.get()
            # One typed handler per event type, as Channels dispatches channel-layer
            # messages (but without a thread hop per event).
            handler = getattr(self, get_handler_name(event))
            try:
                await handler(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("steps stream of %s failed; closing", self.name)
                await self.close(code=1011)
                return

    async def steps_batch(self, event: dict[str, Any]) -> None:
        batch: Batch = event["batch"]
        async with self.lock:
            if batch.last <= self.last_sent:
                return
            if batch.prev > self.last_sent:
                await self._send_stored(through=batch.prev)
            if batch.prev == self.last_sent:
                await self.send(text_data=batch.text)
            else:
                await self.send(text_data=steps_text([s for s in batch.steps if s["seq"] > self.last_sent]))
            self.last_sent = batch.last

    async def cluster_gone(self, event: dict[str, Any]) -> None:
        async with self.lock:
            self._unsubscribe()
            opened = await _open(self.name, _cookies(self.scope))
            if opened is None:
                await self.close(code=CLOSE_NOT_FOUND)
                return
            await self._start(*opened)

    # ---- client messages -----------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        data = text_data if text_data is not None else bytes_data
        if data is not None and (len(data) > MAX_CLIENT_MESSAGE or (
            isinstance(data, str) and len(data.encode("utf-8")) > MAX_CLIENT_MESSAGE
        )):
            await self.close(code=CLOSE_TOO_BIG)
            return
        if text_data is None:
            await self._error('send JSON text such as {"after": 42}')
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._error("the message is not valid JSON")
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or set(content) != {"after"}:
            await self._error('expected {"after": <seq>}')
            return
        after = content["after"]
        if type(after) is not int or after < 0:
            await self._error('"after" must be an integer >= 0')
            return
        await self.resume(after)

    async def resume(self, after: int) -> None:
        """Send every stored step with seq > ``after``, then carry on live from there."""
        if self.cluster is None:
            return
        async with self.lock:
            head = await _head(self.cluster)
            if head is None:
                return  # the cluster is gone; cluster_gone will follow
            if after > head:
                await self._error(f"after={after} is beyond the newest step ({head})")
                return
            earliest = await _earliest(self.cluster)
            start = max(after, head - settings.KUBEVIZ_WS_REPLAY_MAX, earliest - 1)
            if start > after:
                await self.send_json({"type": "gap", "from": after + 1, "to": start, "earliest": earliest})
            self.last_sent = start
            await self._send_stored(through=head, always_reply=True)

    # ---- helpers -------------------------------------------------------------------------

    async def _send_stored(self, *, through: int, always_reply: bool = False) -> None:
        """Send the stored steps in ``(last_sent, through]`` in pages. Lock held."""
        sent = False
        while self.last_sent < through:
            page = await _steps_between(self.cluster, self.last_sent, through)
            if page:
                await self.send(text_data=steps_text(page))
                sent = True
            if len(page) < PAGE:
                # Seqs missing from the table (deleted) count as sent.
                self.last_sent = through
                break
            self.last_sent = page[-1]["seq"]
        if always_reply and not sent:
            await self.send(text_data=steps_text([]))

    async def _error(self, message: str) -> None:
        await self.send_json({"type": "error", "message": message})
