"""Benchmark of the steps websocket: ``python -m bench.websocket``.

Starts Daphne in a subprocess with a fresh SQLite database (the embedded default: no
Redis, Channels' in-memory layer), creates a cluster, then

1. connects 200 websocket clients at once and times until every one has its snapshot;
2. keeps 50 of them while a SEPARATE process (``--writer``, a small Django script, as the
   engine worker would be) records steps with ``kubeviz.flow.services.step_record`` in
   transactions of ``--batch`` steps at ``--rate`` steps/s, noting each transaction's
   wall-clock commit time (``transaction.on_commit``);
3. reports commit-to-client latency (receipt time minus commit time, same host clock)
   and checks that every client got every seq after its snapshot exactly once, in order.

It does that ``--rounds`` times on the same server and prints, one per line as
``name: value unit``, the median of each figure over the rounds (the step counts, lost
and duplicated included, are totals). The host is shared: compare medians, not runs.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.figures import percentile, print_figures
from tests.liveserver import LiveServer

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = "bench"
# A steps frame as the server encodes it (compact JSON); each step's "seq" is its only
# key of that name ("object" holds kind, namespace, name and uid).
STEPS_FRAME = '{"type":"steps","steps":['
SEQ = re.compile(r'"seq":(\d+)')


# ---- the writer (a separate process) -----------------------------------------------------


def writer_main(rate: float, seconds: float, batch: int) -> None:
    """Record steps at ``rate``/s in transactions of ``batch``, as an engine worker does;
    print one JSON line per transaction: its first and last seq and when it committed.

    The commit time comes from ``transaction.on_commit``, the moment the steps became
    visible to readers, so the latency measured from it is what a watcher sees."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubeviz.settings")
    django.setup()
    from django.db import transaction

    from kubeviz.clusters.models import Cluster
    from kubeviz.flow.services import step_record

    cluster = Cluster.objects.get(name=CLUSTER)
    total = int(rate * seconds)
    lines = []
    commit_times: list[float] = []
    start = time.monotonic()
    for k, first in enumerate(range(0, total, batch)):
        delay = start + first / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        with transaction.atomic():
            transaction.on_commit(lambda: commit_times.append(time.time()))
            seqs = [
                step_record(
                    cluster=cluster, source="client", target="apiserver", action="bench", category="bench",
                    message=f"bench step {i} of batch {k}",
                ).seq
                for i in range(first, min(first + batch, total))
            ]
        lines.append(json.dumps({"first": seqs[0], "last": seqs[-1], "t": commit_times[-1]}))
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


# ---- the clients -------------------------------------------------------------------------


class Client:
    """One websocket client: the seq of its snapshot, then every step seq it receives with
    the wall-clock time its frame arrived."""

    def __init__(self, ws: Any, snapshot_seq: int):
        self.ws = ws
        self.snapshot_seq = snapshot_seq
        self.received: list[tuple[int, float]] = []

    async def read(self) -> None:
        # The seqs are picked out of the frame rather than decoding all of it: the bench
        # client shares the host with the server, and must cost it as little as it can.
        async for raw in self.ws:
            now = time.time()
            if raw.startswith(STEPS_FRAME):
                self.received.extend((int(seq), now) for seq in SEQ.findall(raw))
            elif not raw.startswith('{"type":"'):
                raise AssertionError(f"unexpected frame {raw[:80]!r}")

    def check(self, last: int) -> tuple[int, int, int]:
        """(lost, duplicated, out of order) against the contiguous seqs after the snapshot
        through ``last``: the stream promises each exactly once, in order."""
        seqs = [seq for seq, _ in self.received]
        expected = set(range(self.snapshot_seq + 1, last + 1))
        lost = len(expected - set(seqs))
        duplicated = len(seqs) - len(set(seqs))
        out_of_order = sum(1 for a, b in zip(seqs, seqs[1:], strict=False) if b <= a)
        return lost, duplicated, out_of_order


def _server_cpu() -> float:
    """CPU seconds used so far by this process's Daphne child (0 if not found): how much
    the server spends is a steadier figure than latency on a shared host."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == os.getpid() and b"daphne" in (stat.parent / "cmdline").read_bytes():
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return 0.0


async def _connect(url: str, origin: str) -> Client | None:
    """A client holding its snapshot; None if the server refused or dropped it (Daphne
    drops handshakes it cannot finish within its timeout, 5 s by default)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import WebSocketException

    try:
        ws = await connect(url, origin=origin, open_timeout=120, ping_interval=None, max_size=2**24)
        snapshot = json.loads(await ws.recv())
    except (OSError, WebSocketException):
        return None
    assert snapshot["type"] == "snapshot", snapshot
    return Client(ws, snapshot["seq"])


async def _write(args: argparse.Namespace, env: dict) -> dict[int, float]:
    """Run the writer process; the commit time of each seq it wrote."""
    writer = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.websocket", "--writer",
        "--rate", str(args.rate), "--seconds", str(args.seconds), "--batch", str(args.batch),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await writer.communicate()
    if writer.returncode != 0:
        raise RuntimeError("writer failed: " + err.decode())
    committed: dict[int, float] = {}
    for line in out.decode().splitlines():
        if line.strip():
            b = json.loads(line)
            committed.update(dict.fromkeys(range(b["first"], b["last"] + 1), b["t"]))
    return committed


