"""What a simulated container prints: its image's real startup lines, or its command's output.

Pure functions of the container spec and its start time, so the kubelet can work out, at
any moment, what a container has printed so far (nothing is lost when a worker restarts)
and the same inputs always give the same lines. A line is ``(offset, text)``: seconds
after the container started. Lines printed in the first second are the startup burst.
"""
from __future__ import annotations

import bisect
import random
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from .images import resolve

Line = tuple[float, str]
Obj = dict[str, Any]

#: lines printed this soon after start are written together with the start
BURST_SECONDS = 1.0
#: a command's output is simulated for at most this many lines (a runaway loop is cut)
MAX_PROGRAM_LINES = 100_000
#: a loop with no sleep would print forever at once: it prints this often instead
MIN_LOOP_SECONDS = 1.0

NGINX_VERSIONS = {
    "latest": "1.27.3", "mainline": "1.27.3", "alpine": "1.27.3", "1.27": "1.27.3", "1.27.3": "1.27.3",
    "1.28": "1.28.0", "1.28.0": "1.28.0", "stable": "1.26.2", "1.26": "1.26.2", "1.25": "1.25.5", "1.24": "1.24.0",
}
REDIS_VERSIONS = {"latest": "7.4.1", "7": "7.4.1", "7.4": "7.4.1", "7.2": "7.2.6", "6": "6.2.16", "alpine": "7.4.1"}
POSTGRES_VERSIONS = {"latest": "17.2", "17": "17.2", "16": "16.6", "15": "15.10"}
MYSQL_VERSIONS = {"latest": "9.1.0", "8": "8.4.3", "8.4": "8.4.3"}


@dataclass
class Program:
    """A container's output: a finite list of lines, then optionally a loop whose body runs
    every ``period`` seconds for as long as the container runs. Loop lines are generated
    on demand and kept, so asking again for later lines does not run the loop again."""

    lines: list[Line] = field(default_factory=list)
    loop_start: float = 0.0
    period: float = 0.0
    loop_body: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    host: str = ""
    _iterations: int = 0
    _silent: int = 0
    _done: bool = False

    def _extend(self, until_offset: float) -> None:
        """Run loop iterations until a line lies past ``until_offset`` (or the loop ends)."""
        if not self.loop_body or self.period <= 0:
            self._done = True
        while not self._done and (not self.lines or self.lines[-1][0] <= until_offset):
            if len(self.lines) >= MAX_PROGRAM_LINES:
                self._done = True
                break
            shell = _Shell(self.env, self.host)
            shell.clock = self.loop_start + self._iterations * self.period
            shell.run(self.loop_body)
            self._iterations += 1
            last = self.lines[-1][0] if self.lines else -1.0
            self.lines.extend((max(o, last + 0.000001), t) for o, t in shell.out)
            # The body has no conditionals, so once two iterations in a row print nothing (the
            # second sees the variables the first set) none ever will: ``while true; do sleep
            # 30; done`` would otherwise be run forever looking for its next line.
            self._silent = 0 if shell.out else self._silent + 1
            if shell.exited or self._silent >= 2:
                self._done = True

    def between(self, started: datetime, after: datetime | None, until: datetime) -> list[tuple[datetime, str]]:
        """The lines stamped in (after, until], in order, with their times."""
        until_offset = (until - started).total_seconds()
        self._extend(until_offset)
        offsets = [o for o, _ in self.lines]
        lo = 0 if after is None else bisect.bisect_right(offsets, (after - started).total_seconds())
        hi = bisect.bisect_right(offsets, until_offset)
        return [(started + timedelta(seconds=o), t) for o, t in self.lines[lo:hi]]

    def next_after(self, started: datetime, moment: datetime) -> datetime | None:
        """When the first line after ``moment`` is printed (None: no more lines)."""
        offset = (moment - started).total_seconds()
        self._extend(offset)
        i = bisect.bisect_right([o for o, _ in self.lines], offset)
        return started + timedelta(seconds=self.lines[i][0]) if i < len(self.lines) else None


