"""What idle sandboxes cost a worker (issue: a cluster for everyone). Prints ``name: value unit``.

Thirty clusters from the demo template (three nodes, nothing deployed) in a fresh SQLite
database, and ``manage.py runworkers`` in a subprocess, measured over ``--seconds`` after
a warm-up, twice per run:

- all thirty asleep: the worker's CPU (utime + stime from /proc, as CPU-seconds per
  minute and as a share of one core) and the database commits it makes per minute
  (counted by watching ``PRAGMA data_version`` from another connection every few
  milliseconds; at most one commit per look is seen, so a busy figure is a floor);
- all thirty awake and idle (kubelets heartbeating, node leases renewed, housekeeping):
  the same figures plus the growth of the database (its used pages) extrapolated to an
  hour; compaction and step trimming run every few simulated minutes, so a short window
  sees the growth before they catch up.

Medians of ``--runs`` runs (default 3).
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.figures import print_figures
from tests.liveserver import ROOT, LiveServer, wait_for

CLUSTERS = 30

CREATE = """
from kubeviz.clusters.services import cluster_create
for i in range({count}):
    cluster_create(name=f"sandbox-{{i}}", fixture="demo")
"""

SET_ASLEEP = """
from django.utils import timezone
from kubeviz.clusters.models import Cluster
from kubeviz.etcd.models import WorkerLease
WorkerLease.objects.all().delete()
Cluster.objects.update(asleep={asleep}, last_active=timezone.now())
"""


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _used_bytes(db: sqlite3.Connection) -> int:
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    return (pages - free) * db.execute("PRAGMA page_size").fetchone()[0]


def _leases(db: sqlite3.Connection) -> int:
    return db.execute("SELECT COUNT(*) FROM etcd_workerlease").fetchone()[0]


def _window(server: LiveServer, *, asleep: bool, seconds: float) -> dict[str, float]:
    """One worker over the clusters in one state; its CPU, commits and growth."""
    server.manage("shell", "-c", SET_ASLEEP.format(asleep=asleep))
    db = sqlite3.connect(f"file:{server.root / 'db.sqlite3'}?mode=ro", uri=True, isolation_level=None)
    with open(server.root / "workers.log", "a") as log:
        worker = subprocess.Popen([sys.executable, "manage.py", "runworkers"], cwd=ROOT, env=server.env,
                                  stdout=log, stderr=subprocess.STDOUT)
    try:
        if asleep:
            time.sleep(10)  # start-up (Django, the first sweep: seconds of CPU on a shared host)
        else:
            wait_for(lambda: _leases(db) == CLUSTERS, "the worker to take every cluster", timeout=300)
            time.sleep(10)  # every engine built and settled
        cpu0, bytes0, version = _cpu_seconds(worker.pid), _used_bytes(db), None
        commits, start = 0, time.monotonic()
        while time.monotonic() - start < seconds:
            now = db.execute("PRAGMA data_version").fetchone()[0]
            if version is not None and now != version:
                commits += 1
            version = now
            time.sleep(0.005)
        elapsed = time.monotonic() - start
        cpu = _cpu_seconds(worker.pid) - cpu0
        growth = _used_bytes(db) - bytes0
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        db.close()
    return {"cpu": cpu / elapsed * 60, "commits": commits / elapsed * 60, "growth": growth / elapsed * 3600}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sleep")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30, help="length of each measured window")
    args = parser.parse_args(argv)
    asleep, awake = [], []
    with tempfile.TemporaryDirectory(prefix="kubeviz-bench-sleep-") as tmp:
        server = LiveServer.prepare(Path(tmp))
        server.manage("shell", "-c", CREATE.format(count=CLUSTERS))
        for _ in range(args.runs):
            asleep.append(_window(server, asleep=True, seconds=args.seconds))
            awake.append(_window(server, asleep=False, seconds=args.seconds))

    def median(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print_figures({
        f"sleep_{CLUSTERS}_asleep_worker_cpu": (median(asleep, "cpu"), "CPU-s/min"),
        f"sleep_{CLUSTERS}_asleep_worker_core_share": (median(asleep, "cpu") / 60 * 100, "%"),
        f"sleep_{CLUSTERS}_asleep_db_commits": (median(asleep, "commits"), "commits/min"),
        f"sleep_{CLUSTERS}_awake_idle_worker_cpu": (median(awake, "cpu"), "CPU-s/min"),
        f"sleep_{CLUSTERS}_awake_idle_worker_core_share": (median(awake, "cpu") / 60 * 100, "%"),
        f"sleep_{CLUSTERS}_awake_idle_db_commits": (median(awake, "commits"), "commits/min"),
        f"sleep_{CLUSTERS}_awake_idle_db_growth": (median(awake, "growth") / 2**20, "MiB/h"),
    })


if __name__ == "__main__":
    main()
