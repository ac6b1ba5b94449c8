"""Action benchmarks: what a lesson's buttons and an exercise's setup cost, in-process on
SQLite. A setup is a sandbox from ``demo``, a Deployment of 3 and its Service applied and
settled (settle mode, as the content checkers play it); a button is one ``kubectl scale``
run by kubeviz; reading is ``parse_action`` of a kubectl command. Prints ``name: value unit``."""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from bench.engine import _setup_django
from bench.figures import print_figures

SETUP = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: main, image: "nginx:1.27"}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        from kubeviz.actions import parse_action, run_action
        from kubeviz.clusters.services import cluster_create
        from kubeviz.engine.runner import Engine

        setups, buttons, reads = [], [], []
        for i in range(args.runs):
            started = time.perf_counter()
            cluster = cluster_create(name=f"actions-{i}", fixture="demo")
            engine = Engine(cluster)
            run_action(cluster, parse_action({"manifest": SETUP}), engine=engine)
            run_action(cluster, parse_action({"settle": 60}), engine=engine)
            setups.append((time.perf_counter() - started) * 1000)
            for replicas in (4, 3):
                started = time.perf_counter()
                action = parse_action({"kubectl": f"kubectl scale deployment web --replicas={replicas}"})
                reads.append((time.perf_counter() - started) * 1e6)
                started = time.perf_counter()
                run_action(cluster, action, engine=engine)
                buttons.append((time.perf_counter() - started) * 1000)
        print_figures({
            "actions_setup_demo_web3_settled_p50": (statistics.median(setups), "ms"),
            "actions_kubectl_scale_run_p50": (statistics.median(buttons), "ms"),
            "actions_kubectl_parse_p50": (statistics.median(reads), "us"),
        })


if __name__ == "__main__":
    main()
