"""How long the dashboard's time travel takes to read a past step (``GET .../history/?at=``).

A Deployment of ``--replicas`` pods on the demo cluster runs to all Running in settle mode,
then is scaled to a third. The history read is timed (median of ``--runs``) at the newest
step, at the step when all pods ran, and at the step before the Deployment was created: the
further back, the more of the change log is folded back. Prints ``name: value unit``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from bench.engine import _setup_django
from bench.figures import print_figures


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.timetravel")
    parser.add_argument("--replicas", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(os.path.join(tmp, "timetravel.sqlite3"))
        from kubeviz.apiserver import registry
        from kubeviz.apiserver.resources import by_plural
        from kubeviz.clusters.models import Cluster
        from kubeviz.clusters.services import cluster_create
        from kubeviz.engine.runner import Engine, pause_clock
        from kubeviz.etcd.models import Change
        from kubeviz.live.history import history_at

        cluster = cluster_create(name="travel", fixture="demo")
        pause_clock(cluster)
        engine = Engine(cluster)
        labels = {"app": "web"}
        seqs = {"before_create": Cluster.objects.get(pk=cluster.pk).step_seq}
        registry.create(cluster, by_plural("deployments"), "default", {
            "metadata": {"name": "web"},
            "spec": {"replicas": args.replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}})
        engine.settle(horizon=120)
        seqs["all_running"] = Cluster.objects.get(pk=cluster.pk).step_seq
        registry.patch(cluster, by_plural("deployments"), "default", "web", "application/merge-patch+json",
                       {"spec": {"replicas": max(1, args.replicas // 3)}})
        engine.settle(horizon=120)
        seqs["newest"] = Cluster.objects.get(pk=cluster.pk).step_seq
        figures: dict[str, tuple[float, str]] = {
            "timetravel_change_log_rows": (Change.objects.filter(cluster=cluster).count(), "rows"),
        }
        for label, seq in seqs.items():
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                history_at(cluster, at=seq)
                times.append((time.perf_counter() - started) * 1000)
            figures[f"timetravel_read_{args.replicas}_pods_at_{label}"] = (statistics.median(times), "ms")
    print_figures(figures)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
