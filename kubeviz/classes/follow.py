"""Follow the teacher: the player state the teacher's dashboard publishes to a class.

The state is a few bytes (live or at a step in the past, replaying or not, the clock's
mode and speed) and changes at the pace of a teacher's hands, so nothing here touches the
database: the newest state goes to the class's channel layer group for the followers
listening now, and into one cache entry for those who connect later.
"""
from __future__ import annotations

from typing import Any

from django.core.cache import cache

MODES = ("live", "past")
CLOCKS = ("live", "paused", "step")
MAX_SPEED = 100.0
#: a late joiner still gets the state of a class whose teacher went quiet for this long
KEEP_SECONDS = 12 * 3600


class BadState(ValueError):
    """A published state that is not one; the message says which field."""


def group_name(pk: int) -> str:
    return f"class-{pk}-broadcast"


def _cache_key(pk: int) -> str:
    return f"kubeviz:follow:{pk}"


def player_state_parse(content: Any) -> dict[str, Any]:
    """The teacher's message as the state followers get, or ``BadState``.

    ``{"mode": "live"|"past", "seq": N (the step shown, when past), "playing": bool
    (replaying from seq), "clock": "live"|"paused"|"step", "speed": x}``."""
    if not isinstance(content, dict):
        raise BadState("send a JSON object")
    unknown = set(content) - {"mode", "seq", "playing", "clock", "speed"}
    if unknown:
        raise BadState(f"unknown field {sorted(unknown)[0]!r}")
    mode = content.get("mode")
    if mode not in MODES:
        raise BadState('"mode" must be "live" or "past"')
    seq = content.get("seq")
    if mode == "past" and (type(seq) is not int or seq < 0):
        raise BadState('"seq" must be an integer >= 0 when "mode" is "past"')
    clock = content.get("clock", "live")
    if clock not in CLOCKS:
        raise BadState('"clock" must be "live", "paused" or "step"')
    speed = content.get("speed", 1)
    if type(speed) not in (int, float) or not 0 < speed <= MAX_SPEED:
        raise BadState(f'"speed" must be a number above 0 and at most {MAX_SPEED:g}')
    playing = content.get("playing", False)
    if type(playing) is not bool:
        raise BadState('"playing" must be true or false')
    return {"type": "player", "mode": mode, "seq": seq if mode == "past" else None,
            "playing": playing and mode == "past", "clock": clock, "speed": float(speed)}


async def player_state_keep(*, pk: int, state: dict[str, Any]) -> None:
    """Keep the newest state for followers who connect later (a cache entry, no row)."""
    await cache.aset(_cache_key(pk), state, KEEP_SECONDS)


async def player_state_get(pk: int) -> dict[str, Any] | None:
    return await cache.aget(_cache_key(pk))
