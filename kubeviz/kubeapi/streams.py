"""``kubectl exec``, ``attach``, ``cp`` and ``port-forward`` over WebSockets.

The protocol is Kubernetes' channel protocol (k8s.io/apimachinery wsstream and client-go's
remotecommand): every binary message starts with a channel byte. For exec and attach
(``v5.channel.k8s.io``, ``v4.channel.k8s.io``) 0 is stdin, 1 stdout, 2 stderr, 3 the
error channel, which carries one JSON ``Status`` at the end (Success, or Failure with
reason NonZeroExitCode and the code in ``details.causes``), 4 terminal resizes, and in v5
255 closes a channel (the client's ``[255, 0]`` is end of stdin). For port-forward
(``v4.channel.k8s.io``, as the Python client speaks it) port *i* has data channel 2i and
error channel 2i+1, each first carrying the port number (two bytes, little-endian).

The consumer is thin: the API server decides in ``handlers.stream_open`` (authentication
as for every /k8s/ request, RBAC ``create`` on ``pods/exec``…, the pod and container) and
the container's side is ``kubeviz.runtime.streams`` and the simulated shell.
"""
from __future__ import annotations

import asyncio
import json
import time
import zlib
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import transaction
from django.utils.datastructures import CaseInsensitiveMapping
from rest_framework.exceptions import APIException

from kubeviz.apiserver import errors
from kubeviz.clusters import clock
from kubeviz.clusters.permissions import Action
from kubeviz.flow.services import step_record
from kubeviz.runtime import streams as runtime
from kubeviz.runtime.shell import Session, run_command
from kubeviz.runtime.shell.commands import TAR_ENCODING

from . import spdy
from .auth import may_act, request_user, token_user
from .clients import client_name
from .handlers import ApiRequest, StreamTarget, UpgradeRefused, stream_open
from .logs import LogOptions, LogStream
from .requestinfo import RequestInfo

STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
V5, V4 = "v5.channel.k8s.io", "v4.channel.k8s.io"
#: a frame bigger than this ends the stream (client-go writes 32 KiB at most)
MAX_FRAME_BYTES = 1 << 20
#: stdin kept for a command that reads it to its end (``kubectl cp`` sends a tar archive)
MAX_STDIN_BYTES = 16 << 20
MAX_COMMAND_CHARS = 8 << 10
#: a stream ends after this long, or after this long without input
MAX_SESSION_SECONDS = 4 * 3600
IDLE_SECONDS = 30 * 60
#: one chunk of output on the wire
CHUNK = 32 << 10


