"""Autoscaling benchmarks (issue 17): on a settled cluster of 100 pods behind a Service,
in-process on SQLite, how long the metrics API and one HPA sync take — the HPA controller
reads PodMetrics every 15 s, and ``kubectl top pods`` lists them.

- metrics_pods_100: one PodMetrics list of the namespace (p50, p99);
- hpa_sync_100_pods: one HorizontalPodAutoscaler sync (scale, metrics, status; p50, p99);
- cron_next_start: the next start time of a day-of-week schedule (p50, in µs);
- load_generator_cpu: the HPA walkthrough's load generator (``while sleep 0.01; do wget -q
  -O- http://php-apache; done``, 100 requests a simulated second) against php-apache with
  its HPA, in settle mode: CPU time of this process per simulated second (median of
  one-minute stretches), beside the same cluster without the load generator — what the
  loop costs at 1×.

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


def _load_cluster(name: str, with_load: bool):
    """php-apache, its Service and HPA, and (``with_load``) the page's load generator."""
    from kubeviz.apiserver import registry
    from kubeviz.apiserver.resources import by_plural
    from kubeviz.clusters.services import cluster_create
    from kubeviz.engine.runner import Engine, pause_clock

    cluster = cluster_create(name=name, fixture="demo")
    create = lambda plural, body: registry.create(cluster, by_plural(plural), "default", body)  # noqa: E731
    create("deployments", {
        "metadata": {"name": "php-apache"},
        "spec": {"selector": {"matchLabels": {"run": "php-apache"}}, "template": {
            "metadata": {"labels": {"run": "php-apache"}},
            "spec": {"containers": [{"name": "php-apache", "image": "registry.k8s.io/hpa-example", "ports": [{"containerPort": 80}],
                                     "resources": {"limits": {"cpu": "500m"}, "requests": {"cpu": "200m"}}}]}}},
    })
    create("services", {"metadata": {"name": "php-apache"}, "spec": {"selector": {"run": "php-apache"}, "ports": [{"port": 80}]}})
    create("horizontalpodautoscalers", {"metadata": {"name": "php-apache"}, "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "php-apache"}, "minReplicas": 1,
        "maxReplicas": 10, "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": 50}}}]}})
    pause_clock(cluster)
    engine = Engine(cluster)
    engine.settle(horizon=60)
    if with_load:
        create("pods", {"metadata": {"name": "load-generator"}, "spec": {"restartPolicy": "Never", "containers": [{
            "name": "load-generator", "image": "busybox:1.28",
            "command": ["/bin/sh", "-c", "while sleep 0.01; do wget -q -O- http://php-apache; done"]}]}})
    engine.settle(horizon=180)  # scaled up to where it stays
    return engine


def _cpu_per_sim_second(engine, minutes: int) -> list[float]:
    out = []
    for _ in range(minutes):
        started = time.process_time()
        engine.settle(horizon=60)
        out.append((time.process_time() - started) * 1000 / 60)
    return out


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
        loaded = _cpu_per_sim_second(_load_cluster("load-bench", True), 5)
        quiet = _cpu_per_sim_second(_load_cluster("quiet-bench", False), 5)
        print_figures({
            "metrics_pods_100_p50": (percentile(metrics_ms, 50), "ms"),
            "metrics_pods_100_p99": (percentile(metrics_ms, 99), "ms"),
            "hpa_sync_100_pods_p50": (percentile(sync_ms, 50), "ms"),
            "hpa_sync_100_pods_p99": (percentile(sync_ms, 99), "ms"),
            "cron_next_start_p50": (percentile(cron_ms, 50) * 1000, "µs"),
            "load_generator_cpu_per_sim_second": (percentile(loaded, 50), "ms"),
            "no_load_generator_cpu_per_sim_second": (percentile(quiet, 50), "ms"),
        })


if __name__ == "__main__":
    main()
