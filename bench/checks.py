"""Check-language benchmarks (issue 14): on a settled cluster of 100 pods (Deployment web,
100 replicas, a Service in front), how long evaluating checks takes, in-process on SQLite.

- checks_wait: a typical step's wait, ``all`` of a ``pods`` ready count and a ``field``
  (target p99 ≤ 20 ms: a wait is evaluated after every change);
- checks_ten_objectives: an exercise's ten mixed objectives, one of each kind and a ``not``
  (target p99 ≤ 100 ms).

Prints ``name: value unit`` lines (p50 and p99 of each).
"""
from __future__ import annotations

import argparse
import tempfile
import time

from bench.engine import _setup_django
from bench.figures import percentile, print_figures

REPLICAS = 100
WAIT = {"all": [
    {"pods": {"selector": "app=web", "ready": True, "count": REPLICAS}},
    {"field": {"kind": "Deployment", "name": "web", "path": "{.status.readyReplicas}", "equals": REPLICAS}},
]}
OBJECTIVES = [
    {"pods": {"selector": "app=web", "phase": "Running", "min": REPLICAS}},
    {"field": {"kind": "Deployment", "name": "web", "path": "{.spec.template.spec.containers[0].image}", "matches": "nginx:1.*"}},
    {"objects": {"kind": "ReplicaSet", "selector": "app=web", "count": 1}},
    {"event": {"reason": "ScalingReplicaSet", "kind": "Deployment", "name": "web"}},
    {"step": {"number": 8, "kind": "Pod", "selector": "app=web"}},
    {"scheduled": {"selector": "app=web", "by": "scheduler"}},
    {"history": {"kind": "Deployment", "name": "web", "path": "{.status.readyReplicas}", "ever_equals": REPLICAS}},
    {"log": {"selector": "app=web", "contains": "start worker process"}},
    {"traffic": {"service": "web", "min": REPLICAS}},
    {"not": {"event": {"reason": "BackOff"}}},
]


def _cluster():
    from kubeviz.apiserver import registry
    from kubeviz.apiserver.resources import by_plural
    from kubeviz.clusters.services import cluster_create
    from kubeviz.engine.runner import Engine, pause_clock

    cluster = cluster_create(name="checks-bench", fixture="demo")
    registry.create(cluster, by_plural("deployments"), "default", {
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": REPLICAS, "selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "resources": {"requests": {"cpu": "10m"}}}]}}},
    })
    registry.create(cluster, by_plural("services"), "default",
                    {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    pause_clock(cluster)
    Engine(cluster).settle(horizon=300)
    return cluster


def _times(cluster, checks, scope, runs: int) -> list[float]:
    """Milliseconds per evaluation of ``checks`` together (as an exercise grades its
    objectives: ``evaluate_many``, each list of objects read once)."""
    from kubeviz.checks import evaluate_many

    out = []
    for _ in range(runs):
        started = time.perf_counter()
        evaluate_many(cluster, checks, scope)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--each", action="store_true", help="also time each objective on its own")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        from kubeviz.checks import Scope, evaluate, parse_check

        cluster = _cluster()
        wait = [parse_check(WAIT)]
        objectives = [parse_check(spec, where=f"objectives[{i}]") for i, spec in enumerate(OBJECTIVES)]
        scope = Scope()
        failing = [o.found for o in (evaluate(cluster, c, scope) for c in wait + objectives) if not o.passed]
        if failing:  # every check holds on this cluster: a failing one would time another path
            raise SystemExit(f"checks bench: unexpected outcome: {failing}")
        if args.each:
            for i, check in enumerate(objectives):
                each = _times(cluster, [check], scope, 20)
                print(f"checks_objective_{i}_{next(iter(OBJECTIVES[i]))}_p50: "
                      f"{percentile(each, 50):.2f} ms")
        wait_ms = _times(cluster, wait, scope, args.runs)
        ten_ms = _times(cluster, objectives, scope, max(args.runs // 2, 10))
        print_figures({
            "checks_wait_100_pods_p50": (percentile(wait_ms, 50), "ms"),
            "checks_wait_100_pods_p99": (percentile(wait_ms, 99), "ms"),
            "checks_ten_objectives_100_pods_p50": (percentile(ten_ms, 50), "ms"),
            "checks_ten_objectives_100_pods_p99": (percentile(ten_ms, 99), "ms"),
        })


if __name__ == "__main__":
    main()
