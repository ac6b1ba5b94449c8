"""ASGI middleware giving bursty requests (grading: fifty checks a second) threads of their own.

Under Daphne, Django runs each request's synchronous parts in a thread of the request's
own (its ASGI handler opens a ``ThreadSensitiveContext`` per request), reached from the
event loop by a hop for the signals, for each middleware on the way in and out, and for
the view: about fifteen hops a request. Every hop waits for the interpreter lock, which
threads hold in turn for up to 5 ms each: with ten checks in flight, every other request
waited behind them at each of its hops.

The requests named here are served instead by ``LaneHandler`` in a lane of ``threads``
one-thread executors: the whole request (``request_started``, the middleware chain loaded
synchronously as under WSGI, the view, rendering) is one call in the lane's thread, and
``response.close`` (``request_finished``) a second. A burst of checks queues behind itself,
costs two hops each, and every other request competes with at most ``threads`` of them.
The database connection is opened and closed in the lane's thread, as Django does in a
request's thread (returned to the pool on PostgreSQL). The same URLconf, middleware, views
and permissions answer: only the thread and the number of hops differ.

Every other request that is answered whole (everything but a ``/k8s/`` watch or a followed
log, whose answers stream for as long as the client stays) is served the same two-hop way
in one shared pool of ``general`` threads. A class of two hundred makes about fifty
requests a second per Daphne; at fifteen hops each, handing work between threads cost
more of the interpreter than the requests themselves. The pool also bounds how many
database connections plain requests hold at once, below the connection pool's size, so
that the websockets' readers always find one.
"""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import HttpResponseBase
from django.urls import Resolver404, resolve, set_script_prefix

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class LaneHandler(ASGIHandler):
    """Django's ASGI handler with its middleware loaded synchronously, serving a request in
    two calls on a given one-thread executor (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.load_middleware(is_async=False)

    def _serve(self, scope: Scope, body_file: Any) -> HttpResponseBase:
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error = self.create_request(scope, body_file)
        if request is None:
            return error
        return self.get_response(request)

    async def serve(self, scope: Scope, receive: Receive, send: Send, executor: ThreadPoolExecutor) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        # A streamed answer (a static file) is read by Django through thread-sensitive
        # calls: give them this request's own thread, as Django's handler does, rather
        # than the process's one shared thread.
        async with ThreadSensitiveContext():
            try:
                response = await sync_to_async(self._serve, thread_sensitive=False, executor=executor)(scope, body_file)
                try:
                    await self.send_response(response, send)
                finally:
                    await sync_to_async(response.close, thread_sensitive=False, executor=executor)()
            finally:
                body_file.close()


@dataclass
class _Lane:
    executor: ThreadPoolExecutor
    #: requests given this lane and not finished (running or queued)
    load: int = field(default=0)


class Lanes:
    """Runs POSTs to the URLs named ``url_names`` in the least loaded of ``threads``
    one-thread lanes, and every other request answered whole in a pool of ``general``
    threads; streams go on as before. ``threads`` or ``general`` 0 turns that part off."""

    def __init__(self, app: Any, url_names: Iterable[str], threads: int, general: int = 0):
        self.app = app
        self.url_names = frozenset(url_names)
        self.handler = LaneHandler() if threads > 0 or general > 0 else None
        self.lanes = [_Lane(ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"lane-{i}"))
                      for i in range(max(threads, 0))]
        self.general = ThreadPoolExecutor(max_workers=general, thread_name_prefix="http") if general > 0 else None

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
            if self.general is not None and scope["type"] == "http" and not streams(scope):
                await self.handler.serve(scope, receive, send, self.general)
            else:
                await self.app(scope, receive, send)
            return
        lane = min(self.lanes, key=lambda lane: lane.load)
        lane.load += 1
        try:
            await self.handler.serve(scope, receive, send, lane.executor)
        finally:
            lane.load -= 1


#: query parameters that make a ``/k8s/`` GET a stream (a watch, a followed log)
_STREAMING = re.compile(rb"(?:^|&)(?:watch|follow)=")


def streams(scope: Scope) -> bool:
    """Whether the answer may stream for as long as the client stays: a ``/k8s/`` GET that
    watches or follows a log. Those keep Django's own path, whose per-request context
    thread also serves the stream's reads (a ``watch=false`` lands here too: harmless)."""
    return (scope.get("method") == "GET" and scope["path"].startswith("/k8s/")
            and (bool(_STREAMING.search(scope.get("query_string", b""))) or "/watch/" in scope["path"]))
