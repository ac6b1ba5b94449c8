"""Benchmark of the Kubernetes HTTP API: ``python -m bench.kubeapi``.

Starts the server as ``make run`` does (Daphne over HTTPS, SQLite, then the engine
workers) with one cluster whose namespace ``bench`` holds a Deployment of 1,000 running
pods (settled in a separate process before the server starts), then

1. lists those pods as ``kubectl get pods`` does (a Table) and as a plain JSON list,
   ``--requests`` times each on a quiet server (no engine), timed at the client over
   loopback (the whole response, not parsed), with the server process's CPU time per
   request beside it (on a busy host the client's figure includes waiting for a core);
2. sends ``--rate`` mutating requests per second (create, label and delete pods, scale
   a Deployment, relabel it) for ``--seconds``, open loop, timing each one: first with no
   engine running, then ``--runs`` times with the engine live (``--speed`` times real
   time), medians reported. Meanwhile a probe times how long any writer waits for
   SQLite's write lock, which is the engine's share of a request's latency.

Targets (issue 5): the Table list p99 ≤ 200 ms; mutating calls p99 ≤ 50 ms under 20
requests/s of churn while the engine runs. Each figure is printed as ``name: value unit``.
"""
from __future__ import annotations

import argparse
import itertools
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.figures import percentile, print_figures
from tests.liveserver import ClusterHandle, LiveServer

CLUSTER = "bench"
NAMESPACE = "bench"
CHURN_NAMESPACE = "churn"
TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
Figures = dict[str, tuple[float, str]]


# ---- the cluster (a separate process, before the server starts) -------------------------


def populate_main(pods: int, nodes: int) -> None:
    """Create the cluster: ``nodes`` roomy nodes, the namespaces, a Deployment of ``pods``
    replicas in ``bench`` settled until every pod runs, and a small one in ``churn``."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubeviz.settings")
    django.setup()
    from kubeviz.apiserver import registry
    from kubeviz.apiserver.resources import by_plural
    from kubeviz.clusters.services import cluster_create
    from kubeviz.engine.runner import Engine, pause_clock
    from kubeviz.kubelet.registration import node_manifest

    cluster = cluster_create(name=CLUSTER, fixture=None)
    # Long node timings: a worker busy with churn must not have its nodes declared lost.
    cluster.settings = {"nodeMonitorGracePeriod": 3600, "nodeLeaseDurationSeconds": 3600}
    cluster.save(update_fields=["settings"])
    stamp = "2026-01-01T00:00:00Z"
    for i in range(1, nodes + 1):
        registry.create(cluster, by_plural("nodes"), None,
                        node_manifest(name=f"node-{i}", index=i, cpu="64", memory="256Gi", pods=250, now=stamp))
    for ns in (NAMESPACE, CHURN_NAMESPACE):
        registry.create(cluster, by_plural("namespaces"), None, {"metadata": {"name": ns}})
    for ns, name, replicas in ((NAMESPACE, "web", pods), (CHURN_NAMESPACE, "churn", 3)):
        registry.create(cluster, by_plural("deployments"), ns, _deployment(name, replicas))
    pause_clock(cluster)
    engine = Engine(cluster)

    def all_running() -> bool:
        if engine.actions % 100:
            return False
        return sum(1 for p in engine.cache.iter("pods") if (p.get("status") or {}).get("phase") == "Running") >= pods + 3

    engine.settle(until=all_running, horizon=3600)


def _deployment(name: str, replicas: int) -> dict:
    return {
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                {"name": "nginx", "image": "nginx:1.27", "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}},
            ]}},
        },
    }


# ---- 1. listing --------------------------------------------------------------------------


def _timed_gets(session: requests.Session, url: str, accept: str, count: int) -> tuple[list[float], int]:
    """``count`` sequential GETs; returns their times in ms and the last body's size."""
    times, size = [], 0
    for _ in range(count):
        t0 = time.perf_counter()
        r = session.get(url, headers={"Accept": accept})
        body = r.content
        times.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
        size = len(body)
    return times, size


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def list_figures(handle: ClusterHandle, count: int, pods: int) -> Figures:
    """Client-side times, and the server's CPU per request: on a busy host the first
    includes waiting for a core, the second does not."""
    session = handle.session()
    url = f"{handle.api}/api/v1/namespaces/{NAMESPACE}/pods"
    daphne = handle.server.processes["daphne"].pid
    figures: Figures = {}
    for name, accept in (("table", TABLE_ACCEPT), ("json", "application/json")):
        _timed_gets(session, url, accept, 3)  # warm: connections, caches, imports
        cpu = _cpu_seconds(daphne)
        times, size = _timed_gets(session, url, accept, count)
        cpu = _cpu_seconds(daphne) - cpu
        figures[f"kubeapi_list_{pods}_pods_{name}_p50"] = (percentile(times, 50), "ms")
        figures[f"kubeapi_list_{pods}_pods_{name}_p99"] = (percentile(times, 99), "ms")
        figures[f"kubeapi_list_{pods}_pods_{name}_server_cpu_mean"] = (cpu / count * 1000, "ms")
        figures[f"kubeapi_list_{pods}_pods_{name}_bytes"] = (size, "bytes")
    if shutil.which("kubectl"):
        handle.kubectl("get", "pods", "-n", NAMESPACE)  # fills kubectl's discovery cache
        walls = []
        for _ in range(5):
            t0 = time.perf_counter()
            out = handle.kubectl("get", "pods", "-n", NAMESPACE).stdout
            walls.append((time.perf_counter() - t0) * 1000)
        assert out.count("\n") == pods + 1, f"kubectl did not list {pods} pods"
        figures[f"kubectl_get_{pods}_pods_wall_p50"] = (statistics.median(walls), "ms")
    return figures


