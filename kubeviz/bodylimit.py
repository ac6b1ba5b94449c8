"""ASGI middleware that refuses request bodies over the limit before Django reads them.

Django's ASGI handler spools the whole body before DATA_UPLOAD_MAX_MEMORY_SIZE is looked
at, so the cap is enforced here: by Content-Length up front, and by counting for chunked
bodies. The answer is a Kubernetes Status (413 RequestEntityTooLarge).

A chunked body has no Content-Length, and Django reads exactly Content-Length bytes of a
body (none without it): so once the whole chunked body is read, the request goes on with
the length it turned out to have, and Django sees all of it.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _status_body(limit: int) -> bytes:
    return json.dumps({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f"Request entity too large: limit is {limit}",
        "reason": "RequestEntityTooLarge", "code": 413,
    }).encode()


class BodySizeLimit:
    def __init__(self, app: Any, limit: int):
        self.app = app
        self.limit = limit

    async def _refuse(self, send: Send) -> None:
        body = _status_body(self.limit)
        await send({
            "type": "http.response.start", "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        })
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.limit
            except ValueError:
                too_big = False
            if too_big:
                await self._refuse(send)
                return
            await self.app(scope, receive, send)
            return
        # No Content-Length (chunked): read up to the limit, then replay to Django.
        messages = []
        total = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            total += len(message.get("body", b""))
            if total > self.limit:
                await self._refuse(send)
                return
            if not message.get("more_body"):
                break

        async def replay() -> dict[str, Any]:
            if messages:
                return messages.pop(0)
            return await receive()

        if total:
            scope = {**scope, "headers": [
                *((k, v) for k, v in scope.get("headers") or [] if k.lower() != b"transfer-encoding"),
                (b"content-length", str(total).encode()),
            ]}
        await self.app(scope, replay, send)
