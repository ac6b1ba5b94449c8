"""kubernetes.io: Configure Memory and CPU Quotas for a Namespace
(https://kubernetes.io/docs/tasks/administer-cluster/manage-resources/quota-memory-cpu-namespace/)."""
from __future__ import annotations

import pytest
import yaml

from .conftest import Step, table, walk

pytestmark = pytest.mark.kubectl

QUOTA = """\
apiVersion: v1
kind: ResourceQuota
metadata:
  name: mem-cpu-demo
spec:
  hard:
    requests.cpu: "1"
    requests.memory: 1Gi
    limits.cpu: "2"
    limits.memory: 2Gi
"""
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: quota-mem-cpu-demo
spec:
  containers:
  - name: quota-mem-cpu-demo-ctr
    image: nginx
    resources:
      limits:
        memory: "800Mi"
        cpu: "800m"
      requests:
        memory: "600Mi"
        cpu: "400m"
"""
POD_2 = """\
apiVersion: v1
kind: Pod
metadata:
  name: quota-mem-cpu-demo-2
spec:
  containers:
  - name: quota-mem-cpu-demo-2-ctr
    image: redis
    resources:
      limits:
        memory: "1Gi"
        cpu: "800m"
      requests:
        memory: "700Mi"
        cpu: "400m"
"""
NS = "--namespace=quota-mem-cpu-example"
HARD = {"limits.cpu": "2", "limits.memory": "2Gi", "requests.cpu": "1", "requests.memory": "1Gi"}


def status(out: str) -> dict:
    return (yaml.safe_load(out) or {}).get("status") or {}


STEPS = [
    Step("kubectl create namespace quota-mem-cpu-example", lambda out: out.strip() == "namespace/quota-mem-cpu-example created"),
    Step(f"kubectl apply -f quota-mem-cpu.yaml {NS}", lambda out: out.strip() == "resourcequota/mem-cpu-demo created"),
    Step(f"kubectl get resourcequota mem-cpu-demo {NS} --output=yaml", lambda out: status(out).get("hard") == HARD, wait=True),
    Step(f"kubectl apply -f quota-mem-cpu-pod.yaml {NS}", lambda out: out.strip() == "pod/quota-mem-cpu-demo created"),
    Step(f"kubectl get pod quota-mem-cpu-demo {NS}", lambda out: table(out)[0]["STATUS"] == "Running", wait=True),
    # "The output shows the quota along with how much of the quota has been used."
    Step(f"kubectl get resourcequota mem-cpu-demo {NS} --output=yaml", lambda out: status(out) == {"hard": HARD, "used": {
        "limits.cpu": "800m", "limits.memory": "800Mi", "requests.cpu": "400m", "requests.memory": "600Mi"}}, wait=True),
    Step(f"kubectl apply -f quota-mem-cpu-pod-2.yaml {NS}", fails=True, expect=lambda err: (
        'Error from server (Forbidden): error when creating "' in err and
        'pods "quota-mem-cpu-demo-2" is forbidden: exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, '
        "used: requests.memory=600Mi, limited: requests.memory=1Gi" in err)),
    Step("kubectl delete namespace quota-mem-cpu-example", lambda out: out.strip() == 'namespace "quota-mem-cpu-example" deleted'),
]


def test_memory_and_cpu_quotas_for_a_namespace(tutorial):
    tutorial.manifest("quota-mem-cpu.yaml", QUOTA)
    tutorial.manifest("quota-mem-cpu-pod.yaml", POD)
    tutorial.manifest("quota-mem-cpu-pod-2.yaml", POD_2)
    walk(tutorial, STEPS)