# ---- 2. churn ----------------------------------------------------------------------------


class Churn:
    """Mutating requests in a fixed rotation: create a pod, scale the Deployment, relabel
    it, relabel the newest pod, delete the oldest. A pod is relabelled or deleted only
    once its creation has answered, so no request fails for being early."""

    def __init__(self, handle: ClusterHandle, tag: str):
        self.handle = handle
        self.tag = tag
        self.local = threading.local()
        self.lock = threading.Lock()
        self.created: deque[str] = deque()
        self.count = itertools.count()
        self.ns = f"{handle.api}/api/v1/namespaces/{CHURN_NAMESPACE}"
        self.deploy = f"{handle.api}/apis/apps/v1/namespaces/{CHURN_NAMESPACE}/deployments/churn"

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = self.handle.session()
        return self.local.session

    def create_pod(self) -> requests.Response:
        name = f"churn-{self.tag}-{next(self.count)}"
        r = self.session().post(f"{self.ns}/pods", json={
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"churn": self.tag}},
            "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]},
        })
        if r.ok:
            with self.lock:
                self.created.append(name)
        return r

    def label_pod(self) -> requests.Response:
        with self.lock:
            name = self.created[-1] if self.created else None
        if name is None:
            return self.create_pod()
        return self.session().patch(f"{self.ns}/pods/{name}", headers={"Content-Type": "application/strategic-merge-patch+json"},
                                    json={"metadata": {"labels": {"round": str(next(self.count))}}})

    def delete_pod(self) -> requests.Response:
        with self.lock:
            name = self.created.popleft() if len(self.created) > 5 else None
        if name is None:
            return self.create_pod()
        return self.session().delete(f"{self.ns}/pods/{name}")

    def scale_deployment(self) -> requests.Response:
        return self.session().patch(f"{self.deploy}/scale", headers={"Content-Type": "application/merge-patch+json"},
                                    json={"spec": {"replicas": 3 + next(self.count) % 5}})

    def label_deployment(self) -> requests.Response:
        return self.session().patch(self.deploy, headers={"Content-Type": "application/merge-patch+json"},
                                    json={"metadata": {"labels": {"round": str(next(self.count))}}})

    def ops(self) -> Iterator[tuple[str, Callable[[], requests.Response]]]:
        rotation = (self.create_pod, self.scale_deployment, self.label_deployment, self.label_pod, self.delete_pod)
        return ((op.__name__, op) for op in itertools.cycle(rotation))

    def run(self, rate: float, seconds: float) -> tuple[list[float], dict[str, list[float]], int]:
        """Open loop: request k is sent at ``k / rate`` s whatever the earlier ones take.
        Returns all latencies (ms), latencies by operation, and the failures."""
        latencies: list[float] = []
        by_op: dict[str, list[float]] = {}
        failures = 0
        lock = threading.Lock()

        def send(name: str, call: Callable[[], requests.Response]) -> None:
            nonlocal failures
            t0 = time.perf_counter()
            r = call()
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if r.status_code >= 400:
                    failures += 1
                    print(f"# {name}: {r.status_code} {r.text[:200]}", file=sys.stderr)
                    return
                latencies.append(ms)
                by_op.setdefault(name, []).append(ms)

        total = int(rate * seconds)
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=16) as pool:
            for k, (name, call) in zip(range(total), self.ops(), strict=False):
                delay = start + k / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(send, name, call)
        return latencies, by_op, failures


def baseline_figures(handle: ClusterHandle, args: argparse.Namespace) -> Figures:
    """The same churn with no engine running: what the API server alone costs, so the
    difference under the engine is its share (mostly waits for SQLite's write lock)."""
    with LockProbe(handle.server.root / "db.sqlite3") as probe:
        latencies, _, failed = Churn(handle, "base").run(args.rate, args.seconds)
    print(f"# churn without the engine: {len(latencies)} requests, {failed} failed", file=sys.stderr)
    return {
        "kubeapi_mutating_p50_no_engine": (percentile(latencies, 50), "ms"),
        "kubeapi_mutating_p99_no_engine": (percentile(latencies, 99), "ms"),
        "sqlite_write_lock_wait_p99_no_engine": (percentile(probe.waits, 99), "ms"),
    }


