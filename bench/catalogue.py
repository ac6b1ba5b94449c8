"""Starting an attempt at each shipped exercise (issue 15's target: p50 ≤ 1 s each): a
sandbox from the exercise's template, its setup applied and settled, the start snapshot.
The setups differ (a rollout to get stuck, a Job to finish, a tainted pool to fill), so
each exercise is measured on its own.

Prints ``name: value unit`` lines: one p50 per exercise, then the slowest of them."""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from bench.engine import _setup_django


def bench_starts(runs: int) -> dict[str, float]:
    from kubeviz.accounts.roles import Identity
    from kubeviz.exercises.loader import exercise_names
    from kubeviz.exercises.services import attempt_start

    medians = {}
    for slug in exercise_names():
        times = []
        for i in range(runs):
            started = time.perf_counter()
            attempt_start(identity=Identity(guest=f"bench-{slug}-{i}"), slug=slug)
            times.append((time.perf_counter() - started) * 1000)
        medians[slug] = statistics.median(times)
    return medians


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        medians = bench_starts(args.runs)
        for slug, ms in medians.items():
            print(f"attempt_start_{slug.replace('-', '_')}_p50: {ms:.0f} ms")
        print(f"attempt_start_slowest_exercise_p50: {max(medians.values()):.0f} ms")


if __name__ == "__main__":
    main()
