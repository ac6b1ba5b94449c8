"""Cluster-template benchmarks: how long ``cluster_create`` takes from a shipped template,
in-process on SQLite (the sandboxes' target: p50 ≤ 200 ms from ``demo``). Prints
``name: value unit`` lines; each run creates a cluster of its own, in its own transaction."""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from bench.engine import _setup_django


def _times(template: str, runs: int) -> list[float]:
    from kubeviz.clusters.services import cluster_create

    out = []
    for i in range(runs):
        started = time.perf_counter()
        cluster_create(name=f"{template}-{i}", fixture=template)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("templates", nargs="*", default=["demo", "zones", "big"])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        for template in args.templates:
            times = sorted(_times(template, args.runs))
            print(f"cluster_create_{template.replace('-', '_')}_p50: {statistics.median(times):.1f} ms")
            print(f"cluster_create_{template.replace('-', '_')}_max: {times[-1]:.1f} ms")


if __name__ == "__main__":
    main()
