"""Lesson benchmarks: opening a lesson, in-process on SQLite, as a new learner does it
(``lesson_start``: a sandbox made from the lesson's template, its manifests applied, settled
for the opening, the first step's clock set and snapshot taken). Target: p50 ≤ 1 s. Prints
``name: value unit`` lines."""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from bench.engine import _setup_django


def _times(slug: str, runs: int) -> list[float]:
    from kubeviz.accounts.roles import Identity
    from kubeviz.lessons.services import lesson_start

    out = []
    for i in range(runs):
        started = time.perf_counter()
        lesson_start(identity=Identity(guest=f"bench-{slug}-{i}"), slug=slug)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("lessons", nargs="*", default=["life-of-a-pod"])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        for slug in args.lessons:
            times = sorted(_times(slug, args.runs))
            name = slug.replace("-", "_")
            print(f"lesson_open_{name}_p50: {statistics.median(times):.1f} ms")
            print(f"lesson_open_{name}_max: {times[-1]:.1f} ms")


if __name__ == "__main__":
    main()
