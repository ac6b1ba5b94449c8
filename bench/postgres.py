"""Scale-out benchmarks on a private PostgreSQL and Redis: ``python -m bench.postgres``
(``make bench-postgres``). Starts both from Debian's packages (tests/backends.py), then:

1. the engine benchmark (a Deployment of ``--pods`` on 100 nodes, settle mode, in a process
   of its own) on SQLite and on PostgreSQL, one after the other, and their ratio;
2. websocket fan-out across two Daphnes: ``--clients`` clients, half on each Daphne, while
   a separate writer process records ``--rate`` steps/s; commit-to-client latency p50/p99
   and the steps lost or duplicated (bench/websocket.py's writer and clients);
3. worker takeover: two workers, a Deployment rolling out, the worker holding the
   cluster's lease killed with SIGKILL; the seconds until another holds it and until the
   engine writes again, and whether any pod was created twice.

Prints ``name: value unit`` lines.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg

from bench.figures import percentile, print_figures
from bench.websocket import CLUSTER, STEPS_FRAME, Client, _write
from tests import backends
from tests.liveserver import LiveServer, create_database, wait_for

ROOT = Path(__file__).resolve().parent.parent
#: kubeviz.engine.leases.RENEW_EVERY (that module needs Django set up, which this one does not)
RENEW_EVERY = 1.0


def engine(pg: backends.Postgres, pods: int) -> dict[str, tuple[float, str]]:
    rates = {}
    for name in ("sqlite", "postgres"):
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        if name == "postgres":
            env["DATABASE_URL"] = create_database(pg.url())
        out = subprocess.run([sys.executable, "-m", "bench.engine", "--one", "100", str(pods)],
                             check=True, capture_output=True, text=True, cwd=ROOT, env=env).stdout
        seconds = json.loads(out.strip().splitlines()[-1])[0]
        rates[name] = pods / seconds
    return {
        f"engine_{pods}_pods_sqlite": (rates["sqlite"], "pods/s"),
        f"engine_{pods}_pods_postgres": (rates["postgres"], "pods/s"),
        "engine_postgres_vs_sqlite": (rates["postgres"] / rates["sqlite"] * 100, "%"),
    }


class RawClient(asyncio.Protocol):
    """A websocket client that costs the shared host next to nothing: a bare asyncio
    protocol that does the opening handshake itself, then only notes when each frame's
    bytes arrived. The seqs are picked out after the run. (websockets' asyncio client,
    200 of them in one process at 8,000 frames/s, took most of a core: its queueing was in
    the latency it measured.)"""

    SEQ = re.compile(rb'"seq":(\d+)')

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.buffer = bytearray()
        self.open = False
        self.frames: list[tuple[float, bytes]] = []
        self.snapshot: asyncio.Future[bytes] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.snapshot_seq = 0
        self.received: list[tuple[int, float]] = []

    @classmethod
    async def connect(cls, url: str) -> RawClient | None:
        """A client holding its snapshot; None if the server refused or dropped it."""
        loop = asyncio.get_running_loop()
        parsed = urllib.parse.urlsplit(url)
        try:
            _, client = await loop.create_connection(lambda: cls(loop), parsed.hostname, parsed.port)
            assert client.transport is not None
            key = base64.b64encode(os.urandom(16)).decode()
            client.transport.write((
                f"GET {parsed.path} HTTP/1.1\r\nHost: {parsed.netloc}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: http://{parsed.netloc}\r\n\r\n"
            ).encode())
            snapshot = json.loads(await asyncio.wait_for(client.snapshot, 120))
        except (OSError, TimeoutError, ConnectionError):
            return None
        assert snapshot["type"] == "snapshot", snapshot
        client.snapshot_seq = snapshot["seq"]
        return client

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.snapshot.done():
            self.snapshot.set_exception(ConnectionError("closed before the snapshot"))

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buf = self.buffer
        buf += data
        if not self.open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.snapshot.set_exception(ConnectionError(bytes(buf[:end]).decode(errors="replace")))
                return
            del buf[:end + 4]
            self.open = True
        while len(buf) >= 2:
            length, start = buf[1] & 0x7F, 2
            if length == 126:
                length, start = int.from_bytes(buf[2:4]), 4
            elif length == 127:
                length, start = int.from_bytes(buf[2:10]), 10
            if len(buf) < start + length:
                return
            opcode, payload = buf[0] & 0x0F, bytes(buf[start:start + length])
            del buf[:start + length]
            if opcode == 0x1:
                if self.snapshot.done():
                    self.frames.append((now, payload))
                else:
                    self.snapshot.set_result(payload)
            elif opcode == 0x9 and self.transport is not None:  # ping: a masked pong (zero mask)
                self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)

    def parse(self) -> None:
        """The seqs of the steps frames received, with when their frame arrived."""
        self.received = [(int(seq), at) for at, raw in self.frames if raw.startswith(STEPS_FRAME.encode())
                         for seq in self.SEQ.findall(raw)]

    def seen_through(self) -> int:
        """The highest seq received so far (looked up while the run goes on)."""
        for _, raw in reversed(self.frames):
            found = self.SEQ.findall(raw)
            if found:
                return int(found[-1])
        return 0

    check = Client.check

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _daphnes_cpu() -> float:
    """CPU seconds used so far by this process's Daphne children."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == os.getpid() and b"daphne" in (stat.parent / "cmdline").read_bytes():
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return total