def program(pod: Obj, container: Obj, *, restarts: int = 0, cpus: int = 4) -> Program:
    """The output of this container's process, from its command or its image."""
    meta = pod.get("metadata") or {}
    env = {e["name"]: str(e.get("value", "")) for e in container.get("env") or [] if isinstance(e, dict) and "name" in e}
    env.setdefault("HOSTNAME", meta.get("name", ""))
    words = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
    seed = f"{meta.get('namespace')}/{meta.get('name')}/{container.get('name')}/{restarts}"
    rng = random.Random(seed)
    if words:
        return _command_program(words, env, meta.get("name", ""), rng)
    ref = resolve(container.get("image", ""))
    name = ref.image.repository.rsplit("/", 1)[-1] if ref.image else ""
    maker = _IMAGES.get(name)
    lines = maker(ref.tag, rng, cpus, env) if maker else []
    return Program(lines=lines, env=env, host=meta.get("name", ""))


# ---- images --------------------------------------------------------------------------------


def _burst(texts: list[str], rng: random.Random) -> list[Line]:
    """Startup lines a few milliseconds apart (strictly increasing, inside the burst)."""
    offset, out = 0.0, []
    for text in texts:
        offset += rng.randint(50, 1500) / 1_000_000
        out.append((min(offset, BURST_SECONDS - 0.001), text))
    return out


def _nginx(tag: str, rng: random.Random, cpus: int, env: dict[str, str]) -> list[Line]:
    version = NGINX_VERSIONS.get(tag, "1.27.3")
    texts = [
        "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
        "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
        "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
        "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
        "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
        "/docker-entrypoint.sh: Configuration complete; ready for start up",
    ]
    notices = [
        'using the "epoll" event method', f"nginx/{version}", "built by gcc 12.2.0 (Debian 12.2.0-14)",
        "OS: Linux 6.8.0-kubeviz", "getrlimit(RLIMIT_NOFILE): 1048576:1048576", "start worker processes",
    ]
    notices += [f"start worker process {29 + i}" for i in range(max(cpus, 1))]
    lines = _burst(texts, rng)
    base = lines[-1][0]
    for i, notice in enumerate(notices, start=1):
        lines.append((base + i / 100_000, ("{nginx_time}" + f" [notice] 1#1: {notice}")))
    return lines


def _redis(tag: str, rng: random.Random, cpus: int, env: dict[str, str]) -> list[Line]:
    version = REDIS_VERSIONS.get(tag, "7.4.1")
    return _burst([
        "1:C {redis_time} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
        f"1:C {{redis_time}} * Redis version={version}, bits=64, commit=00000000, modified=0, pid=1, just started",
        "1:C {redis_time} # Warning: no config file specified, using the default config. "
        "In order to specify a config file use redis-server /path/to/redis.conf",
        "1:M {redis_time} * monotonic clock: POSIX clock_gettime",
        "1:M {redis_time} * Running mode=standalone, port=6379.",
        "1:M {redis_time} * Server initialized",
        "1:M {redis_time} * Ready to accept connections tcp",
    ], rng)


def _postgres(tag: str, rng: random.Random, cpus: int, env: dict[str, str]) -> list[Line]:
    version = POSTGRES_VERSIONS.get(tag, "17.2")
    init = [
        'The files belonging to this database system will be owned by user "postgres".',
        "This user must also own the server process.",
        "",
        'The database cluster will be initialized with locale "en_US.utf8".',
        "Success. You can now start the database server using:",
        "",
        "PostgreSQL init process complete; ready for start up.",
        "",
    ]
    server = [
        f"{{pg_time}} UTC [1] LOG:  starting PostgreSQL {version} (Debian {version}-1.pgdg120+1) on x86_64-pc-linux-gnu, "
        "compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit",
        '{pg_time} UTC [1] LOG:  listening on IPv4 address "0.0.0.0", port 5432',
        '{pg_time} UTC [1] LOG:  listening on IPv6 address "::", port 5432',
        '{pg_time} UTC [1] LOG:  listening on Unix socket "/var/run/postgresql/.s.PGSQL.5432"',
        "{pg_time} UTC [62] LOG:  database system was shut down at {pg_time} UTC",
        "{pg_time} UTC [1] LOG:  database system is ready to accept connections",
    ]
    return _burst(init + server, rng)


def _httpd(tag: str, rng: random.Random, cpus: int, env: dict[str, str]) -> list[Line]:
    fqdn = (
        "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, "
        "using {pod_ip}. Set the 'ServerName' directive globally to suppress this message"
    )
    return _burst([
        fqdn, fqdn,
        "[{httpd_time}] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.62 (Unix) configured -- resuming normal operations",
        "[{httpd_time}] [core:notice] [pid 1:tid 1] AH00094: Command line: 'httpd -D FOREGROUND'",
    ], rng)


