"""kubectl describe (client-side: it GETs the object, its events by field selector, and
related objects) for every kind added since the first 16, against a cluster whose
controllers have acted, with the lines a real cluster prints; and every object the
server and its controllers wrote passes strict field validation (no false positives
when a client sends back what it read)."""
from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from kubeviz.apiserver import schemas
from tests.kubeapi import tutorial_kinds
from tests.liveserver import ClusterHandle, kubectl_version_binary, wait_for

NS = "desc"
# What the tutorials' objects refer to: the php-apache Deployment the HPA scales, the web
# Service the Ingress routes to, a pod using the claim, and a quota of object counts.
WORKLOADS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: php-apache}
spec:
  selector: {matchLabels: {run: php-apache}}
  template:
    metadata: {labels: {run: php-apache}}
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        ports: [{containerPort: 80}]
        resources: {limits: {cpu: 500m}, requests: {cpu: 200m}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports: [{port: 8080, targetPort: 80}]
  selector: {app: web}
---
apiVersion: v1
kind: Pod
metadata: {name: task-pv-pod}
spec:
  volumes: [{name: task-pv-storage, persistentVolumeClaim: {claimName: task-pv-claim}}]
  containers:
  - name: task-pv-container
    image: "nginx:1.27"
    volumeMounts: [{mountPath: /usr/share/nginx/html, name: task-pv-storage}]
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: object-counts}
spec:
  hard: {pods: "10", services: "5", persistentvolumeclaims: "4"}
