"""kubernetes.io: Configure Default Memory Requests and Limits for a Namespace
(https://kubernetes.io/docs/tasks/administer-cluster/manage-resources/memory-default-namespace/),
with kubectl 1.27 (the oldest kubeviz supports) where it is installed."""
from __future__ import annotations

import pytest
import yaml

from tests.liveserver import kubectl_version_binary

from .conftest import Step, walk

pytestmark = pytest.mark.kubectl

LIMIT_RANGE = """\
apiVersion: v1
kind: LimitRange
metadata:
  name: mem-limit-range
spec:
  limits:
  - default:
      memory: 512Mi
    defaultRequest:
      memory: 256Mi
    type: Container
"""


def pod(name: str, resources: str = "") -> str:
    return f"""\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
  - name: {name}-ctr
    image: nginx
{resources}"""


POD_2 = pod("default-mem-demo-2", """\
    resources:
      limits:
        memory: "1Gi"
""")
POD_3 = pod("default-mem-demo-3", """\
    resources:
      requests:
        memory: "128Mi"
""")
NS = "--namespace=default-mem-example"


def resources(out: str) -> dict:
    return yaml.safe_load(out)["spec"]["containers"][0]["resources"]


STEPS = [
    Step("kubectl create namespace default-mem-example", lambda out: "created" in out),
    Step(f"kubectl apply -f memory-defaults.yaml {NS}", lambda out: out.strip() == "limitrange/mem-limit-range created"),
    Step(f"kubectl apply -f memory-defaults-pod.yaml {NS}", lambda out: out.strip() == "pod/default-mem-demo created"),
    # "The output shows that the Pod's container has a memory request of 256 MiB and a memory limit of 512 MiB."
    Step(f"kubectl get pod default-mem-demo --output=yaml {NS}",
         lambda out: resources(out) == {"limits": {"memory": "512Mi"}, "requests": {"memory": "256Mi"}}),
    # A limit but no request: the request is the limit, not the default request.
    Step(f"kubectl apply -f memory-defaults-pod-2.yaml {NS}", lambda out: "created" in out),
    Step(f"kubectl get pod default-mem-demo-2 --output=yaml {NS}",
         lambda out: resources(out) == {"limits": {"memory": "1Gi"}, "requests": {"memory": "1Gi"}}),
    # A request but no limit: the limit is the LimitRange's default.
    Step(f"kubectl apply -f memory-defaults-pod-3.yaml {NS}", lambda out: "created" in out),
    Step(f"kubectl get pod default-mem-demo-3 --output=yaml {NS}",
         lambda out: resources(out) == {"limits": {"memory": "512Mi"}, "requests": {"memory": "128Mi"}}),
    Step(f"kubectl describe pod default-mem-demo {NS}", lambda out: "LimitRanger plugin set: memory request for container "
         "default-mem-demo-ctr; memory limit for container default-mem-demo-ctr" in out),
]


@pytest.mark.parametrize("binary", ["kubectl.1.27", None], ids=["kubectl-1.27", "newest"])
def test_default_memory_requests_and_limits(tutorial, binary):
    if binary and kubectl_version_binary(binary) is None:
        pytest.skip(f"{binary} is not installed")
    tutorial.manifest("memory-defaults.yaml", LIMIT_RANGE)
    tutorial.manifest("memory-defaults-pod.yaml", pod("default-mem-demo"))
    tutorial.manifest("memory-defaults-pod-2.yaml", POD_2)
    tutorial.manifest("memory-defaults-pod-3.yaml", POD_3)
    steps = [Step(s.line, s.expect, s.wait, s.fails, binary) for s in STEPS]
    walk(tutorial, steps)
    tutorial.run("kubectl delete namespace default-mem-example")
