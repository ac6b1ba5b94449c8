"""Sandbox lifecycle benchmarks, in-process on SQLite: making a sandbox from ``demo`` (p50,
p99 over 50, and whether its nodes are Ready at once), and deleting a cluster of 100 pods
and 5,000 steps while another cluster keeps writing (the delete goes in short
transactions so that writer never waits long: the target is under 100 ms). Prints
``name: value unit`` lines."""
from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time

from bench.engine import _setup_django


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _ready(node: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in node.get("status", {}).get("conditions", []))


def bench_create(runs: int) -> None:
    from kubeviz.accounts.roles import Identity
    from kubeviz.apiserver import registry
    from kubeviz.clusters.services import cluster_delete, sandbox_create

    times, ready, total = [], 0, 0
    made = []
    for _ in range(runs):
        started = time.perf_counter()
        cluster = sandbox_create(identity=Identity(guest="bench"), template="demo")
        times.append((time.perf_counter() - started) * 1000)
        nodes = registry.objects(cluster, "nodes")
        ready += sum(_ready(n) for n in nodes)
        total += len(nodes)
        made.append(cluster)
    print(f"sandbox_create_demo_p50: {statistics.median(times):.1f} ms")
    print(f"sandbox_create_demo_p99: {_percentile(times, 0.99):.1f} ms")
    print(f"sandbox_create_demo_nodes_ready: {ready}/{total} nodes")
    for cluster in made:
        cluster_delete(cluster=cluster)


def _big_cluster(name: str, pods: int, steps: int):
    from django.db import transaction

    from kubeviz.accounts.roles import Identity
    from kubeviz.apiserver import registry
    from kubeviz.apiserver.resources import by_plural
    from kubeviz.clusters.services import sandbox_create
    from kubeviz.flow.models import Step

    cluster = sandbox_create(identity=Identity(guest="bench"), template="demo", name=name)
    with transaction.atomic():
        for i in range(pods):
            registry.create(cluster, by_plural("pods"), "default", {
                "metadata": {"name": f"pod-{i}", "namespace": "default"},
                "spec": {"nodeName": f"node-{i % 3 + 1}", "containers": [{"name": "main", "image": "nginx"}]},
            })
        start = Step.objects.filter(cluster=cluster).count()
        Step.objects.bulk_create([
            Step(cluster=cluster, seq=start + i + 1, source="kubelet/node-1", target="apiserver", action="update status",
                 message="the kubelet reported pod status", time=cluster.sim_time, category="flow")
            for i in range(steps)
        ], batch_size=1000)
    return cluster


def bench_delete(pods: int, steps: int) -> None:
    from django.db import close_old_connections, connection

    from kubeviz.accounts.roles import Identity
    from kubeviz.apiserver import registry
    from kubeviz.apiserver.resources import by_plural
    from kubeviz.clusters.services import cluster_delete, sandbox_create

    big = _big_cluster("big-one", pods, steps)
    other = sandbox_create(identity=Identity(guest="bench"), template="single-node", name="other")
    stalls: list[float] = []
    stop = threading.Event()

    def writer() -> None:
        i = 0
        try:
            while not stop.is_set():
                started = time.perf_counter()
                registry.create(other, by_plural("configmaps"), "default", {"metadata": {"name": f"cm-{i}"}})
                stalls.append((time.perf_counter() - started) * 1000)
                i += 1
                time.sleep(0.002)
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(0.2)
    started = time.perf_counter()
    cluster_delete(cluster=big)
    took = (time.perf_counter() - started) * 1000
    time.sleep(0.1)
    stop.set()
    thread.join()
    print(f"cluster_delete_{pods}_pods_{steps}_steps: {took:.1f} ms")
    print(f"cluster_delete_concurrent_writer_longest_wait: {max(stalls):.1f} ms")
    print(f"cluster_delete_concurrent_writer_p50: {statistics.median(stalls):.1f} ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--pods", type=int, default=100)
    parser.add_argument("--steps", type=int, default=5000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        from django.conf import settings

        settings.KUBEVIZ_SANDBOXES_PER_LEARNER = 10**6
        bench_create(args.runs)
        bench_delete(args.pods, args.steps)


if __name__ == "__main__":
    main()