def _status(code: int, argv: list[str]) -> dict[str, Any]:
    """What the kubelet writes on the error channel when the command ends."""
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {
        "metadata": {}, "status": "Failure",
        "message": f"command terminated with non-zero exit code: command '{' '.join(argv)}' exited with {code}",
        "reason": "NonZeroExitCode", "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def _encode(text: str) -> bytes:
    return text.encode(*TAR_ENCODING)


class PodStreamConsumer(AsyncWebsocketConsumer):
    """One exec, attach or port-forward WebSocket."""

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        self.sub = kwargs["sub"]
        self.query = {k: v for k, v in parse_qs(self.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True).items()}
        offered = self.scope.get("subprotocols") or []
        protocol = next((p for p in (V5, V4) if p in offered), None)
        if self.sub == "portforward":
            protocol = spdy.SUBPROTOCOL if spdy.SUBPROTOCOL in offered else (V4 if V4 in offered or V5 in offered else None)
            if protocol == V4 and not self.query.get("ports"):
                protocol = None  # a WebSocket port-forward names its ports in the URL
        if protocol is None:
            await self.close()  # no protocol both sides speak
            return
        try:
            self.target, self.cluster = await database_sync_to_async(self._open)(kwargs)
        except (errors.StatusError, UpgradeRefused, APIException):
            # Refused before the upgrade: the handshake fails (403), and kubectl retries over
            # SPDY, which reaches the HTTP view and reads the same refusal as a Status.
            await self.close()
            return
        self.v5 = protocol == V5
        self.tunnel = spdy.Session() if protocol == spdy.SUBPROTOCOL else None
        self.started = self.last_input = time.monotonic()
        self.stdin_open = True
        self.stdin: list[bytes] = []
        self.stdin_size = 0
        self.line = ""
        self.session: Session | None = None
        self.done = False
        self.tasks: list[asyncio.Task] = []
        await self.accept(protocol)
        self.tasks.append(asyncio.create_task(self._watchdog()))
        await self._begin()

    # ---- opening (sync) -----------------------------------------------------------------------

    def _headers(self) -> CaseInsensitiveMapping:
        joined: dict[str, str] = {}
        for key, value in self.scope.get("headers") or []:
            name = key.decode("latin-1")
            joined[name] = f"{joined[name]},{value.decode('latin-1')}" if name in joined else value.decode("latin-1")
        return CaseInsensitiveMapping(joined)

    def _open(self, kwargs: dict[str, str]) -> tuple[StreamTarget, Any]:
        headers = self._headers()
        who = token_user(kwargs["cluster"], headers.get("Authorization", "").encode("latin-1"))
        if who is None:
            raise errors.unauthorized()
        cluster = who.cluster
        may_act(cluster, Action.ACT)
        req = ApiRequest(
            cluster=cluster, method="POST",
            info=RequestInfo("", "v1", "pods", kwargs["namespace"], kwargs["name"], self.sub),
            query={k: v[-1] for k, v in self.query.items()},
            client=client_name(headers.get("User-Agent", "")), user_agent=headers.get("User-Agent", ""),
            user=request_user(headers, who.user, cluster),
        )
        if sum(len(c) for c in self.query.get("command", [])) > MAX_COMMAND_CHARS:
            raise errors.bad_request(f"the command is longer than kubeviz's limit of {MAX_COMMAND_CHARS} characters")
        return stream_open(req, self.query), cluster

    def _flag(self, name: str) -> bool:
        return (self.query.get(name) or [""])[-1].lower() in ("true", "1")

    # ---- the stream ---------------------------------------------------------------------------

    async def _send(self, channel: int, data: bytes) -> None:
        for i in range(0, max(len(data), 1), CHUNK):
            await self.send(bytes_data=bytes([channel]) + data[i:i + CHUNK])

    async def _finish(self, code: int, argv: list[str] | None = None) -> None:
        if self.done:
            return
        self.done = True
        if self.sub == "attach" and self.session is not None:
            await database_sync_to_async(self._input_end)(code)
        if self.sub != "portforward":
            await self._send(ERROR, json.dumps(_status(code, argv or [])).encode())
        await self.close()

    def _input_end(self, code: int) -> None:
        """The attached shell is the container's own process: its end ends the container."""
        cid = runtime.running_id(self.target.pod, self.target.container)
        if cid:
            runtime.input_end(self.cluster, cid, code)

    async def _watchdog(self) -> None:
        while not self.done:
            await asyncio.sleep(5)
            now = time.monotonic()
            if now - self.started > MAX_SESSION_SECONDS or now - self.last_input > IDLE_SECONDS:
                await self._finish(0)

    async def disconnect(self, code: int) -> None:
        if self.sub == "attach" and getattr(self, "session", None) is not None and not self.done:
            # stdinOnce: the container's stdin closes with its first attach, and the shell ends.
            await database_sync_to_async(self._input_end)(self.session.shell.status)
        self.done = True
        for task in getattr(self, "tasks", []):
            task.cancel()

    async def _begin(self) -> None:
        self.tty = self._flag("tty")
        self.argv = self.query.get("command") or []
        if self.sub == "portforward":
            await self._forward_begin()
            return
        container = runtime.container_spec(self.target.pod, self.target.container)
        if self.sub == "attach":
            if runtime.waits_for_stdin(container):
                await self._session_begin()
            else:
                self.tasks.append(asyncio.create_task(self._attach_output(container)))
            return
        interactive = self.tty or (self._flag("stdin") and len(self.argv) == 1 and self.argv[0].rsplit("/", 1)[-1] in
                                   ("sh", "bash", "ash", "dash"))
        if interactive:
            await self._session_begin()
        elif not self._flag("stdin"):
            await self._run_command(b"")

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if bytes_data is None:
            # A text frame (the Python client's writes of str): the channel is its first character.
            text = text_data or ""
            bytes_data = bytes([ord(text[0]) & 0xFF]) + text[1:].encode("utf-8") if text else b""
        data = bytes_data
        if self.done or not data:
            return
        if len(data) > MAX_FRAME_BYTES:
            await self._finish(1)
            return
        self.last_input = time.monotonic()
        channel, payload = data[0], data[1:]
        if self.tunnel is not None:
            await self._tunnel(data)
        elif self.sub == "portforward":
            await self._forward_data(channel, payload)
        elif channel == CLOSE and self.v5 and payload[:1] == bytes([STDIN]):
            await self._stdin_closed()
        elif channel == STDIN:
            await self._stdin(payload)

    async def _stdin(self, payload: bytes) -> None:
        if self.session is not None:
            await self._typed(payload)
            return
        if self.sub == "attach":
            return  # the container's program does not read its stdin
        self.stdin_size += len(payload)
        if self.stdin_size > MAX_STDIN_BYTES:
            await self._send(STDERR, f"kubeviz: stdin is over its limit of {MAX_STDIN_BYTES} bytes\n".encode())
            await self._finish(1, self.argv)
            return
        self.stdin.append(payload)
        if not self.v5:
            await self._stdin_closed()  # v4 cannot say that stdin has ended: one write is all of it

    async def _stdin_closed(self) -> None:
        if self.session is not None:
            if self.line:
                await self._line(self.line)
            if not self.done:
                await self._finish(self.session.shell.status)
        elif self.sub == "exec" and not self.done:
            await self._run_command(b"".join(self.stdin))

    # ---- exec of one command ------------------------------------------------------------------

    def _exec(self, stdin: str) -> tuple[str, str, int]:
        ctx = runtime.exec_context(self.cluster, self.target.pod, self.target.container)
        out, err, code = run_command(ctx, self.argv, stdin)
        with transaction.atomic():
            runtime.exec_writes_save(self.cluster, self.target.pod, self.target.container, ctx.fs)
        return out, err, code

    async def _run_command(self, stdin: bytes) -> None:
        out, err, code = await database_sync_to_async(self._exec)(stdin.decode(*TAR_ENCODING))
        if self._flag("stdout") and out:
            await self._send(STDOUT, _encode(out))
        if self._flag("stderr") and err:
            await self._send(STDERR, _encode(err))
        await self._finish(code, self.argv)

    # ---- interactive shell --------------------------------------------------------------------

    def _session_open(self) -> Session:
        return Session(runtime.exec_context(self.cluster, self.target.pod, self.target.container))

    async def _session_begin(self) -> None:
        self.session = await database_sync_to_async(self._session_open)()
        await self._prompt()

    async def _prompt(self) -> None:
        if self.tty and self.session is not None:
            sh = self.session.shell
            cwd = sh.ctx.cwd
            home = sh.vars.get("HOME", "")
            shown = "~" if cwd == home else cwd
            await self._send(STDOUT, f"{shown} {'#' if sh.ctx.user == 'root' else '$'} ".encode())

    async def _typed(self, payload: bytes) -> None:
        """Keys from a terminal (echoed, with backspace, ^C and ^D) or lines from a pipe."""
        text = payload.decode("utf-8", "replace")
        if not self.tty:
            self.line += text
            while "\n" in self.line and not self.done:
                line, self.line = self.line.split("\n", 1)
                await self._line(line)
            return
        echo = []
        i = 0
        while i < len(text) and not self.done:
            ch = text[i]
            i += 1
            if ch in "\r\n":
                await self._send(STDOUT, ("".join(echo) + "\r\n").encode())
                echo = []
                line, self.line = self.line, ""
                await self._line(line)
            elif ch in "\x7f\b":
                if self.line:
                    self.line = self.line[:-1]
                    echo.append("\b \b")
            elif ch == "\x03":
                self.line = ""
                await self._send(STDOUT, ("".join(echo) + "^C\r\n").encode())
                echo = []
                await self._prompt()
            elif ch == "\x04":
                if not self.line:
                    await self._finish(self.session.shell.status if self.session else 0)
                    return
            elif ch == "\x1b":  # an escape sequence (arrow keys): no line history here
                while i < len(text) and not text[i].isalpha() and text[i] != "~":
                    i += 1
                i += 1
            elif ch >= " ":
                self.line += ch
                echo.append(ch)
        if echo:
            await self._send(STDOUT, "".join(echo).encode())

    def _feed(self, line: str) -> tuple[str, str, int]:
        assert self.session is not None
        result = self.session.feed(line)
        with transaction.atomic():
            runtime.exec_writes_save(self.cluster, self.target.pod, self.target.container, self.session.shell.ctx.fs)
        return result

    async def _line(self, line: str) -> None:
        assert self.session is not None
        out, err, code = await database_sync_to_async(self._feed)(line)
        if self.tty:
            both = (out + err).replace("\r\n", "\n").replace("\n", "\r\n")
            if both:
                await self._send(STDOUT, _encode(both))
        else:
            if out:
                await self._send(STDOUT, _encode(out))
            if err:
                await self._send(STDERR, _encode(err))
        if self.session.exited is not None:
            await self._finish(self.session.exited, self.argv or ["sh"])
        else:
            await self._prompt()

    # ---- attach to a program's output ---------------------------------------------------------

    def _log_stream(self, container: dict[str, Any]) -> LogStream:
        from kubeviz.kubelet.logs import log_source

        pod = self.target.pod
        source = log_source(pod, self.target.container, False)
        # A ``stdin: true`` container (kubectl run -i) is attached to as it starts: in the
        # simulation it has started before kubectl can attach, so its output is replayed.
        since = None if container.get("stdin") else clock.now(self.cluster)
        meta = pod["metadata"]
        return LogStream(self.cluster, meta.get("namespace", "default"), meta["name"], source, LogOptions(follow=True), since)

    async def _attach_output(self, container: dict[str, Any]) -> None:
        stream = await database_sync_to_async(self._log_stream)(container)
        channel = STDOUT if self._flag("stdout") or self.tty else STDERR
        async for chunk in stream.follow():
            if self.done:
                return
            await self._send(channel, chunk.replace(b"\n", b"\r\n") if self.tty else chunk)
        await self._finish(0)

    # ---- port-forward -------------------------------------------------------------------------

    async def _forward_begin(self) -> None:
        self.streams: dict[int, dict[str, str]] = {}  # SPDY stream id → its headers
        self.pending: dict[int, bytes] = {}  # SPDY data stream id → the request so far
        if self.tunnel is not None:
            return
        self.ports = [int(p) for v in self.query.get("ports", []) for p in v.split(",") if p.strip()]
        self.requests = [b"" for _ in self.ports]
        for i, port in enumerate(self.ports):
            number = port.to_bytes(2, "little")
            await self.send(bytes_data=bytes([2 * i]) + number)
            await self.send(bytes_data=bytes([2 * i + 1]) + number)

    def _answer(self, port: int, request: bytes) -> bytes | None:
        pod = self.target.pod
        answer = runtime.forward_http(self.cluster, pod, port, request)
        node = self.target.node
        where = f"{pod['metadata'].get('namespace')}/{pod['metadata']['name']}"
        said = answer.split(b"\r\n", 1)[0].decode("latin-1") if answer else "nothing listens there: connection refused"
        first = request.split(b"\r\n", 1)[0].decode("latin-1", "replace")[:200]
        with transaction.atomic():
            step_record(cluster=self.cluster, step=None, source=f"kubelet/{node}", target=f"runtime/{node}", action="forward",
                        obj=pod, category="kubelet",
                        message=f"the container runtime on {node} passed a forwarded connection to port {port} of pod {where} "
                                f"({first}); it answered {said}")
        return answer

    async def _forward_data(self, channel: int, payload: bytes) -> None:
        index = channel // 2
        if channel % 2 or index >= len(self.ports):
            return
        self.requests[index] += payload
        if b"\r\n\r\n" not in self.requests[index] or len(self.requests[index]) > MAX_FRAME_BYTES:
            return
        request, self.requests[index] = self.requests[index], b""
        port = self.ports[index]
        uid = self.target.pod["metadata"].get("uid", "")
        if not request.split(b" ", 1)[0].isalpha():
            await self._send(channel + 1, f"error forwarding port {port} to pod {uid}: kubeviz forwards HTTP requests only".encode())
            return
        answer = await database_sync_to_async(self._answer)(port, request)
        if answer is None:
            await self._send(channel + 1, (
                f"error forwarding port {port} to pod {uid}, uid : failed to connect to localhost:{port} inside namespace "
                f"of pod {self.target.pod['metadata']['name']}: dial tcp4 127.0.0.1:{port}: connect: connection refused").encode())
            return
        await self._send(channel, answer)
        if len(self.ports) == 1:
            await self._finish(0)  # the answer says Connection: close

    # ---- port-forward through kubectl's SPDY tunnel -------------------------------------------

    async def _tunnel(self, data: bytes) -> None:
        assert self.tunnel is not None
        try:
            frames = self.tunnel.feed(data)
        except (ValueError, zlib.error):
            await self._finish(1)
            return
        for frame in frames:
            if frame.control and frame.kind == spdy.SYN_STREAM:
                self.streams[frame.stream_id] = frame.headers
                if frame.headers.get("streamtype") == "data":
                    self.pending[frame.stream_id] = b""
                await self.send(bytes_data=self.tunnel.reply(frame.stream_id))
            elif frame.control and frame.kind == spdy.PING:
                await self.send(bytes_data=self.tunnel.ping(frame))
            elif frame.control and frame.kind == spdy.GOAWAY:
                await self._finish(0)
            elif not frame.control and frame.stream_id in self.pending:
                self.pending[frame.stream_id] += frame.data
                request = self.pending[frame.stream_id]
                if b"\r\n\r\n" in request or frame.flags & spdy.FLAG_FIN or len(request) > MAX_FRAME_BYTES:
                    del self.pending[frame.stream_id]
                    await self._tunnel_answer(frame.stream_id, request)

    async def _tunnel_answer(self, stream_id: int, request: bytes) -> None:
        """Answer one forwarded connection: the reply on its data stream, any error on its
        error stream, both then closed (kubectl closes the local connection)."""
        assert self.tunnel is not None
        headers = self.streams.get(stream_id, {})
        port = int(headers.get("port", "0") or 0)
        error_id = next((sid for sid, h in self.streams.items() if h.get("streamtype") == "error"
                         and h.get("requestid") == headers.get("requestid")), None)
        answer = await database_sync_to_async(self._answer)(port, request) if request.split(b" ", 1)[0].isalpha() else None
        uid = self.target.pod["metadata"].get("uid", "")
        out = self.tunnel.data(stream_id, answer or b"", fin=True)
        if error_id is not None:
            message = b"" if answer else (
                f"error forwarding port {port} to pod {uid}, uid : failed to connect to localhost:{port} inside namespace "
                f"of pod {self.target.pod['metadata']['name']}: dial tcp4 127.0.0.1:{port}: connect: connection refused").encode()
            out += self.tunnel.data(error_id, message, fin=True)
        await self.send(bytes_data=out)