async def one_round(args: argparse.Namespace, server: LiveServer) -> dict[str, tuple[float, str]]:
    """Connect ``args.clients`` at once, keep ``args.readers`` while the writer writes."""
    figures: dict[str, tuple[float, str]] = {}
    url = f"ws://127.0.0.1:{server.port}/ws/clusters/{CLUSTER}/steps/"
    origin = server.http

    t0 = time.perf_counter()
    connected = await asyncio.gather(*(_connect(url, origin) for _ in range(args.clients)))
    figures[f"ws_connect_{args.clients}_clients"] = (time.perf_counter() - t0, "s")
    clients = [c for c in connected if c is not None]
    figures["ws_connect_failures"] = (args.clients - len(clients), "count")
    readers, extra = clients[: args.readers], clients[args.readers:]
    await asyncio.gather(*(c.ws.close() for c in extra))

    tasks = [asyncio.create_task(c.read()) for c in readers]
    cpu0, server0 = resource.getrusage(resource.RUSAGE_SELF), _server_cpu()
    committed = await _write(args, server.env)
    last = max(committed)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(not c.received or c.received[-1][0] < last for c in readers):
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # let any duplicate show up
    cpu1, server1 = resource.getrusage(resource.RUSAGE_SELF), _server_cpu()
    await asyncio.gather(*(c.ws.close() for c in readers))
    await asyncio.gather(*tasks, return_exceptions=True)

    latencies: list[float] = []
    lost = duplicated = out_of_order = 0
    for c in readers:
        c_lost, c_duplicated, c_out_of_order = c.check(last)
        lost, duplicated, out_of_order = lost + c_lost, duplicated + c_duplicated, out_of_order + c_out_of_order
        first_seen: dict[int, float] = {}
        for seq, at in c.received:
            first_seen.setdefault(seq, at)
        latencies.extend((at - committed[seq]) * 1000 for seq, at in first_seen.items() if seq in committed)

    times = sorted(set(committed.values()))
    first_batch = sum(1 for t in committed.values() if t == times[0])
    span = times[-1] - times[0]
    figures["ws_write_rate"] = ((len(committed) - first_batch) / max(span, 1e-9), "steps/s")
    figures["ws_steps_written"] = (len(committed), "count")
    figures["ws_latency_clients"] = (len(readers), "count")
    figures["ws_latency_p50"] = (percentile(latencies, 50), "ms")
    figures["ws_latency_p99"] = (percentile(latencies, 99), "ms")
    figures["ws_latency_max"] = (max(latencies) if latencies else float("nan"), "ms")
    figures["ws_steps_lost"] = (lost, "count")
    figures["ws_steps_duplicated"] = (duplicated, "count")
    figures["ws_steps_out_of_order"] = (out_of_order, "count")
    client_cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    figures["ws_bench_client_cpu"] = (client_cpu / max(span, 1e-9) * 100, "% of one cpu")
    figures["ws_server_cpu_per_1000_steps"] = ((server1 - server0) / len(committed) * 1000, "s")
    return figures


# Figures added up over the rounds (any lost step counts); the others are medians.
TOTALS = {"ws_steps_written", "ws_steps_lost", "ws_steps_duplicated", "ws_steps_out_of_order", "ws_connect_failures"}


def combine(rounds: list[dict[str, tuple[float, str]]]) -> dict[str, tuple[float, str]]:
    """One figure per name: the median over the rounds, or the total for ``TOTALS``."""
    figures: dict[str, tuple[float, str]] = {"ws_rounds": (len(rounds), "count")}
    for name, (_, unit) in rounds[0].items():
        values = [r[name][0] for r in rounds]
        figures[name] = (sum(values) if name in TOTALS else statistics.median(values), unit)
    return figures


async def run(args: argparse.Namespace) -> dict[str, tuple[float, str]]:
    root = Path(tempfile.mkdtemp(prefix="kubeviz-bench-ws-"))
    try:
        server = LiveServer.prepare(root, embedded=True)
        server.new_cluster(name=CLUSTER)
        with server.serving():
            figures = combine([await one_round(args, server) for _ in range(args.rounds)])
        server_log = (root / "daphne.log").read_text(errors="replace")
        figures["ws_server_errors"] = (server_log.count("Traceback"), "count")
        if "Traceback" in server_log:
            print(server_log[-4000:], file=sys.stderr)
        figures["host_load_1min"] = (os.getloadavg()[0], f"load on {os.cpu_count()} cpus")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.websocket", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200, help="clients connected at once (default 200)")
    parser.add_argument("--readers", type=int, default=50, help="clients kept for the latency run (default 50)")
    parser.add_argument("--rate", type=float, default=1000, help="steps written per second (default 1000)")
    parser.add_argument("--seconds", type=float, default=5, help="how long the writer writes (default 5)")
    parser.add_argument("--batch", type=int, default=25, help="steps per transaction (default 25)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds on one server; medians are printed (default 3)")
    parser.add_argument("--writer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.writer:
        writer_main(args.rate, args.seconds, args.batch)
        return
    sys.path.insert(0, str(ROOT))
    print_figures(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
