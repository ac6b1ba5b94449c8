"""kubernetes.io: HorizontalPodAutoscaler Walkthrough
(https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale-walkthrough/).

The page's own load generator, a busybox loop of ``wget -q -O- http://php-apache``; the page
runs it with ``kubectl run -i --tty … --rm`` and stops it with Ctrl+C, which needs a terminal:
here it runs without ``-i --tty`` and is stopped with ``kubectl delete pod load-generator``."""
from __future__ import annotations

import re

import pytest

from .conftest import Step, columns, table, walk

pytestmark = pytest.mark.kubectl

PHP_APACHE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: php-apache
spec:
  selector:
    matchLabels:
      run: php-apache
  template:
    metadata:
      labels:
        run: php-apache
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        ports:
        - containerPort: 80
        resources:
          limits:
            cpu: 500m
          requests:
            cpu: 200m
---
apiVersion: v1
kind: Service
metadata:
  name: php-apache
  labels:
    run: php-apache
spec:
  ports:
  - port: 80
  selector:
    run: php-apache
"""
HPA_COLUMNS = ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]


def hpa(out: str) -> dict[str, str]:
    assert columns(out) == HPA_COLUMNS
    return table(out)[0]


def utilization(row: dict[str, str]) -> int | None:
    """TARGETS: ``cpu: 250%/50%`` (kubectl 1.30+ names the metric) or ``250%/50%``."""
    m = re.fullmatch(r"(?:cpu: )?(\d+)%/50%", row["TARGETS"])
    return int(m.group(1)) if m else None


BEFORE = [
    Step("kubectl apply -f php-apache.yaml", lambda out: out.splitlines() == ["deployment.apps/php-apache created",
                                                                             "service/php-apache created"]),
    Step("kubectl rollout status deployment/php-apache --timeout=60s", lambda out: "successfully rolled out" in out),
    Step("kubectl autoscale deployment php-apache --cpu-percent=50 --min=1 --max=10",
         lambda out: out.strip() == "horizontalpodautoscaler.autoscaling/php-apache autoscaled"),
    # "the current CPU consumption is 0% as there are no clients sending requests"
    Step("kubectl get hpa", lambda out: (r := hpa(out)) and (r["NAME"], r["REFERENCE"], r["MINPODS"], r["MAXPODS"], r["REPLICAS"]) == (
        "php-apache", "Deployment/php-apache", "1", "10", "1") and utilization(r) == 0, wait=True),
]
AFTER = [
    # "stop generating the load": back to 0% and, after the downscale stabilisation window, 1 replica.
    Step("kubectl get hpa php-apache", lambda out: (r := hpa(out)) and utilization(r) == 0 and r["REPLICAS"] == "1", wait=True),
    Step("kubectl get deployment php-apache", lambda out: table(out)[0]["READY"] == "1/1", wait=True),
]


LOAD = ('kubectl run load-generator --image=busybox:1.28 --restart=Never -- /bin/sh -c '
        '"while sleep 0.01; do wget -q -O- http://php-apache; done"')


def test_hpa_scales_php_apache_under_load_and_back(tutorial):
    tutorial.manifest("php-apache.yaml", PHP_APACHE)
    walk(tutorial, BEFORE)
    assert tutorial.out(LOAD).strip() == "pod/load-generator created"

    def busy(out: str) -> bool:
        row = hpa(out)
        return (utilization(row) or 0) > 50 and int(row["REPLICAS"]) > 1
    tutorial.until("kubectl get hpa php-apache", busy, "the HPA to scale php-apache up under load")
    scaled = tutorial.until("kubectl get deployment php-apache", lambda out: (r := table(out)[0])["READY"].split("/")[0]
                            == r["READY"].split("/")[1] != "1", "the new pods to be ready")
    assert int(table(scaled)[0]["READY"].split("/")[0]) <= 10
    described = tutorial.out("kubectl describe hpa php-apache")
    assert re.search(r"SuccessfulRescale\s+.*New size: \d+; reason: cpu resource utilization \(percentage of request\) above target",
                     described), described
    assert tutorial.out("kubectl delete pod load-generator").strip() == 'pod "load-generator" deleted'
    walk(tutorial, AFTER)
