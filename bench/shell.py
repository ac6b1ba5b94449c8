"""The simulated shell's cost (issue 18). Prints ``name: value unit``.

- echo_loop_300_pods_cpu_at_1x: 300 pods each running ``while true; do echo …; sleep 1;
  done`` on 10 nodes (every component, SQLite, settle mode). Once they all run, the
  engine simulates ``--seconds`` more; the process CPU time it took, divided by those
  simulated seconds, is the share of one core the cluster costs at 1× (target ≤ 10%);
- shell_steps_per_second: the interpreter alone, steps of that loop pulled per second.

Medians of ``--runs`` runs (default 3), each in a fresh database.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from bench.engine import _setup_django

PODS = 300
NODES = 10
SCRIPT = 'i=0; while true; do echo "tick $i from $HOSTNAME"; i=$((i+1)); sleep 1; done'


def _cluster_cpu(seconds: float) -> float:
    from kubeviz.apiserver import registry
    from kubeviz.apiserver.resources import by_plural
    from kubeviz.clusters.services import cluster_create
    from kubeviz.engine.runner import Engine, pause_clock
    from kubeviz.kubelet.registration import node_manifest

    cluster = cluster_create(name=f"shell-{time.monotonic_ns()}", fixture=None)
    cluster.settings = {"nodeMonitorGracePeriod": 3600, "nodeLeaseDurationSeconds": 3600}
    cluster.save(update_fields=["settings"])
    for i in range(1, NODES + 1):
        registry.create(cluster, by_plural("nodes"), None, node_manifest(name=f"node-{i}", index=i, cpu="32", memory="128Gi",
                                                                        pods=110, now="2026-01-01T00:00:00Z"))
    labels = {"app": "ticker"}
    registry.create(cluster, by_plural("deployments"), "default", {"metadata": {"name": "ticker"}, "spec": {
        "replicas": PODS, "selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": {
            "containers": [{"name": "tick", "image": "busybox:1.36", "command": ["sh", "-c", SCRIPT],
                            "resources": {"requests": {"cpu": "10m", "memory": "8Mi"}}}]}}}})
    pause_clock(cluster)
    engine = Engine(cluster)
    engine.settle(horizon=30)
    running = sum(1 for p in registry.objects(cluster, "pods", "default") if (p.get("status") or {}).get("phase") == "Running")
    assert running == PODS, f"{running} of {PODS} pods running"
    start = time.process_time()
    engine.settle(horizon=seconds)
    return (time.process_time() - start) / seconds


def _steps_per_second() -> float:
    from kubeviz.runtime.shell import Context, Run

    run = Run(Context(), ["sh", "-c", SCRIPT])
    start = time.perf_counter()
    run.advance(20_000)
    return len(run.lines) * 2 / (time.perf_counter() - start)  # an echo and a sleep per line


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60.0, help="simulated seconds measured")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        shares = [_cluster_cpu(args.seconds) for _ in range(args.runs)]
        steps = [_steps_per_second() for _ in range(args.runs)]
    print(f"echo_loop_300_pods_cpu_at_1x: {statistics.median(shares) * 100:.1f} %core")
    print(f"shell_steps_per_second: {statistics.median(steps):.0f} steps/s")


if __name__ == "__main__":
    main()