async def fanout(server: LiveServer, args: argparse.Namespace) -> dict[str, tuple[float, str]]:
    urls = [f"{http.replace('http://', 'ws://')}/ws/clusters/{CLUSTER}/steps/" for http in server.http_all]
    connected = await asyncio.gather(*(RawClient.connect(urls[i % len(urls)]) for i in range(args.clients)))
    clients = [c for c in connected if c is not None]
    writer = argparse.Namespace(rate=args.rate, seconds=args.seconds, batch=25)
    cpu0, daphnes0 = resource.getrusage(resource.RUSAGE_SELF), _daphnes_cpu()
    started = time.monotonic()
    committed = await _write(writer, server.env)
    last = max(committed)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(c.seen_through() < last for c in clients):
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # let any duplicate show up
    span = time.monotonic() - started
    cpu1, daphnes1 = resource.getrusage(resource.RUSAGE_SELF), _daphnes_cpu()
    for c in clients:
        c.close()
    latencies, lost, duplicated = [], 0, 0
    for c in clients:
        c.parse()
        c_lost, c_dup, _ = c.check(last)
        lost, duplicated = lost + c_lost, duplicated + c_dup
        first: dict[int, float] = {}
        for seq, at in c.received:
            first.setdefault(seq, at)
        latencies.extend((at - committed[seq]) * 1000 for seq, at in first.items() if seq in committed)
    client_cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    return {
        "fanout_daphnes": (len(urls), "count"),
        "fanout_clients": (len(clients), f"of {args.clients} connected"),
        "fanout_steps_written": (len(committed), "count"),
        "fanout_latency_p50": (percentile(latencies, 50), "ms"),
        "fanout_latency_p99": (percentile(latencies, 99), "ms"),
        "fanout_steps_lost": (lost, "count"),
        "fanout_steps_duplicated": (duplicated, "count"),
        "fanout_bench_client_cpu": (client_cpu / span * 100, "% of one cpu"),
        "fanout_daphnes_cpu": ((daphnes1 - daphnes0) / span * 100, "% of one cpu, both"),
    }


