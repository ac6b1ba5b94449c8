"""Autoscaling benchmarks (issue 17): on a settled cluster of 100 pods behind a Service,
in-process on SQLite, how long the metrics API and one HPA sync take — the HPA controller
reads PodMetrics every 15 s, and ``kubectl top pods`` lists them.

- metrics_pods_100: one PodMetrics list of the namespace (p50, p99);
- hpa_sync_100_pods: one HorizontalPodAutoscaler sync (scale, metrics, status; p50, p99);
- cron_next_start: the next start time of a day-of-week schedule (p50, in µs).

Prints ``name: value unit`` lines.
"""
from __future__ import annotations

import argparse
import tempfile
import time

from bench.engine import _setup_django
from bench.figures import percentile, print_figures

REPLICAS = 100


def _cluster():
    from kubeviz.apiserver import registry
    from kubeviz.apiserver.resources import by_plural
    from kubeviz.clusters.services import cluster_create
    from kubeviz.engine.runner import Engine, pause_clock
    from kubeviz.proxy.traffic import traffic_send

    cluster = cluster_create(name="autoscaling-bench", fixture="demo")
    registry.create(cluster, by_plural("deployments"), "default", {
        "metadata": {"name": "web"},
        "spec": {"replicas": REPLICAS, "selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "registry.k8s.io/hpa-example",
                                     "resources": {"requests": {"cpu": "10m"}, "limits": {"cpu": "500m"}}}]}}},
    })
    registry.create(cluster, by_plural("services"), "default",
                    {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    pause_clock(cluster)
    Engine(cluster).settle(horizon=300)
    traffic_send(cluster=cluster, namespace="default", name="web", requests=2000)
    registry.create(cluster, by_plural("horizontalpodautoscalers"), "default", {
        "metadata": {"name": "web"}, "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                                               "minReplicas": REPLICAS, "maxReplicas": REPLICAS}})
    return cluster


def _times(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        from django.db import transaction

        from kubeviz.apiserver import registry
        from kubeviz.apiserver.cron import parse_standard
        from kubeviz.apiserver.resources import by_plural
        from kubeviz.clusters import clock
        from kubeviz.controllers.horizontalpodautoscaler import HorizontalPodAutoscalerController
        from kubeviz.engine.cache import Cache
        from kubeviz.engine.client import Client
        from kubeviz.metrics.server import pod_metrics

        cluster = _cluster()
        metrics_ms = _times(lambda: pod_metrics(cluster, "default"), args.runs)
        controller = HorizontalPodAutoscalerController(cluster)
        api = Client(cluster, controller.name)
        sync_ms = []
        for _ in range(args.runs):
            cache = Cache()  # as the informer would have it: the HPA as last written
            cache.put("horizontalpodautoscalers", registry.get(cluster, by_plural("horizontalpodautoscalers"), "default", "web"))
            started = time.perf_counter()
            with transaction.atomic():
                controller.sync(cache, api, "default/web")
            sync_ms.append((time.perf_counter() - started) * 1000)
        schedule = parse_standard("30 9 * * mon-fri")
        now = clock.now(cluster)
        cron_ms = _times(lambda: schedule.next(now), args.runs * 20)
        print_figures({
            "metrics_pods_100_p50": (percentile(metrics_ms, 50), "ms"),
            "metrics_pods_100_p99": (percentile(metrics_ms, 99), "ms"),
            "hpa_sync_100_pods_p50": (percentile(sync_ms, 50), "ms"),
            "hpa_sync_100_pods_p99": (percentile(sync_ms, 99), "ms"),
            "cron_next_start_p50": (percentile(cron_ms, 50) * 1000, "µs"),
        })


if __name__ == "__main__":
    main()
