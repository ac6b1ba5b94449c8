"""Benchmark of the steps websocket: ``python -m bench.websocket``.

Starts Daphne in a subprocess with a fresh SQLite database (the embedded default: no
Redis, Channels' in-memory layer), creates a cluster, then

1. connects 200 websocket clients at once and times until every one has its snapshot;
2. keeps 50 of them while a SEPARATE process (``--writer``, a small Django script, as the
   engine worker would be) records steps with ``kubeviz.flow.services.step_record`` in
   transactions of ``--batch`` steps at ``--rate`` steps/s, noting each transaction's
   wall-clock commit time;
3. reports commit-to-client latency (receipt time minus commit time, same host clock)
   and checks that every client got every step exactly once, in order.

Each figure is printed on its own line as ``name: value unit``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = "bench"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# ---- the server --------------------------------------------------------------------------


@contextmanager
def daphne_server(root: Path):
    """Daphne serving kubeviz on a free port, with its own SQLite database (as
    ``live_server_kv`` in tests/conftest.py, HTTP only)."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kubeviz.settings",
        "KUBEVIZ_SQLITE_PATH": str(root / "db.sqlite3"),
        "KUBEVIZ_TLS_DIR": str(root / "tls"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)

    def manage(*args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                       capture_output=True, text=True, timeout=300)

    manage("migrate", "--noinput")
    manage("loadfixture", "demo", "--name", CLUSTER)
    daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
    log = open(root / "daphne.log", "w")
    proc = subprocess.Popen(
        [daphne, "-e", f"tcp:port={port}:interface=127.0.0.1", "kubeviz.asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/clusters/", timeout=1) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("daphne did not start: " + (root / "daphne.log").read_text())
            time.sleep(0.2)
        yield port, env
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


# ---- the writer (a separate process) -----------------------------------------------------


def writer_main(rate: float, seconds: float, batch: int) -> None:
    """Record steps at ``rate``/s in transactions of ``batch``; print one JSON line per
    transaction: its first and last seq and its wall-clock commit time."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubeviz.settings")
    django.setup()
    from django.db import transaction

    from kubeviz.etcd.models import Cluster
    from kubeviz.flow.services import step_record

    cluster = Cluster.objects.get(name=CLUSTER)
    total = int(rate * seconds)
    out = sys.stdout
    start = time.monotonic()
    for k, first in enumerate(range(0, total, batch)):
        due = start + first / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        with transaction.atomic():
            seqs = []
            for i in range(first, min(first + batch, total)):
                step = step_record(
                    cluster=cluster, source="client", target="apiserver", action="bench", category="bench",
                    message=f"bench step {i} of batch {k}, written at {time.time():.6f}",
                )
                seqs.append(step.seq)
        committed = time.time()  # the transaction has committed: the step is visible now
        out.write(json.dumps({"first": seqs[0], "last": seqs[-1], "t": committed}) + "\n")
    out.flush()


# ---- the clients -------------------------------------------------------------------------


class Client:
    def __init__(self, ws):
        self.ws = ws
        self.snapshot_seq = 0
        self.received: list[tuple[int, float]] = []
        self.messages = 0

    async def read(self, stop: asyncio.Event) -> None:
        async for raw in self.ws:
            now = time.time()
            self.messages += 1
            message = json.loads(raw)
            if message["type"] == "steps":
                for s in message["steps"]:
                    self.received.append((s["seq"], now))
            if stop.is_set():
                return


async def _connect(url: str, origin: str) -> Client:
    from websockets.asyncio.client import connect

    ws = await connect(url, origin=origin, open_timeout=120, ping_interval=None, max_size=2**24)
    client = Client(ws)
    snapshot = json.loads(await ws.recv())
    assert snapshot["type"] == "snapshot", snapshot
    client.snapshot_seq = snapshot["seq"]
    return client


async def run(args: argparse.Namespace) -> dict[str, tuple[float, str]]:
    root = Path(tempfile.mkdtemp(prefix="kubeviz-bench-ws-"))
    figures: dict[str, tuple[float, str]] = {}
    try:
        with daphne_server(root) as (port, env):
            url = f"ws://127.0.0.1:{port}/ws/clusters/{CLUSTER}/steps/"
            origin = f"http://127.0.0.1:{port}"

            t0 = time.perf_counter()
            clients = await asyncio.gather(*(_connect(url, origin) for _ in range(args.clients)))
            figures[f"ws_connect_{args.clients}_clients"] = (time.perf_counter() - t0, "s")

            readers, extra = clients[: args.readers], clients[args.readers:]
            await asyncio.gather(*(c.ws.close() for c in extra))

            stop = asyncio.Event()
            tasks = [asyncio.create_task(c.read(stop)) for c in readers]
            cpu0 = resource.getrusage(resource.RUSAGE_SELF)
            writer = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.websocket", "--writer",
                "--rate", str(args.rate), "--seconds", str(args.seconds), "--batch", str(args.batch),
                cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            out, err = await writer.communicate()
            if writer.returncode != 0:
                raise RuntimeError("writer failed: " + err.decode())
            batches = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
            committed: dict[int, float] = {}
            for b in batches:
                for seq in range(b["first"], b["last"] + 1):
                    committed[seq] = b["t"]
            last = max(committed)

            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and any(
                not c.received or c.received[-1][0] < last for c in readers
            ):
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # let any duplicate show up
            stop.set()
            cpu1 = resource.getrusage(resource.RUSAGE_SELF)
            await asyncio.gather(*(c.ws.close() for c in readers))
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

            expected = sorted(committed)
            span = batches[-1]["t"] - batches[0]["t"]
            latencies, lost, duplicated, out_of_order = [], 0, 0, 0
            for c in readers:
                seqs = [seq for seq, _ in c.received if seq in committed]
                got = {}
                for seq, at in c.received:
                    if seq in committed and seq not in got:
                        got[seq] = at
                lost += len(expected) - len(got)
                duplicated += len(seqs) - len(got)
                out_of_order += sum(1 for a, b in zip(seqs, seqs[1:], strict=False) if b <= a)
                latencies.extend((at - committed[seq]) * 1000 for seq, at in got.items())

            first_batch = batches[0]["last"] - batches[0]["first"] + 1
            figures["ws_write_rate"] = ((len(expected) - first_batch) / span, "steps/s")
            figures["ws_steps_written"] = (len(expected), "count")
            figures["ws_latency_clients"] = (len(readers), "count")
            figures["ws_latency_p50"] = (_percentile(latencies, 50), "ms")
            figures["ws_latency_p99"] = (_percentile(latencies, 99), "ms")
            figures["ws_latency_max"] = (max(latencies) if latencies else float("nan"), "ms")
            figures["ws_steps_lost"] = (lost, "count")
            figures["ws_steps_duplicated"] = (duplicated, "count")
            figures["ws_steps_out_of_order"] = (out_of_order, "count")
            client_cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
            figures["ws_bench_client_cpu"] = (client_cpu / max(span, 1e-9) * 100, "%")
        server_log = (root / "daphne.log").read_text(errors="replace")
        figures["ws_server_errors"] = (server_log.count("Traceback"), "count")
        if "Traceback" in server_log:
            print(server_log[-4000:], file=sys.stderr)
        figures["host_load_1min"] = (os.getloadavg()[0], f"load on {os.cpu_count()} cpus")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return figures


def _format(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 1:
        return str(int(value))
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.1f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.websocket", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200, help="clients connected at once (default 200)")
    parser.add_argument("--readers", type=int, default=50, help="clients kept for the latency run (default 50)")
    parser.add_argument("--rate", type=float, default=1000, help="steps written per second (default 1000)")
    parser.add_argument("--seconds", type=float, default=5, help="how long the writer writes (default 5)")
    parser.add_argument("--batch", type=int, default=10, help="steps per transaction (default 10)")
    parser.add_argument("--writer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.writer:
        writer_main(args.rate, args.seconds, args.batch)
        return
    sys.path.insert(0, str(ROOT))
    figures = asyncio.run(run(args))
    for name, (value, unit) in figures.items():
        print(f"{name}: {_format(value)} {unit}")


if __name__ == "__main__":
    main()