def takeover(server: LiveServer, replicas: int) -> dict[str, tuple[float, str]]:
    cluster = server.cluster(CLUSTER)
    url = server.env["DATABASE_URL"]

    def lease() -> tuple[str, int] | None:
        with psycopg.connect(url) as conn:
            row = conn.execute('SELECT l."holder", c."step_seq" FROM "etcd_workerlease" l JOIN "etcd_cluster" c '
                               'ON c."id" = l."cluster_id" WHERE c."name" = %s', (CLUSTER,)).fetchone()
        return (row[0], row[1]) if row else None

    def pods() -> list[dict]:
        r = cluster.session().get(f"{cluster.api}/api/v1/namespaces/default/pods", params={"labelSelector": "app=roll"})
        r.raise_for_status()
        return r.json()["items"]

    cluster.clock(mode="live", speed=1)
    holder, _ = wait_for(lease, "a worker to hold the cluster")
    r = cluster.session().post(f"{cluster.api}/apis/apps/v1/namespaces/default/deployments", json={
        "metadata": {"name": "roll"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "roll"}}, "template": {
            "metadata": {"labels": {"app": "roll"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}},
    })
    r.raise_for_status()
    wait_for(lambda: len(pods()) >= replicas // 3, "the rollout to be under way")

    def settled() -> str | None:
        """The holder, once the two workers agree (the lease may move once when the
        second starts: shares go by the workers' names)."""
        before = lease()
        time.sleep(2 * RENEW_EVERY)
        after = lease()
        return after[0] if before and after and before[0] == after[0] else None

    holder = wait_for(settled, "the lease to settle", 30)
    victim = "workers-2" if holder.startswith("workers-2-") else "workers"
    server.processes[victim].send_signal(signal.SIGKILL)
    killed = time.monotonic()
    new_holder, seq = wait_for(lambda: (found := lease()) and found[0] != holder and found, "another holder", 30)
    taken = time.monotonic() - killed
    wait_for(lambda: (found := lease()) and found[1] > seq, "the engine to write again", 30)
    resumed = time.monotonic() - killed
    wait_for(lambda: sum(1 for p in pods() if p["status"].get("phase") == "Running") >= replicas, "every pod Running", 120)
    time.sleep(2)  # a duplicate would show up now
    names = [p["metadata"]["name"] for p in pods()]
    return {
        "takeover_lease_after_kill9": (taken, "s"),
        "takeover_engine_writes_after_kill9": (resumed, "s"),
        "takeover_pods": (len(names), f"of {replicas} wanted"),
        "takeover_pods_duplicated": (len(names) - replicas + (len(names) - len(set(names))), "count"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.postgres", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", type=int, default=1000, help="pods of the engine benchmark (default 1000)")
    parser.add_argument("--clients", type=int, default=200, help="websocket clients over two Daphnes (default 200)")
    parser.add_argument("--rate", type=float, default=1000, help="steps written per second (default 1000)")
    parser.add_argument("--seconds", type=float, default=5, help="how long the writer writes (default 5)")
    parser.add_argument("--replicas", type=int, default=30, help="pods of the rollout whose worker is killed")
    parser.add_argument("--parts", default="engine,fanout,takeover", help="which parts to run (default all)")
    args = parser.parse_args(argv)
    why = backends.available()
    if why:
        print(f"# bench.postgres skipped: {why}", file=sys.stderr)
        return
    figures: dict[str, tuple[float, str]] = {}
    with backends.postgres() as pg, backends.redis() as redis:
        parts = args.parts.split(",")
        if "engine" in parts:
            figures.update(engine(pg, args.pods))
        env = {"DATABASE_URL": pg.url(), "REDIS_URL": redis.url}
        for part in [p for p in ("fanout", "takeover") if p in parts]:
            root = Path(tempfile.mkdtemp(prefix=f"kubeviz-bench-{part}-"))
            try:
                server = LiveServer.prepare(root, env=env)
                server.new_cluster(name=CLUSTER)
                if part == "fanout":
                    with server.serving(daphnes=2):
                        figures.update(asyncio.run(fanout(server, args)))
                else:
                    with server.serving(workers=2):
                        figures.update(takeover(server, args.replicas))
            finally:
                shutil.rmtree(root, ignore_errors=True)
    figures["host_load_1min"] = (os.getloadavg()[0], f"load on {os.cpu_count()} cpus")
    print_figures(figures)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
