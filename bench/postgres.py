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
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench.figures import percentile, print_figures
from bench.websocket import CLUSTER, _connect, _write
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


async def fanout(server: LiveServer, args: argparse.Namespace) -> dict[str, tuple[float, str]]:
    urls = [f"{http.replace('http://', 'ws://')}/ws/clusters/{CLUSTER}/steps/" for http in server.http_all]
    connected = await asyncio.gather(*(
        _connect(urls[i % len(urls)], server.http_all[i % len(urls)]) for i in range(args.clients)))
    clients = [c for c in connected if c is not None]
    tasks = [asyncio.create_task(c.read()) for c in clients]
    writer = argparse.Namespace(rate=args.rate, seconds=args.seconds, batch=25)
    committed = await _write(writer, server.env)
    last = max(committed)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(not c.received or c.received[-1][0] < last for c in clients):
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    await asyncio.gather(*(c.ws.close() for c in clients))
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies, lost, duplicated = [], 0, 0
    for c in clients:
        c_lost, c_dup, _ = c.check(last)
        lost, duplicated = lost + c_lost, duplicated + c_dup
        first: dict[int, float] = {}
        for seq, at in c.received:
            first.setdefault(seq, at)
        latencies.extend((at - committed[seq]) * 1000 for seq, at in first.items() if seq in committed)
    return {
        "fanout_daphnes": (len(urls), "count"),
        "fanout_clients": (len(clients), f"of {args.clients} connected"),
        "fanout_steps_written": (len(committed), "count"),
        "fanout_latency_p50": (percentile(latencies, 50), "ms"),
        "fanout_latency_p99": (percentile(latencies, 99), "ms"),
        "fanout_steps_lost": (lost, "count"),
        "fanout_steps_duplicated": (duplicated, "count"),
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
