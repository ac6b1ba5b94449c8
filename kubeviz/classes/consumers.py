"""``/ws/classes/<id>/room/``: the room view's live grid, for the class's teacher (and staff).

Server → client, JSON text frames: ``{"type": "snapshot", "tiles": [...], "heatmap":
{"columns", "rows"}}`` first, then ``{"type": "diff", "tiles": [changed or new],
"gone": [ids], "heatmap": {...}}`` (each key only when it changed) every
``KUBEVIZ_ROOM_EVERY`` seconds (2) when anything did. Close 4404: no such class, or not
the viewer's to see. A foreign ``Origin`` is refused before this consumer
(``AllowedHostsOriginValidator`` in ``kubeviz.asgi``).

A room is computed once per class per tick, whoever watches (``Room``, one per class per
process), and its diff is sent to every viewer: ten teaching assistants cost one read.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from kubeviz.accounts.roles import identity_from_cookies
from kubeviz.clusters.permissions import Denied
from kubeviz.live.consumers import CLOSE_NOT_FOUND, _cookies

from .models import Classroom
from .room import room_diff, room_state
from .selectors import class_for

log = logging.getLogger(__name__)


@database_sync_to_async
def _allowed(pk: int, cookies: str) -> bool:
    try:
        class_for(identity_from_cookies(cookies), pk)
    except Denied:
        return False
    return True


@database_sync_to_async
def _state(pk: int) -> dict[str, Any] | None:
    classroom = Classroom.objects.filter(pk=pk).first()
    return None if classroom is None else room_state(classroom)


class Room:
    """One class's state in this process, ticking while anyone watches."""

    def __init__(self, pk: int):
        self.pk = pk
        self.viewers: set[RoomConsumer] = set()
        self.state: dict[str, Any] | None = None
        self.ready = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        every = float(getattr(settings, "KUBEVIZ_ROOM_EVERY", 2.0))
        while True:
            try:
                state = await _state(self.pk)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("room %s: reading its state failed", self.pk)
                state = self.state
            if state is None:
                self.ready.set()  # a waiting viewer finds no state and closes
                for viewer in list(self.viewers):
                    await viewer.close(code=CLOSE_NOT_FOUND)
                return
            diff = room_diff(self.state, state) if self.state is not None else None
            self.state = state
            self.ready.set()
            if diff is not None:
                text = json.dumps({"type": "diff", **diff}, separators=(",", ":"))
                for viewer in list(self.viewers):
                    await viewer.send(text_data=text)
            await asyncio.sleep(every)


_rooms: dict[int, Room] = {}


class RoomConsumer(AsyncWebsocketConsumer):
    room: Room | None = None

    async def connect(self) -> None:
        pk = int(self.scope["url_route"]["kwargs"]["pk"])
        allowed = await _allowed(pk, _cookies(self.scope))
        await self.accept()
        if not allowed:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        room = _rooms.get(pk)
        if room is None or room.task.done():
            room = _rooms[pk] = Room(pk)
        await room.ready.wait()
        if room.state is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.room = room
        await self.send(text_data=json.dumps({"type": "snapshot", **room.state}, separators=(",", ":")))
        room.viewers.add(self)

    async def disconnect(self, code: int) -> None:
        room = self.room
        if room is None:
            return
        room.viewers.discard(self)
        if not room.viewers:
            room.task.cancel()
            if _rooms.get(room.pk) is room:
                del _rooms[room.pk]

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The room takes no messages; the teacher acts through the room's forms."""
