"""Starting an attempt at every shipped exercise (issue 15's target: p50 ≤ 1 s each).

The catalogue's setups differ in cost (a settled rollout, a failed node waited out), so each
exercise is timed on its own: a sandbox from its template, the setup applied and settled,
the start snapshot taken. In-process on SQLite; prints ``name: value unit`` lines."""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from bench.engine import _setup_django


def bench_starts(runs: int, slugs: list[str]) -> dict[str, list[float]]:
    from kubeviz.accounts.roles import Identity
    from kubeviz.exercises.services import attempt_start

    out: dict[str, list[float]] = {}
    for slug in slugs:
        for i in range(runs):
            started = time.perf_counter()
            attempt_start(identity=Identity(guest=f"bench-{slug}-{i}"), slug=slug)
            out.setdefault(slug, []).append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("slugs", nargs="*", help="exercises to time (default: every shipped one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        from kubeviz.exercises.loader import EXERCISES_DIR

        slugs = args.slugs or sorted(p.stem for p in EXERCISES_DIR.glob("*.yaml"))
        medians = {slug: statistics.median(times) for slug, times in bench_starts(args.runs, slugs).items()}
        for slug, median in medians.items():
            print(f"attempt_start_p50[{slug}]: {median:.0f} ms")
        print(f"attempt_start_p50_worst_exercise: {max(medians.values()):.0f} ms")


if __name__ == "__main__":
    main()