def _mysql(tag: str, rng: random.Random, cpus: int, env: dict[str, str]) -> list[Line]:
    version = MYSQL_VERSIONS.get(tag, "9.1.0")
    return _burst([
        f"{{mysql_time}} 00:00:00+00:00 [Note] [Entrypoint]: Entrypoint script for MySQL Server {version}-1.el9 started.",
        "{mysql_time} 00:00:00+00:00 [Note] [Entrypoint]: MySQL init process done. Ready for start up.",
        "{mysql_iso} 0 [System] [MY-015015] [Server] MySQL Server - start.",
        f"{{mysql_iso}} 0 [System] [MY-010116] [Server] /usr/sbin/mysqld ({version}) starting as process 1",
        f"{{mysql_iso}} 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '{version}'  "
        "socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.",
    ], rng)


def _agnhost(tag: str, rng: random.Random, cpus: int, env: dict[str, str]) -> list[Line]:
    return _burst(["I1122 00:00:00.000000       1 log.go:245] Serving on port 8080."], rng)


def _crasher(tag: str, rng: random.Random, cpus: int, env: dict[str, str]) -> list[Line]:
    return _burst(["crasher 1.0 starting", "loading configuration from /etc/crasher/config.yaml"], rng) + [
        (4.9, "Error: failed to connect to database at db:5432: dial tcp 10.96.0.42:5432: connect: connection refused"),
    ]


def _memory_hog(tag: str, rng: random.Random, cpus: int, env: dict[str, str]) -> list[Line]:
    return [(0.5 * i, f"allocated {64 * 2 ** i} MiB") for i in range(6)]


_IMAGES = {
    "nginx": _nginx, "redis": _redis, "postgres": _postgres, "httpd": _httpd, "mysql": _mysql,
    "agnhost": _agnhost, "crasher": _crasher, "memory-hog": _memory_hog,
}


_last_second: tuple[datetime, str, str] | None = None


def _to_the_second(moment: datetime, fmt: str) -> str:
    """``moment.strftime(fmt)`` for a format with no fraction of a second: a starting nginx
    stamps dozens of lines within one second, so the last one formatted is kept."""
    global _last_second
    second = moment.replace(microsecond=0)
    last = _last_second
    if last is not None and last[0] == second and last[1] == fmt:
        return last[2]
    text = moment.strftime(fmt)
    _last_second = (second, fmt, text)
    return text


def render(text: str, moment: datetime, pod_ip: str = "") -> str:
    """Fill an image line's own timestamp formats from the simulated clock (only those the
    line uses: a starting nginx prints dozens of lines)."""
    if "{" not in text:
        return text
    for placeholder in _placeholders_in(text):
        text = text.replace(placeholder, _PLACEHOLDERS[placeholder](moment, pod_ip))
    return text


@lru_cache(maxsize=1024)
def _placeholders_in(text: str) -> tuple[str, ...]:
    """The placeholders an image line uses (its lines repeat in every container)."""
    return tuple(p for p in _PLACEHOLDERS if p in text)


_PLACEHOLDERS: dict[str, Callable[[datetime, str], str]] = {
    "{nginx_time}": lambda m, ip: _to_the_second(m, "%Y/%m/%d %H:%M:%S"),
    "{redis_time}": lambda m, ip: m.strftime("%d %b %Y %H:%M:%S.") + f"{m.microsecond // 1000:03d}",
    "{pg_time}": lambda m, ip: m.strftime("%Y-%m-%d %H:%M:%S.") + f"{m.microsecond // 1000:03d}",
    "{httpd_time}": lambda m, ip: m.strftime("%a %b %d %H:%M:%S.%f %Y"),
    "{mysql_time}": lambda m, ip: m.strftime("%Y-%m-%d"),
    "{mysql_iso}": lambda m, ip: m.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    "{pod_ip}": lambda m, ip: ip or "127.0.0.1",
    "{epoch}": lambda m, ip: str(int(m.timestamp())),
    "{date}": lambda m, ip: f"{m:%a %b} {m.day:2d} {m:%H:%M:%S} UTC {m.year}",
}


# ---- how a process ends ----------------------------------------------------------------------


def exit_lines(container: Obj, reason: str, exit_code: int, crashed: bool) -> list[str]:
    """What the process prints as it dies: an injected crash says so; OOM kills say nothing
    (the kernel's SIGKILL cannot be caught)."""
    if reason == "OOMKilled" or exit_code == 137:
        return []
    if crashed:
        return [f"fatal error: unexpected signal during runtime execution (kubeviz injected a crash; exit code {exit_code})"]
    return []


