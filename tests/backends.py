"""Private PostgreSQL and Redis servers for tests and benchmarks (the scale-out backends).

Each runs from Debian's packages in a temporary directory on a free port, owned by this
process and stopped with it: nothing relies on a system service being up. PostgreSQL
refuses to run as root, so as root its files belong to the ``postgres`` user and it runs
as that user.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.liveserver import free_port


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def available() -> str | None:
    """Why the scale-out backends cannot run here, or None when they can."""
    if _pg_bin() is None:
        return "PostgreSQL is not installed (apt-get install postgresql)"
    if shutil.which("redis-server") is None:
        return "Redis is not installed (apt-get install redis-server)"
    return None


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class Postgres:
    port: int
    root: Path
    process_dir: Path

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, prefix: str = "kv") -> str:
        """A new empty database; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def sql(self, statement: str, database: str = "postgres") -> str:
        out = subprocess.run(
            [str(_pg_bin() / "psql"), "-X", "-A", "-t", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", database, "-c", statement],
            capture_output=True, text=True, timeout=60, check=True,
        )
        return out.stdout.strip()

    def connections(self, database: str) -> int:
        """Client connections open to ``database`` now (pg_stat_activity)."""
        return int(self.sql(f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}'"))


@contextmanager
def postgres(max_connections: int = 200) -> Iterator[Postgres]:
    """A throw-away PostgreSQL (fsync off: tests and benchmarks, not data to keep)."""
    bindir = _pg_bin()
    assert bindir is not None, available()
    root = Path(tempfile.mkdtemp(prefix="kv-pg-"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(sockets, "postgres", "postgres")
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                 "--no-sync"]), check=True, capture_output=True, timeout=120)
    port = free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " \
              f"-c full_page_writes=off -c max_connections={max_connections}"
    subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "pg.log"),
                                 "-w", "start"]), check=True, capture_output=True, timeout=120)
    try:
        yield Postgres(port, root, sockets)
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Redis:
    port: int
    root: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root)],
            stdout=open(self.root / "redis.log", "a"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True).stdout.strip() != "PONG":
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("redis-server did not start: " + (self.root / "redis.log").read_text())
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def restart(self) -> None:
        """Stop and start again on the same port: every client loses its connections."""
        self.stop()
        self.start()


@contextmanager
def redis() -> Iterator[Redis]:
    root = Path(tempfile.mkdtemp(prefix="kv-redis-"))
    server = Redis(free_port(), root)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    """``python -m tests.backends [pytest arguments]``: run pytest against a private
    PostgreSQL and Redis (``DATABASE_URL``, ``REDIS_URL``), started here and stopped after."""
    import sys

    why = available()
    if why:
        print(f"scale-out tests not run: {why}", file=sys.stderr)
        return 1
    with postgres() as pg, redis() as r:
        env = {**os.environ, "DATABASE_URL": pg.url(), "REDIS_URL": r.url}
        return subprocess.run([sys.executable, "-m", "pytest", *argv], env=env).returncode


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
