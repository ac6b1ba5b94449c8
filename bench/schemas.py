"""Schema benchmarks (issue 17): what strict field validation costs per request now that
every kind is detailed, and what the OpenAPI documents cost to build and serve.

- fields_check_<kind>: one Strict check of a tutorial manifest (a whole-body walk);
- openapi_v2_json_build / openapi_v2_protobuf_build: building /openapi/v2 from the
  schemas, once per process (cached afterwards), and its sizes.

Prints ``name: value unit`` lines (p50 of each).
"""
from __future__ import annotations

import argparse
import copy
import tempfile
import time

import yaml

from bench.engine import _setup_django
from bench.figures import percentile, print_figures

MANIFESTS = ("CronJob", "Ingress", "NetworkPolicy", "HorizontalPodAutoscaler", "Deployment")
DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 500m, memory: 128Mi}}
        readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5}
        env: [{name: MODE, value: prod}]
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        from kubeviz.apiserver import schemas
        from kubeviz.apiserver.resources import all_resources
        from kubeviz.apiserver.schemas import openapi
        from tests.kubeapi import tutorial_kinds

        docs = {d["kind"]: d for d in [*tutorial_kinds.documents(), yaml.safe_load(DEPLOYMENT)]}
        figures: dict[str, tuple[float, str]] = {}
        for kind in MANIFESTS:
            body = docs[kind]
            group, _, version = body["apiVersion"].rpartition("/")
            strategy = next(s for s in all_resources() if (s.group, s.version, s.kind) == (group, version, kind))
            times = []
            for _ in range(args.runs):
                copied = copy.deepcopy(body)
                started = time.perf_counter()
                schemas.fields_check(strategy, copied, "Strict")
                times.append((time.perf_counter() - started) * 1e6)
            figures[f"fields_check_{kind.lower()}"] = (percentile(times, 50), "us")
        started = time.perf_counter()
        v2 = openapi.v2_document()
        figures["openapi_v2_json_build"] = ((time.perf_counter() - started) * 1000, "ms")
        started = time.perf_counter()
        pb = openapi.v2_protobuf()
        figures["openapi_v2_protobuf_build"] = ((time.perf_counter() - started) * 1000, "ms")
        figures["openapi_v2_json_size"] = (len(v2) // 1024, "KiB")
        figures["openapi_v2_protobuf_size"] = (len(pb) // 1024, "KiB")
        figures["schema_definitions"] = (len(schemas.definitions()), "definitions")
        print_figures(figures)


if __name__ == "__main__":
    main()
