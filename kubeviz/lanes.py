"""ASGI middleware giving bursty requests (grading: fifty checks a second) threads of their own.

Under Daphne, Django runs each request's synchronous part (middleware and view) in a
thread of the request's own (its ASGI handler opens a ``ThreadSensitiveContext`` per
request). Those threads share one interpreter lock, handed round in turn: with ten checks
in flight, a 15 ms page got a tenth of the interpreter and took 150 ms or more. The
requests named here run instead in a lane of ``threads`` threads: a burst queues behind
itself, and every other request competes with at most that many of them.

Each lane is one thread, so a request's middleware, view, ``request_started`` and
``request_finished`` all run in the same thread, as Django expects of thread-sensitive
code: its database connection is opened and closed there (returned to the pool on
PostgreSQL). What runs, and who may, is unchanged: only the thread differs.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import ThreadSensitiveContext
from django.urls import Resolver404, resolve

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class _Lane:
    executor: ThreadPoolExecutor
    #: requests given this lane and not finished (running or queued)
    load: int = field(default=0)


class Lanes:
    """Runs POSTs to the URLs named ``url_names`` in the least loaded of ``threads``
    one-thread lanes; everything else goes on as before. ``threads`` 0 turns it off."""

    def __init__(self, app: Any, url_names: Iterable[str], threads: int):
        self.app = app
        self.url_names = frozenset(url_names)
        self.lanes = [_Lane(ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"lane-{i}"))
                      for i in range(max(threads, 0))]

    def routed(self, scope: Scope) -> bool:
        """Whether this request is one of those that get a lane."""
        if not self.lanes or scope["type"] != "http" or scope.get("method") != "POST":
            return False
        try:
            return resolve(scope["path"]).url_name in self.url_names
        except Resolver404:
            return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.routed(scope):
            await self.app(scope, receive, send)
            return
        lane = min(self.lanes, key=lambda lane: lane.load)
        lane.load += 1
        try:
            # Django's own ThreadSensitiveContext, inside, finds this one and keeps it.
            async with ThreadSensitiveContext(executor=lane.executor):
                await self.app(scope, receive, send)
        finally:
            lane.load -= 1
