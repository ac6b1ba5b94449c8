"""Database growth of an idle cluster (issue: bounded history). Prints ``name: value unit``.

The demo cluster (three nodes, their heartbeats) with a Deployment of two chatty
containers (a line a second) runs for ``--hours`` simulated hours in settle mode with the
default limits (step retention, compaction every 5 simulated minutes, log rotation). The
figures are the growth of the database (its pages, after a checkpoint) and of each table
per simulated hour over the last ``--hours // 2`` hours; zero growth means the limits are
reached and history stays flat. ``--steps N`` sets KUBEVIZ_STEP_RETENTION for the run
(classrooms keep the default, 20,000; a small value shows the steady state sooner).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

from bench.engine import _setup_django
from bench.figures import print_figures

#: two containers writing a line a second
CHATTY_COMMAND = ["sh", "-c", "while true; do date; sleep 1; done"]


def _measure(cluster) -> dict[str, int]:
    from django.db import connection

    from kubeviz.etcd.models import Change
    from kubeviz.flow.models import Step
    from kubeviz.runtime.models import LogLine

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA freelist_count")
        free = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        size = cursor.fetchone()[0]
    return {
        "bytes": (pages - free) * size,
        "steps": Step.objects.filter(cluster=cluster).count(),
        "changes": Change.objects.filter(cluster=cluster).count(),
        "log_lines": LogLine.objects.filter(file__cluster=cluster).count(),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.history")
    parser.add_argument("--hours", type=int, default=8)
    parser.add_argument("--steps", type=int, default=None, help="KUBEVIZ_STEP_RETENTION for this run")
    args = parser.parse_args(argv)
    if args.steps is not None:
        os.environ["KUBEVIZ_STEP_RETENTION"] = str(args.steps)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(os.path.join(tmp, "history.sqlite3"))
        from kubeviz.apiserver import registry
        from kubeviz.apiserver.resources import by_plural
        from kubeviz.clusters.services import cluster_create
        from kubeviz.engine.runner import Engine, pause_clock
        from tests.web.helpers import deployment

        cluster = cluster_create(name="idle", fixture="demo")
        registry.create(cluster, by_plural("deployments"), "default",
                        deployment("chatty", replicas=2, image="busybox:1.36", command=CHATTY_COMMAND))
        pause_clock(cluster)
        engine = Engine(cluster)
        started = time.perf_counter()
        half = max(args.hours // 2, 1)
        engine.settle(horizon=3600.0 * (args.hours - half))
        before = _measure(cluster)
        engine.settle(horizon=3600.0 * half)
        after = _measure(cluster)
        wall = time.perf_counter() - started
    prefix = "history_idle_demo"
    print_figures({
        f"{prefix}_db_growth_per_sim_hour": ((after["bytes"] - before["bytes"]) / half / 1024, "KiB"),
        **{f"{prefix}_{table}_growth_per_sim_hour": ((after[table] - before[table]) / half, "rows")
           for table in ("steps", "changes", "log_lines")},
        **{f"{prefix}_{table}_after_{args.hours}h": (after[table], "rows") for table in ("steps", "changes", "log_lines")},
        f"{prefix}_db_after_{args.hours}h": (after["bytes"] / 1024 / 1024, "MiB"),
        f"{prefix}_wall_per_sim_hour": (wall / args.hours, "s"),
    })


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
