"""What a simulated container prints: its image's real startup lines, or its command's output.

Pure functions of the container spec and its start time, so the kubelet can work out, at
any moment, what a container has printed so far (nothing is lost when a worker restarts)
and the same inputs always give the same lines. A line is ``(offset, text)``: seconds
after the container started. Lines printed in the first second are the startup burst.
"""
from __future__ import annotations

import bisect
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from .images import resolve
from .shell import Run

Line = tuple[float, str]
Obj = dict[str, Any]

#: lines printed this soon after start are written together with the start
BURST_SECONDS = 1.0
#: a command's lines already written are dropped from memory past this many
TRIM_LINES = 1000
#: how many steps of a program to look ahead for its next line
LOOKAHEAD_STEPS = 2000

NGINX_VERSIONS = {
    "latest": "1.27.3", "mainline": "1.27.3", "alpine": "1.27.3", "1.27": "1.27.3", "1.27.3": "1.27.3",
    "1.28": "1.28.0", "1.28.0": "1.28.0", "stable": "1.26.2", "1.26": "1.26.2", "1.25": "1.25.5", "1.24": "1.24.0",
}
REDIS_VERSIONS = {"latest": "7.4.1", "7": "7.4.1", "7.4": "7.4.1", "7.2": "7.2.6", "6": "6.2.16", "alpine": "7.4.1"}
POSTGRES_VERSIONS = {"latest": "17.2", "17": "17.2", "16": "16.6", "15": "15.10"}
MYSQL_VERSIONS = {"latest": "9.1.0", "8": "8.4.3", "8.4": "8.4.3"}


@dataclass
class Program:
    """A container's output: the image's startup lines, or its command's, which the
    simulated shell (``run``) produces only as far as anyone asks."""

    lines: list[Line] = field(default_factory=list)
    run: Run | None = None

    def _extend(self, until_offset: float) -> None:
        if self.run is None:
            return
        self.run.advance(until_offset)
        self.lines.extend((line.offset, line.text) for line in self.run.take_lines())

    def between(self, started: datetime, after: datetime | None, until: datetime) -> list[tuple[datetime, str]]:
        """The lines stamped in (after, until], in order, with their times."""
        until_offset = (until - started).total_seconds()
        self._extend(until_offset)
        offsets = [o for o, _ in self.lines]
        lo = 0 if after is None else bisect.bisect_right(offsets, (after - started).total_seconds())
        hi = bisect.bisect_right(offsets, until_offset)
        found = [(started + timedelta(seconds=o), t) for o, t in self.lines[lo:hi]]
        if self.run is not None and lo > TRIM_LINES:
            del self.lines[:lo]  # written already: a command's lines are asked for in order
        return found

    def next_after(self, started: datetime, moment: datetime) -> datetime | None:
        """When the first line after ``moment`` is printed (None: no more lines)."""
        offset = (moment - started).total_seconds()
        self._extend(offset)
        i = bisect.bisect_right([o for o, _ in self.lines], offset)
        if i >= len(self.lines) and self.run is not None and self.run.exit is None:
            # Look ahead for the next line (a bounded number of steps: a silent loop prints none).
            self.run.ending_within(offset, LOOKAHEAD_STEPS)
            self._extend(offset)
            i = bisect.bisect_right([o for o, _ in self.lines], offset)
        return started + timedelta(seconds=self.lines[i][0]) if i < len(self.lines) else None


def program(pod: Obj, container: Obj, *, restarts: int = 0, cpus: int = 4, run: Run | None = None) -> Program:
    """The output of this container's process: its command's (the shell's ``run``), or
    its image's startup lines."""
    if run is not None and (container.get("command") or container.get("args")):
        return Program(run=run)
    meta = pod.get("metadata") or {}
    env = {e["name"]: str(e.get("value", "")) for e in container.get("env") or [] if isinstance(e, dict) and "name" in e}
    seed = f"{meta.get('namespace')}/{meta.get('name')}/{container.get('name')}/{restarts}"
    rng = random.Random(seed)
    ref = resolve(container.get("image", ""))
    name = ref.image.repository.rsplit("/", 1)[-1] if ref.image else ""
    maker = _IMAGES.get(name)
    lines = maker(ref.tag, rng, cpus, env) if maker else []
    return Program(lines=lines)


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