"""
# The tutorials' objects, less what cannot be described (reviews are never stored), the
# core Event, the autoscaling/v1 HPA (its target has no CPU requests: <unknown> is right
# there) and the scoped quota.
SKIP = {("HorizontalPodAutoscaler", "web-v1"), ("ResourceQuota", "pods-high"), ("Event", "hello.17")}
OBJECTS = [d for d in tutorial_kinds.documents()
           if "Review" not in d["kind"] and (d["kind"], d.get("metadata", {}).get("name")) not in SKIP]

# resource -> patterns its describe output must match, as kubectl prints them against a real cluster
DESCRIBE = [
    ("cronjob/hello", [r"Schedule:\s+\* \* \* \* \*", r"Concurrency Policy:\s+Allow", r"Last Schedule Time:\s+\w{3}, ",
                       r"Active Jobs:\s+(<none>|hello-\d+)", r"SuccessfulCreate\s+.*cronjob-controller\s+Created job hello-\d+"]),
    ("hpa/php-apache", [r"Reference:\s+Deployment/php-apache", r"\(as a percentage of request\):\s+\d+% \(\d+m\) / 50%",
                        r"Min replicas:\s+1", r"Max replicas:\s+10", r"Stabilization Window: 300 seconds",
                        r"Deployment pods:\s+\d+ current / \d+ desired", r"ScalingActive\s+True\s+ValidMetricFound"]),
    ("priorityclass/high-priority", [r"Value:\s+1000000", r"GlobalDefault:\s+false", r"PreemptionPolicy:\s+PreemptLowerPriority"]),
    ("podtemplate/web-template", [r"Kind:\s+PodTemplate", r"Image:\s+nginx:1.27"]),
    ("controllerrevision/agent-1", [r"Kind:\s+ControllerRevision", r"Revision:\s+1"]),
    ("storageclass/fast", [r"Provisioner:\s+kubernetes.io/no-provisioner", r"ReclaimPolicy:\s+Retain",
                           r"VolumeBindingMode:\s+WaitForFirstConsumer", r"Term 0:\s+topology.kubernetes.io/zone in \[zone-a\]"]),
    ("pv/task-pv-volume", [r"Status:\s+Bound", rf"Claim:\s+{NS}/task-pv-claim", r"Capacity:\s+10Gi", r"Path:\s+/mnt/data"]),
    ("pvc/task-pv-claim", [r"Status:\s+Bound", r"Volume:\s+task-pv-volume", r"Capacity:\s+10Gi", r"Access Modes:\s+RWO",
                           r"Used By:\s+task-pv-pod"]),
    ("ingress/example-ingress", [r"Ingress Class:\s+nginx", r"Address:\s+\d+\.\d+\.\d+\.\d+", r"hello-tls terminates hello-world.example",
                                 r"/\s+web:8080 \(\d+\.\d+\.\d+\.\d+:80,\d+\.\d+\.\d+\.\d+:80\)"]),
    ("ingressclass/external-lb", [r"Controller:\s+example.com/ingress-controller", r"Kind:\s+IngressParameters"]),
    ("networkpolicy/test-network-policy", [r"PodSelector:\s+role=db", r"To Port: 6379/TCP", r"CIDR: 172.17.0.0/16",
                                           r"NamespaceSelector: project=myproject", r"Policy Types: Ingress, Egress"]),
    ("serviceaccount/build-robot", [r"Image pull secrets:\s+regcred", r"Mountable secrets:\s+<none>"]),
    ("serviceaccount/default", [r"Name:\s+default", r"Tokens:\s+<none>"]),
    ("role/pod-reader", [r"pods\s+\[\]\s+\[\]\s+\[get watch list\]"]),
    ("clusterrole/monitoring", [r"Name:\s+monitoring", r"PolicyRule:"]),
    ("rolebinding/read-pods", [r"Kind:\s+Role\n\s+Name:\s+pod-reader", r"User\s+jane"]),
    ("clusterrolebinding/read-secrets-global", [r"Kind:\s+ClusterRole\n\s+Name:\s+secret-reader", r"Group\s+manager"]),
    ("quota/object-counts", [r"persistentvolumeclaims\s+1\s+4", r"pods\s+\d+\s+10", r"services\s+1\s+5"]),
    ("limits/cpu-resource-constraint", [r"Container\s+cpu\s+100m\s+1\s+500m\s+500m\s+-"]),
]


@pytest.fixture(scope="module")
def described(live_engine_server, tmp_path_factory) -> ClusterHandle:
    """The tutorials' objects applied in namespace desc, with the controllers run until
    the claim is bound, the CronJob has made a Job and the HPA has measured."""
    kv = live_engine_server.new_cluster("describe")
    kv.clock(mode="live", speed=20)
    path = tmp_path_factory.mktemp("describe") / "all.yaml"
    path.write_text(WORKLOADS + "---\n" + yaml.safe_dump_all(OBJECTS))
    kv.kubectl("create", "namespace", NS)
    kv.kubectl("apply", "-n", NS, "-f", str(path))

    def get(resource: str) -> dict:
        return json.loads(kv.kubectl("get", "-n", NS, resource, "-o", "json").stdout)

    wait_for(lambda: get("pvc/task-pv-claim")["status"].get("phase") == "Bound", "the claim to bind")
    wait_for(lambda: get("cronjob/hello").get("status", {}).get("active"), "the CronJob's first Job")
    wait_for(lambda: get("hpa/php-apache").get("status", {}).get("currentMetrics"), "the HPA's first measurement")
    wait_for(lambda: get("ingress/example-ingress").get("status", {}).get("loadBalancer", {}).get("ingress"), "the Ingress address")
    wait_for(lambda: get("deployment/web").get("status", {}).get("availableReplicas") == 2, "web's pods")
    return kv


@pytest.mark.kubectl
@pytest.mark.parametrize("binary", ["kubectl.1.27", "kubectl.1.33"])
def test_describe_every_new_kind(described, binary):
    if kubectl_version_binary(binary) is None:
        pytest.skip(f"{binary} is not on PATH")

    def describe(resource: str):
        return described.kubectl_as(binary, "describe", "-n", NS, resource, check=False)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(describe, [r for r, _ in DESCRIBE]))
    for (resource, patterns), result in zip(DESCRIBE, results, strict=True):
        out = result.stdout
        assert result.returncode == 0 and not result.stderr, f"{binary} describe {resource}:\n{result.stderr}"
        assert "<unknown>" not in out and "<error" not in out, f"{binary} describe {resource}:\n{out}"
        for pattern in patterns:
            assert re.search(pattern, out), f"{binary} describe {resource}: no {pattern!r} in\n{out}"


@pytest.mark.kubectl
def test_what_the_cluster_wrote_passes_strict_validation(described):
    """Objects as stored and updated by the controllers (statuses, defaults, annotations)
    hold only fields their schema knows, so kubectl edit or a GET-then-PUT is not refused."""
    from kubeviz.apiserver.resources import all_resources

    kinds = ",".join(sorted({f"{s.plural}.{s.version}.{s.group}" if s.group else s.plural for s in all_resources()
                             if "list" in s.verbs}))
    items = json.loads(described.kubectl("get", kinds, "-A", "-o", "json").stdout)["items"]
    assert {"CronJob", "Job", "HorizontalPodAutoscaler", "PersistentVolumeClaim", "Ingress"} <= {i["kind"] for i in items}
    assert {"autoscaling/v1", "autoscaling/v2", "events.k8s.io/v1"} <= {i["apiVersion"] for i in items}
    problems = {
        f"{item['kind']}/{item['metadata']['name']}": found
        for item in items
        if (found := schemas.unknown_fields(tutorial_kinds.strategy_of(item), item))
    }
    assert problems == {}