class LockProbe:
    """Measures what any writer waits for SQLite's write lock: every ``interval`` s a
    connection of its own opens BEGIN IMMEDIATE (as Django's transactions do) and rolls
    back at once. Its waits are the lock's share of a mutating request's latency."""

    def __init__(self, db: Path, interval: float = 0.05):
        self.db, self.interval = db, interval
        self.waits: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        conn = sqlite3.connect(self.db, timeout=30, isolation_level=None)
        try:
            while not self.stop.wait(self.interval):
                t0 = time.perf_counter()
                conn.execute("BEGIN IMMEDIATE")
                self.waits.append((time.perf_counter() - t0) * 1000)
                conn.execute("ROLLBACK")
        finally:
            conn.close()

    def __enter__(self) -> LockProbe:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def churn_figures(handle: ClusterHandle, args: argparse.Namespace) -> Figures:
    p50s, p99s, failures = [], [], 0
    by_op_all: dict[str, list[float]] = {}
    lock_waits: list[float] = []
    for run in range(args.runs):
        with LockProbe(handle.server.root / "db.sqlite3") as probe:
            latencies, by_op, failed = Churn(handle, f"r{run}").run(args.rate, args.seconds)
        lock_waits.extend(probe.waits)
        failures += failed
        p50s.append(percentile(latencies, 50))
        p99s.append(percentile(latencies, 99))
        for name, values in by_op.items():
            by_op_all.setdefault(name, []).extend(values)
        print(f"# churn run {run + 1}: {len(latencies)} requests, p50 {p50s[-1]:.1f} ms, "
              f"p99 {p99s[-1]:.1f} ms, max {max(latencies):.1f} ms, {failed} failed", file=sys.stderr)
    figures: Figures = {
        "kubeapi_mutating_p50_under_churn": (statistics.median(p50s), "ms"),
        "kubeapi_mutating_p99_under_churn": (statistics.median(p99s), "ms"),
        "kubeapi_churn_rate": (args.rate, "requests/s"),
        "kubeapi_churn_failures": (failures, "count"),
        "sqlite_write_lock_wait_p50_under_churn": (percentile(lock_waits, 50), "ms"),
        "sqlite_write_lock_wait_p99_under_churn": (percentile(lock_waits, 99), "ms"),
    }
    for name, values in sorted(by_op_all.items()):
        figures[f"kubeapi_{name}_p99_under_churn"] = (percentile(values, 99), "ms")
    return figures


def _engine_is_running(handle: ClusterHandle, timeout: float = 120) -> None:
    """Wait until the workers' engine has listed the cluster and acts on it (a step from
    a component other than the client)."""
    after = handle.last_seq()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(s["source"] != "client" for s in handle.steps(after)):
            return
        time.sleep(0.5)
    raise RuntimeError("the engine workers did not start on the cluster")


# ---- main --------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> Figures:
    root = Path(tempfile.mkdtemp(prefix="kubeviz-bench-kubeapi-"))
    try:
        server = LiveServer.prepare(root, embedded=True)
        if args.db_from:
            shutil.copyfile(args.db_from, root / "db.sqlite3")
        else:
            subprocess.run(
                [sys.executable, "-m", "bench.kubeapi", "--populate", "--pods", str(args.pods), "--nodes", str(args.nodes)],
                cwd=Path(__file__).resolve().parent.parent, env=server.env, check=True, timeout=1800,
            )
        if args.db_to:
            shutil.copyfile(root / "db.sqlite3", args.db_to)
        handle = server.cluster(CLUSTER)
        with server.serving():
            figures = list_figures(handle, args.requests, args.pods)
            figures.update(baseline_figures(handle, args))
        with server.serving(workers=True):
            handle.clock(mode="live", speed=args.speed)
            _engine_is_running(handle)
            figures.update(churn_figures(handle, args))
        logs = "".join((root / f"{name}.log").read_text(errors="replace") for name in ("daphne", "workers"))
        figures["kubeapi_server_errors"] = (logs.count("Traceback"), "count")
        if "Traceback" in logs:
            print(logs[-4000:], file=sys.stderr)
        figures["host_load_1min"] = (os.getloadavg()[0], f"load on {os.cpu_count()} cpus")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.kubeapi", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", type=int, default=1000, help="pods in the listed namespace (default 1000)")
    parser.add_argument("--nodes", type=int, default=5, help="nodes they run on (default 5)")
    parser.add_argument("--requests", type=int, default=50, help="timed lists of each kind (default 50)")
    parser.add_argument("--rate", type=float, default=20, help="mutating requests per second (default 20)")
    parser.add_argument("--seconds", type=float, default=20, help="length of one churn run (default 20)")
    parser.add_argument("--runs", type=int, default=3, help="churn runs; medians are reported (default 3)")
    parser.add_argument("--speed", type=float, default=10, help="simulated seconds per real second (default 10)")
    parser.add_argument("--db-to", help="also save the populated database here (to rerun with --db-from)")
    parser.add_argument("--db-from", help="start from this populated database instead of populating one")
    parser.add_argument("--populate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.populate:
        populate_main(args.pods, args.nodes)
        return
    print_figures(run(args))


if __name__ == "__main__":
    main()
