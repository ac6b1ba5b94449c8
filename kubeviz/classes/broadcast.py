"""``/ws/classes/<id>/broadcast/``: the teacher's player state, to the learners following.

The class's teacher publishes (client → server) a JSON text frame whenever their
dashboard's player changes: ``{"mode": "live"|"past", "seq": N, "playing": bool,
"clock": "live"|"paused"|"step", "speed": x}`` (``kubeviz.classes.follow``). Every
listener (server → client) gets ``{"type": "player", ...}`` with the same fields: at once
on connect if the teacher published before, then each time they publish. A listener that
sends anything gets ``{"type": "error", "message": ...}`` and nothing is published; so
does a teacher's malformed state.

Who: the class's teacher publishes; its learners (and staff) listen; anyone else is
closed with 4404 after the handshake (as the steps stream does, so browsers see the code;
ids do not leak). 1009: a frame over 4 KiB. A foreign ``Origin`` never gets here
(``AllowedHostsOriginValidator`` in ``kubeviz.asgi``).

The state travels through the class's channel layer group (one message per change, to
every process with a follower) and one cache entry for late joiners: no database write.
"""
from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from kubeviz.accounts.roles import identity_from_cookies
from kubeviz.live.consumers import CLOSE_NOT_FOUND, CLOSE_TOO_BIG, MAX_CLIENT_MESSAGE, _cookies

from .follow import BadState, group_name, player_state_get, player_state_keep, player_state_parse
from .selectors import follow_role


@database_sync_to_async
def _role(pk: int, cookies: str) -> str | None:
    found = follow_role(identity_from_cookies(cookies), pk)
    return None if found is None else found[1]


class BroadcastConsumer(AsyncWebsocketConsumer):
    role: str | None = None
    group: str | None = None

    async def connect(self) -> None:
        self.pk = int(self.scope["url_route"]["kwargs"]["pk"])
        self.role = await _role(self.pk, _cookies(self.scope))
        await self.accept()
        if self.role is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.group = group_name(self.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        if self.role == "member":
            state = await player_state_get(self.pk)
            if state is not None:
                await self.send(text_data=json.dumps(state, separators=(",", ":")))

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        data = text_data if text_data is not None else bytes_data or b""
        if len(data) > MAX_CLIENT_MESSAGE or (isinstance(data, str) and len(data.encode("utf-8")) > MAX_CLIENT_MESSAGE):
            await self.close(code=CLOSE_TOO_BIG)
            return
        if self.role != "teacher":
            await self._error("only the class's teacher publishes: followers listen")
            return
        try:
            state = player_state_parse(json.loads(text_data or ""))
        except ValueError as e:  # BadState, or JSON that does not parse
            await self._error(str(e) if isinstance(e, BadState) else "the message is not valid JSON")
            return
        await player_state_keep(pk=self.pk, state=state)
        await self.channel_layer.group_send(self.group, {"type": "player.state", "state": state})

    async def player_state(self, event: dict[str, Any]) -> None:
        """A state the teacher published: to the followers (the teacher's tabs know it)."""
        if self.role == "member":
            await self.send(text_data=json.dumps(event["state"], separators=(",", ":")))

    async def _error(self, message: str) -> None:
        await self.send(text_data=json.dumps({"type": "error", "message": message}))