def stop_lines(container: Obj) -> list[str]:
    """What a server prints when the kubelet stops it (its image's STOPSIGNAL)."""
    if container.get("command") or container.get("args"):
        return []
    ref = resolve(container.get("image", ""))
    name = ref.image.repository.rsplit("/", 1)[-1] if ref.image else ""
    if name == "nginx":
        return [
            "{nginx_time} [notice] 1#1: signal 3 (SIGQUIT) received, shutting down",
            "{nginx_time} [notice] 29#29: gracefully shutting down",
            "{nginx_time} [notice] 29#29: exiting",
            "{nginx_time} [notice] 29#29: exit",
            "{nginx_time} [notice] 1#1: signal 17 (SIGCHLD) received from 29",
            "{nginx_time} [notice] 1#1: worker process 29 exited with code 0",
            "{nginx_time} [notice] 1#1: exit",
        ]
    if name == "redis":
        return [
            "1:signal-handler ({epoch}) Received SIGTERM scheduling shutdown...",
            "1:M {redis_time} * User requested shutdown...",
            "1:M {redis_time} * Saving the final RDB snapshot before exiting.",
            "1:M {redis_time} * DB saved on disk",
            "1:M {redis_time} # Redis is now ready to exit, bye bye...",
        ]
    if name == "postgres":
        return [
            "{pg_time} UTC [1] LOG:  received fast shutdown request",
            "{pg_time} UTC [1] LOG:  aborting any active transactions",
            "{pg_time} UTC [1] LOG:  database system is shut down",
        ]
    if name == "httpd":
        return ["[{httpd_time}] [mpm_event:notice] [pid 1:tid 1] AH00491: caught SIGTERM, shutting down"]
    return []


# ---- access logs -----------------------------------------------------------------------------

_PATHS = ["/", "/", "/", "/index.html", "/favicon.ico", "/healthz"]


def access_line(image: str, client_ip: str, moment: datetime, rng: random.Random) -> str | None:
    """One served request in the image's access-log format (None: the image logs none)."""
    ref = resolve(image)
    name = ref.image.repository.rsplit("/", 1)[-1] if ref.image else ""
    path = rng.choice(_PATHS)
    stamp = moment.strftime("%d/%b/%Y:%H:%M:%S +0000")
    if name == "nginx":
        status, size = (404, 153) if path == "/favicon.ico" else (200, 615) if path != "/healthz" else (404, 153)
        return f'{client_ip} - - [{stamp}] "GET {path} HTTP/1.1" {status} {size} "-" "curl/8.5.0" "-"'
    if name == "httpd":
        status, size = (200, 45) if path in ("/", "/index.html") else (404, 196)
        return f'{client_ip} - - [{stamp}] "GET {path} HTTP/1.1" {status} {size}'
    if name == "agnhost":
        return f"I{moment:%m%d %H:%M:%S.%f}       1 netexec.go:180] GET {path}"
    return None


# ---- commands: a tiny shell -----------------------------------------------------------------

_SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash", "ash", "/bin/ash", "/usr/bin/env"}


def _command_program(words: list[str], env: dict[str, str], host: str, rng: random.Random) -> Program:
    if len(words) >= 3 and words[0] in _SHELLS and words[1] in ("-c", "-ec", "-xc"):
        script = words[2]
    else:
        script = " ".join(shlex.quote(w) for w in words)
    statements = _split(script)
    loop_at = next((i for i, s in enumerate(statements) if _loop_header(s)), None)
    head = statements if loop_at is None else statements[:loop_at]
    variables = dict(env)
    shell = _Shell(variables, host)
    shell.run(head)
    prog = Program(lines=list(shell.out), host=host)
    if loop_at is None or shell.exited:
        return prog
    body = _loop_body(statements[loop_at:])
    probe = _Shell(dict(variables), host)
    probe.run(body)
    prog.loop_body = body
    prog.env = variables
    prog.loop_start = shell.clock
    prog.period = probe.clock if probe.clock > 0 else MIN_LOOP_SECONDS
    return prog


