"""What the HTTP layer refuses gets a Status too: 414 for a too-long request line, not a
silent hang-up, and a 400 with a body rather than an empty one.

Twisted's HTTP channel reads the request line with LineReceiver, whose MAX_LENGTH (16 KiB)
it shares with the header limit: past it, the default is ``transport.loseConnection()``
with no answer at all. Over plain HTTP the client sees its connection reset; over TLS the
TLS layer waits for a close_notify the client never sends while it waits for a response,
and the request hangs until the client gives up. No ASGI middleware sees such a request,
so the answer is written here, on the channel, and the connection is then closed.

Twisted answers its other refusals (a malformed request line or header, bad chunked
framing, a multipart POST without a boundary, which it parses before Daphne sees it) with
a bare "400 Bad Request" and no body; those get a Status body here as well.

Daphne builds its factory from ``daphne.server.HTTPFactory`` when its server starts, after
it has imported the application (``kubeviz.asgi``), which installs this one there.
"""
from __future__ import annotations

import json
from typing import Any

from daphne import http_protocol
from twisted.web import http

MAX_REQUEST_LINE = http.HTTPChannel.MAX_LENGTH


def _status_response(code: int, phrase: str, reason: str, message: str) -> bytes:
    body = json.dumps({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code,
    }).encode()
    head = (
        f"HTTP/1.1 {code} {phrase}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    return head + body


URI_TOO_LONG = _status_response(
    414, "Request-URI Too Long", "RequestURITooLong",
    f"the request line (method, URL and protocol) is longer than {MAX_REQUEST_LINE} bytes",
)
BAD_REQUEST = _status_response(
    400, "Bad Request", "BadRequest",
    "the request could not be read: malformed HTTP (request line, headers, chunked framing or multipart body)",
)


class KubeHTTPChannel(http.HTTPChannel):
    def lineLengthExceeded(self, line: bytes) -> None:
        """Answer 414 (the request line is the one line that can be this long before the
        headers' own 16 KiB total refuses them with a 400), then drop the rest unread."""
        self.dataReceived = lambda data: None  # type: ignore[method-assign]
        self.transport.write(URI_TOO_LONG)
        self.transport.loseConnection()

    def _respondToBadRequestAndDisconnect(self) -> None:
        self.transport.write(BAD_REQUEST)
        self.loseConnection()


def _channel(factory: Any) -> Any:
    return http._GenericHTTPChannelProtocol(KubeHTTPChannel())


class KubeHTTPFactory(http_protocol.HTTPFactory):
    protocol = _channel


def install() -> None:
    """Make Daphne's server build its HTTP connections with KubeHTTPChannel."""
    from daphne import server

    server.HTTPFactory = KubeHTTPFactory
