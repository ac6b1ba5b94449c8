"""Exercise benchmarks, in-process on SQLite (issue 15's targets):

- ``attempt_start_p50``: starting an attempt at "Pods stay Pending" (a sandbox from the
  template, the setup applied and settled, the start snapshot taken); target ≤ 1 s.
- ``grade_10_objectives_100_pods_p99``: grading ten objectives (every check kind that
  reads objects, Events, steps and the change log) on a cluster of 100 running pods;
  target ≤ 100 ms.

Prints ``name: value unit`` lines."""
from __future__ import annotations

import argparse
import statistics
import tempfile
import textwrap
import time

from bench.engine import _setup_django

WEB_100 = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, labels: {app: web}}
    spec:
      replicas: 100
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
            - name: nginx
              image: nginx:1.27
              resources: {requests: {cpu: 10m, memory: 16Mi}}
    """)

TEN_OBJECTIVES = textwrap.dedent("""\
    title: Ten objectives
    level: advanced
    tags: [deployments]
    minutes: 5
    template: demo
    task: Benchmark.
    objectives:
      - {title: ready, message: m, check: {pods: {selector: app=web, ready: true, count: 100}}}
      - {title: running, message: m, check: {pods: {selector: app=web, phase: Running, min: 100}}}
      - {title: none pending, message: m, check: {pods: {selector: app=web, node: "", count: 0}}}
      - {title: one rs, message: m, check: {objects: {kind: ReplicaSet, selector: app=web, count: 1}}}
      - {title: status, message: m, check: {field: {kind: Deployment, name: web, path: "{.status.readyReplicas}", equals: 100}}}
      - {title: image, message: m, check: {field: {kind: Deployment, name: web, path: "{.spec.template.spec.containers[0].image}", matches: "nginx:1.*"}}}
      - {title: requests, message: m, check: {field: {kind: Deployment, name: web, path: "{.spec.template.spec.containers[0].resources.requests.cpu}", lte: 100m}}}
      - {title: no backoff, message: m, check: {not: {event: {reason: BackOff, kind: Pod}}}}
      - {title: scheduled, message: m, check: {scheduled: {selector: app=web, by: scheduler}}}
      - {title: started, message: m, check: {step: {number: 8, kind: Pod, selector: app=web}}}
    solution: [{do: scale, name: web, replicas: 100}]
    wrong_attempts: [{title: w, actions: [{do: scale, name: web, replicas: 1}], score: 0}]
    """)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def bench_start(runs: int) -> list[float]:
    from kubeviz.accounts.roles import Identity
    from kubeviz.exercises.services import attempt_start

    out = []
    for i in range(runs):
        started = time.perf_counter()
        attempt_start(identity=Identity(guest=f"bench-{i}"), slug="pods-stay-pending")
        out.append((time.perf_counter() - started) * 1000)
    return out


def bench_grade(runs: int) -> list[float]:
    from kubeviz.apiserver.apply import manifest_apply
    from kubeviz.checks import Scope
    from kubeviz.clusters.services import cluster_create
    from kubeviz.engine.runner import settle_cluster
    from kubeviz.exercises.grading import grade
    from kubeviz.exercises.loader import exercise_parse

    exercise = exercise_parse(TEN_OBJECTIVES, source="bench", slug="bench")
    cluster = cluster_create(name="grade-bench", fixture="demo")
    settle_cluster(cluster, horizon=30)
    scope = Scope.now(cluster)
    manifest_apply(cluster=cluster, text=WEB_100)
    settle_cluster(cluster, horizon=120)
    result = grade(cluster, exercise, scope, final=True)
    if result.score != result.maximum:
        failing = [(o.title, o.found) for o in result.objectives if not o.passed]
        raise SystemExit(f"the benchmark's cluster does not pass its own objectives: {failing}")
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        grade(cluster, exercise, scope, final=True)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--grades", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        starts = bench_start(args.starts)
        print(f"attempt_start_p50: {statistics.median(starts):.0f} ms")
        print(f"attempt_start_max: {max(starts):.0f} ms")
        grades = bench_grade(args.grades)
        print(f"grade_10_objectives_100_pods_p50: {statistics.median(grades):.1f} ms")
        print(f"grade_10_objectives_100_pods_p99: {_percentile(grades, 99):.1f} ms")


if __name__ == "__main__":
    main()