def _split(script: str) -> list[str]:
    """Statements split at ``;``, newlines, ``&&`` and ``||`` outside quotes."""
    out, current, quote, i = [], [], "", 0
    while i < len(script):
        ch = script[i]
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            current.append(ch)
        elif ch in ";\n" or script[i:i + 2] in ("&&", "||"):
            out.append("".join(current).strip())
            current = []
            if script[i:i + 2] in ("&&", "||"):
                i += 1
        else:
            current.append(ch)
        i += 1
    out.append("".join(current).strip())
    return [s for s in out if s]


def _loop_header(statement: str) -> bool:
    return bool(re.match(r"^(while\s+(true|:|\[\s*1\s*\]|\[\s*true\s*\])|until\s+false)\b", statement))


def _loop_body(statements: list[str]) -> list[str]:
    """The statements between ``do`` and ``done`` of the first loop."""
    body: list[str] = []
    for s in statements[1:]:
        if s.startswith("do "):
            s = s[3:].strip()
        elif s == "do":
            continue
        if s == "done" or s.startswith("done"):
            break
        body.append(s)
    return body


class _Shell:
    """Runs echo/printf/date/sleep/exit and simple assignments; everything else is silent."""

    def __init__(self, variables: dict[str, str], host: str):
        self.vars = variables
        self.host = host
        self.clock = 0.0
        self.out: list[Line] = []
        self.exited = False

    def run(self, statements: list[str]) -> None:
        for statement in statements:
            if self.exited or len(self.out) >= MAX_PROGRAM_LINES:
                return
            self._one(statement)

    def _print(self, text: str) -> None:
        offset = self.clock
        if self.out and offset <= self.out[-1][0]:
            offset = self.out[-1][0] + 0.000001
        self.out.append((offset, text))

    def _one(self, statement: str) -> None:
        assign = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", statement)
        if assign:
            self.vars[assign.group(1)] = self._expand(_unquote(assign.group(2)))
            return
        try:
            words = shlex.split(statement)
        except ValueError:
            words = statement.split()
        if not words:
            return
        cmd, args = words[0], words[1:]
        if cmd == "exec" and args:
            cmd, args = args[0], args[1:]
        if cmd == "echo":
            flags = []
            while args and args[0] in ("-n", "-e", "-ne", "-en"):
                flags.append(args.pop(0))
            text = " ".join(self._expand(a) for a in args)
            if any("e" in f for f in flags):
                text = text.replace("\\t", "\t")
            for part in text.split("\\n") if any("e" in f for f in flags) else [text]:
                self._print(part)
        elif cmd == "printf" and args:
            fmt = self._expand(args[0]).replace("%s", "{}").replace("%d", "{}")
            values = [self._expand(a) for a in args[1:]]
            try:
                text = fmt.format(*values) if values else fmt
            except (IndexError, ValueError):
                text = fmt
            for part in text.split("\\n"):
                if part:
                    self._print(part)
        elif cmd == "date":
            self._print(self._date())
        elif cmd == "hostname":
            self._print(self.host)
        elif cmd in ("sleep", "usleep") and args:
            try:
                seconds = float(args[0].rstrip("s")) / (1_000_000 if cmd == "usleep" else 1)
            except ValueError:
                seconds = float("inf") if args[0] in ("infinity", "inf") else 0.0
            self.clock += seconds
            if seconds == float("inf"):
                self.exited = True
        elif cmd == "exit":
            self.exited = True
        elif cmd in ("env", "printenv"):
            names = args or sorted(self.vars)
            for name in names:
                if name in self.vars:
                    self._print(self.vars[name] if args else f"{name}={self.vars[name]}")

    def _date(self) -> str:
        """A placeholder: ``render`` writes the date of the moment the line is printed."""
        return "{date}"

    def _expand(self, text: str) -> str:
        def arith(match: re.Match[str]) -> str:
            expr = re.sub(r"\$?([A-Za-z_][A-Za-z0-9_]*)", lambda m: self.vars.get(m.group(1), "0") or "0", match.group(1))
            if not re.fullmatch(r"[0-9+\-*/%() ]+", expr):
                return "0"
            try:
                return str(int(eval(expr.replace("/", "//"), {"__builtins__": {}}, {})))  # noqa: S307 - digits and operators only
            except (SyntaxError, ZeroDivisionError, ValueError):
                return "0"

        text = re.sub(r"\$\(\((.+?)\)\)", arith, text)
        text = re.sub(r"\$\(date[^)]*\)|`date[^`]*`", lambda m: self._date(), text)
        text = re.sub(r"\$\(hostname\)|`hostname`", lambda m: self.host, text)
        return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: self.vars.get(m.group(1), ""), text)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text
