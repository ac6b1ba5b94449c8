"""Engine benchmarks (issue: "The cluster comes alive"): settle mode, SQLite, every step
and event recorded. Prints ``name: value unit`` lines.

- deploy_1000_on_100_nodes: a Deployment of 1,000 replicas on 100 nodes, creation to
  every pod Running, in pods/s (target ≥ 270, kube-scheduler's SchedulingBasic threshold);
- pods_10000_on_1000_nodes_running: 10,000 pods on 1,000 nodes, how long until all
  Running (kwok's gate: 60 s); ``--quick`` runs a tenth of it;
- peak memory per 1,000 pods: growth of the process's peak resident set during the run
  (tracemalloc would slow the run itself threefold). Each run is a process of its own, so
  that one run's freed memory does not hide the next one's growth.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup_django(db_path: str) -> None:
    os.environ["KUBEVIZ_SQLITE_PATH"] = db_path
    # The site's cap on pods per cluster (500) is a policy for sandboxes; this measures the
    # engine, whose runs hold up to 10,000 pods.
    os.environ["KUBEVIZ_MAX_PODS_PER_CLUSTER"] = "100000"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubeviz.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from kubeviz.engine import gctune

    gctune.tune()  # as the engine's worker process does (runworkers)


def _rss_kib(field: str) -> int:
    """VmRSS or VmHWM (peak) of this process from /proc, in KiB (0 where unavailable)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak() -> None:
    """Start VmHWM afresh at the current RSS (Linux: write 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


class RunningPods:
    """The stopwatch's eye: a component that only watches, keeping the uids of the pods
    that are Running as their changes go by (counting them by listing the cache after
    every action would cost the benchmark a tenth of its own time at 10,000 pods)."""

    name = actor = "bench/running-pods"
    watches = ("pods",)

    def __init__(self) -> None:
        self.running: set[str] = set()

    def handle(self, cache: object, plural: str, event: str, obj: dict, old: dict | None) -> tuple[str, ...]:
        uid = obj["metadata"].get("uid", "")
        if event != "DELETED" and (obj.get("status") or {}).get("phase") == "Running":
            self.running.add(uid)
        else:
            self.running.discard(uid)
        return ()

    def sync(self, cache: object, api: object, key: str) -> None:
        return None


def _run(name: str, nodes: int, replicas: int) -> tuple[float, int, float]:
    """Create a cluster of ``nodes`` nodes, a Deployment of ``replicas``, settle until all
    pods run. Returns (seconds, steps recorded, peak MiB)."""
    from kubeviz.apiserver import registry
    from kubeviz.apiserver.resources import by_plural
    from kubeviz.clusters.services import cluster_create
    from kubeviz.engine.runner import Engine, default_components, pause_clock
    from kubeviz.flow.models import Step
    from kubeviz.kubelet.registration import node_manifest

    cluster = cluster_create(name=name, fixture=None)
    cluster.settings = {"nodeMonitorGracePeriod": 3600, "nodeLeaseDurationSeconds": 3600}
    cluster.save(update_fields=["settings"])
    stamp = "2026-01-01T00:00:00Z"
    for i in range(1, nodes + 1):
        registry.create(cluster, by_plural("nodes"), None,
                        node_manifest(name=f"node-{i}", index=i % 250 + 1, cpu="32", memory="128Gi", pods=110, now=stamp))
    pause_clock(cluster)
    counter = RunningPods()
    engine = Engine(cluster, [*default_components(cluster), counter])
    engine.settle(horizon=1)  # the engine starts: informers list, leases are taken
    before = Step.objects.filter(cluster=cluster).count()
    _reset_peak()
    rss_before = _rss_kib("VmRSS")
    started = time.perf_counter()
    registry.create(cluster, by_plural("deployments"), "default", {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                {"name": "nginx", "image": "nginx:1.27", "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}},
            ]}},
        },
    })

    engine.settle(until=lambda: len(counter.running) >= replicas, horizon=3600)
    elapsed = time.perf_counter() - started
    if len(counter.running) < replicas:
        # settle() ran out of work first: a figure now would be for fewer pods than it says
        raise SystemExit(f"only {len(counter.running)} of {replicas} pods are Running: the run measured nothing")
    peak = max(0, _rss_kib("VmHWM") - rss_before) * 1024
    steps = Step.objects.filter(cluster=cluster).count() - before
    return elapsed, steps, peak / 2**20


def _one(nodes: int, pods: int) -> tuple[float, int, float]:
    """One run in a fresh process (so that its peak memory is its own): (seconds, steps, peak MiB)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.engine", "--one", str(nodes), str(pods)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout
    seconds, steps, peak = json.loads(out.strip().splitlines()[-1])
    return seconds, steps, peak


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1,000 pods on 1,000 nodes instead of 10,000")
    parser.add_argument("--one", nargs=2, type=int, metavar=("NODES", "PODS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        with tempfile.TemporaryDirectory() as tmp:
            _setup_django(os.path.join(tmp, "bench.sqlite3"))
            nodes, pods = args.one
            print(json.dumps(_run("bench", nodes, pods)))
        return
    rates, mems = [], []
    for run in range(args.runs):
        seconds, steps, peak = _one(100, 1000)
        rates.append(1000 / seconds)
        mems.append(peak)
        print(f"# run {run + 1}: 1,000 pods Running in {seconds:.1f} s, {steps} steps recorded, "
              f"peak memory +{peak:.1f} MiB", file=sys.stderr)
    print(f"deploy_1000_on_100_nodes: {statistics.median(rates):.1f} pods/s", flush=True)
    print(f"peak_memory_per_1000_pods: {statistics.median(mems):.1f} MiB", flush=True)
    pods = 1_000 if args.quick else 10_000
    times = []
    for run in range(args.runs):
        seconds, steps, peak = _one(1000, pods)
        times.append(seconds)
        print(f"# run {run + 1}: {pods:,} pods on 1,000 nodes Running in {seconds:.1f} s, {steps} steps recorded, "
              f"peak memory +{peak:.1f} MiB", file=sys.stderr)
    print(f"pods_{pods}_on_1000_nodes_running: {statistics.median(times):.1f} s", flush=True)


if __name__ == "__main__":
    main()
