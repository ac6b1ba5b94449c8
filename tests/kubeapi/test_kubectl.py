"""Real kubectl against /k8s/<cluster>/ (skipped where kubectl is not on PATH)."""
from __future__ import annotations

import json

import pytest
import yaml

pytestmark = pytest.mark.kubectl

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
"""


def test_get_nodes(kubectl_bin, kv_cluster):
    out = kv_cluster.kubectl("get", "nodes").stdout
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["node-1", "node-2", "node-3"]
    assert kv_cluster.kubectl("get", "nodes", "-o", "name").stdout.split() == ["node/node-1", "node/node-2", "node/node-3"]
    nodes = json.loads(kv_cluster.kubectl("get", "nodes", "-o", "json").stdout)
    assert nodes["items"][0]["status"]["allocatable"]["cpu"] == "4"
    as_yaml = yaml.safe_load(kv_cluster.kubectl("get", "node", "node-3", "-o", "yaml").stdout)
    assert as_yaml["metadata"]["labels"]["kubernetes.io/os"] == "linux"
    assert kv_cluster.kubectl("get", "ns", "-o", "name").stdout.split() == [
        "namespace/default", "namespace/kube-node-lease", "namespace/kube-public", "namespace/kube-system",
    ]


def test_create_from_multi_document_file_fills_defaults(kubectl_bin, kv_cluster, tmp_path):
    path = tmp_path / "web.yaml"
    path.write_text(MANIFEST)
    after = kv_cluster.last_seq()
    out = kv_cluster.kubectl("create", "-f", str(path)).stdout
    assert out.splitlines() == ["deployment.apps/web created", "service/web created"]
    deploy = json.loads(kv_cluster.kubectl("get", "deploy", "web", "-o", "json").stdout)
    assert deploy["spec"]["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    assert deploy["spec"]["revisionHistoryLimit"] == 10
    assert deploy["spec"]["template"]["spec"]["restartPolicy"] == "Always"
    svc = json.loads(kv_cluster.kubectl("get", "svc", "web", "-o", "json").stdout)
    assert svc["spec"]["type"] == "ClusterIP" and svc["spec"]["ports"][0]["targetPort"] == 80
    assert svc["spec"]["clusterIP"].startswith("10.")
    writes = [(s["step"], s["object"]["kind"], s["client"]) for s in kv_cluster.steps(after) if s["step"] in (1, 2) and s["action"] == "create"]
    assert writes == [(1, "Deployment", "kubectl"), (2, "Deployment", ""), (1, "Service", "kubectl"), (2, "Service", "")]
    # Creating it again: AlreadyExists, in kubectl's words.
    again = kv_cluster.kubectl("create", "-f", str(path), check=False)
    assert again.returncode != 0
    assert 'deployments.apps "web" already exists' in again.stderr


def test_replace_with_stale_resource_version_is_409(kubectl_bin, kv_cluster, tmp_path):
    path = tmp_path / "web.yaml"
    path.write_text(MANIFEST)
    kv_cluster.kubectl("create", "-f", str(path))
    stale = yaml.safe_load(kv_cluster.kubectl("get", "deploy", "web", "-o", "yaml").stdout)
    kv_cluster.kubectl("label", "deploy", "web", "tier=frontend")
    stale["spec"]["replicas"] = 5
    out = tmp_path / "stale.yaml"
    out.write_text(yaml.safe_dump(stale))
    result = kv_cluster.kubectl("replace", "-f", str(out), check=False)
    assert result.returncode != 0
    assert (
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; '
        "please apply your changes to the latest version and try again"
    ) in result.stderr


def test_label_annotate_select_and_delete(kubectl_bin, kv_cluster, tmp_path):
    path = tmp_path / "web.yaml"
    path.write_text(MANIFEST)
    kv_cluster.kubectl("create", "-f", str(path))
    assert kv_cluster.kubectl("label", "deploy", "web", "tier=frontend").stdout.strip() == "deployment.apps/web labeled"
    assert kv_cluster.kubectl("annotate", "deploy", "web", "note=hello <b>").stdout.strip() == "deployment.apps/web annotated"
    assert kv_cluster.kubectl("get", "deploy", "-l", "tier=frontend", "-o", "name").stdout.split() == ["deployment.apps/web"]
    assert kv_cluster.kubectl("get", "deploy", "-l", "tier!=frontend", "-o", "name").stdout.split() == []
    assert kv_cluster.kubectl("get", "deploy,svc", "-l", "app", "-o", "name").stdout.split() == ["deployment.apps/web"]
    got = json.loads(kv_cluster.kubectl("get", "deploy", "web", "-o", "json").stdout)
    assert got["metadata"]["annotations"]["note"] == "hello <b>"
    assert got["metadata"]["generation"] == 1  # metadata changes do not bump generation
    assert kv_cluster.kubectl("delete", "deploy", "web").stdout.strip() == 'deployment.apps "web" deleted'
    assert kv_cluster.kubectl("get", "deploy", "-o", "name").stdout.split() == []
    assert kv_cluster.kubectl("delete", "-f", str(path), "--ignore-not-found").returncode == 0


@pytest.mark.parametrize("args,kind,name", [
    (["create", "deployment", "api", "--image=redis:7", "--replicas=2"], "deployment.apps", "api"),
    (["create", "namespace", "team-a"], "namespace", "team-a"),
    (["create", "configmap", "cfg", "--from-literal=colour=blue"], "configmap", "cfg"),
    (["create", "secret", "generic", "pw", "--from-literal=password=hunter2"], "secret", "pw"),
])
def test_create_subcommands(kubectl_bin, kv_cluster, args, kind, name):
    assert kv_cluster.kubectl(*args).stdout.strip() == f"{kind}/{name} created"
    obj = json.loads(kv_cluster.kubectl("get", kind, name, "-o", "json").stdout)
    assert obj["metadata"]["name"] == name
    if kind == "deployment.apps":
        assert obj["spec"]["replicas"] == 2
        assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == "redis:7"
    if kind == "secret":
        assert obj["data"] == {"password": "aHVudGVyMg=="}
    if kind == "configmap":
        assert obj["data"] == {"colour": "blue"}


def test_get_raw_health_needs_the_clusters_prefix(kv_cluster):
    """``kubectl get --raw`` takes a path from the host's root, so it names the prefix."""
    prefix = "/" + kv_cluster.api.split("/", 3)[3]
    assert kv_cluster.kubectl("get", "--raw", f"{prefix}/readyz").stdout == "ok"
    verbose = kv_cluster.kubectl("get", "--raw", f"{prefix}/livez?verbose").stdout
    assert verbose.splitlines()[-1] == "livez check passed"
