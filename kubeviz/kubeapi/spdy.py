"""Just enough SPDY/3.1 framing to serve ``kubectl port-forward`` (1.31+), which tunnels a
SPDY session through a WebSocket (subprotocol ``SPDY/3.1+portforward.k8s.io``; each binary
message carries raw SPDY bytes).

kubectl opens two streams per forwarded connection, an error stream and a data stream
(headers ``streamtype``, ``port``, ``requestid``); the server replies to each (SYN_REPLY),
answers on the data stream and ends both with FIN, as the kubelet does. Header blocks are
zlib-compressed with the SPDY/3 dictionary, one compression context per direction.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

SUBPROTOCOL = "SPDY/3.1+portforward.k8s.io"
VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN = 0x01
#: a frame longer than this ends the session (kubectl writes 32 KiB at most)
MAX_FRAME = 1 << 20

_WORDS = (
    "options head post put delete trace accept accept-charset accept-encoding accept-language accept-ranges age allow "
    "authorization cache-control connection content-base content-encoding content-language content-length "
    "content-location content-md5 content-range content-type date etag expect expires from host if-match "
    "if-modified-since if-none-match if-range if-unmodified-since last-modified location max-forwards pragma "
    "proxy-authenticate proxy-authorization range referer retry-after server te trailer transfer-encoding upgrade "
    "user-agent vary via warning www-authenticate method get status 200_OK version HTTP/1.1 url public set-cookie "
    "keep-alive origin"
)
_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
    "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
    "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
    "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
    "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
)


def _dictionary() -> bytes:
    """The SPDY/3 header compression dictionary (draft-mbelshe-httpbis-spdy-00, 2.6.10.1):
    length-prefixed header names and values, then common values run together."""
    out = b""
    for word in _WORDS.split():
        piece = word.replace("_", " ").encode()
        out += struct.pack(">I", len(piece)) + piece
    return out + _TAIL.encode()


DICTIONARY = _dictionary()


@dataclass
class Frame:
    control: bool
    kind: int  # control frame type, or 0 for data
    flags: int
    stream_id: int
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)


class Session:
    """One tunnelled SPDY session: ``feed`` bytes in, frames out; ``reply``/``data``/``ping``
    make the bytes to send."""

    def __init__(self) -> None:
        self.buffer = b""
        self.inflate = zlib.decompressobj(zdict=DICTIONARY)
        self.deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, 15, zdict=DICTIONARY)

    def feed(self, data: bytes) -> list[Frame]:
        self.buffer += data
        frames = []
        while len(self.buffer) >= 8:
            length = int.from_bytes(self.buffer[5:8], "big")
            if length > MAX_FRAME:
                raise ValueError("SPDY frame too large")
            if len(self.buffer) < 8 + length:
                break
            head, body, self.buffer = self.buffer[:8], self.buffer[8:8 + length], self.buffer[8 + length:]
            flags = head[4]
            if head[0] & 0x80:
                kind = int.from_bytes(head[2:4], "big")
                stream_id = int.from_bytes(body[:4], "big") & 0x7FFFFFFF if len(body) >= 4 else 0
                frame = Frame(True, kind, flags, stream_id, body)
                if kind == SYN_STREAM:
                    frame.headers = self._headers(body[10:])
                elif kind in (SYN_REPLY, HEADERS):
                    self._headers(body[4:])  # keeps the decompression context in step
                frames.append(frame)
            else:
                frames.append(Frame(False, 0, flags, int.from_bytes(head[:4], "big") & 0x7FFFFFFF, body))
        return frames

    def _headers(self, block: bytes) -> dict[str, str]:
        raw = self.inflate.decompress(block)
        count, pos, out = struct.unpack(">I", raw[:4])[0], 4, {}
        for _ in range(count):
            n = struct.unpack(">I", raw[pos:pos + 4])[0]
            name = raw[pos + 4:pos + 4 + n].decode("latin-1")
            pos += 4 + n
            n = struct.unpack(">I", raw[pos:pos + 4])[0]
            out[name.lower()] = raw[pos + 4:pos + 4 + n].decode("latin-1")
            pos += 4 + n
        return out

    @staticmethod
    def _control(kind: int, flags: int, body: bytes) -> bytes:
        return struct.pack(">HHB", 0x8000 | VERSION, kind, flags) + len(body).to_bytes(3, "big") + body

    def reply(self, stream_id: int) -> bytes:
        """SYN_REPLY with no headers: the stream is accepted."""
        block = self.deflate.compress(struct.pack(">I", 0)) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        return self._control(SYN_REPLY, 0, struct.pack(">I", stream_id) + block)

    @staticmethod
    def data(stream_id: int, payload: bytes, fin: bool = False) -> bytes:
        out = b""
        chunks = [payload[i:i + 32768] for i in range(0, len(payload), 32768)] or [b""]
        for i, chunk in enumerate(chunks):
            last = fin and i == len(chunks) - 1
            out += struct.pack(">IB", stream_id, FLAG_FIN if last else 0) + len(chunk).to_bytes(3, "big") + chunk
        return out

    def ping(self, frame: Frame) -> bytes:
        return self._control(PING, 0, frame.data[:4])
