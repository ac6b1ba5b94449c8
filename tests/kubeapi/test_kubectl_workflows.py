"""Real kubectl workflows against a cluster whose engine runs (skipped without kubectl).

One cluster serves the module, its clock sped up; each test works in its own namespace.
The simulation runs in another process, so tests wait with kubectl's own waiting commands
(``rollout status``, ``wait``) or poll; they never assert timings.
"""
from __future__ import annotations

import json
import queue
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml

from tests.liveserver import ClusterHandle, wait_for

pytestmark = [
    pytest.mark.kubectl,
    pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH"),
]

SPEED = 5
AGE = re.compile(r"^(\d+s|\d+m(\d+s)?|\d+h(\d+m)?|\d+d(\d+h)?)$")


@pytest.fixture(scope="module")
def kc(live_engine_server) -> ClusterHandle:
    handle = live_engine_server.new_cluster("kubectl")
    handle.clock(mode="live", speed=SPEED)
    return handle


class Kubectl:
    """kubectl in one namespace of the shared cluster."""

    def __init__(self, handle: ClusterHandle, namespace: str):
        self.handle = handle
        self.namespace = namespace

    def __call__(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
        return self.handle.kubectl("-n", self.namespace, *args, check=check, input=input)

    def out(self, *args: str) -> str:
        return self(*args).stdout

    def json(self, *args: str) -> dict:
        return json.loads(self(*args, "-o", "json").stdout)

    def popen(self, *args: str) -> Running:
        h = self.handle
        return Running(subprocess.Popen(
            ["kubectl", "--kubeconfig", str(h.kubeconfig), "--cache-dir", str(h.server.root / "kubectl-cache" / h.name),
             "-n", self.namespace, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ))


class Running:
    """A long-running kubectl (``get -w``) whose output lines a thread collects."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def read_until(self, until, lines: list[str] | None = None, timeout: float = 60) -> list[str]:
        """Lines printed so far (added to ``lines``), once ``until(lines)`` holds."""
        lines = [] if lines is None else lines
        deadline = time.monotonic() + timeout
        while not until(lines):
            try:
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError("kubectl did not print what was expected:\n" + "\n".join(lines)) from None
            if line is None:
                raise AssertionError("kubectl ended early:\n" + "\n".join(lines) + self.proc.stderr.read())
            lines.append(line)
        return lines

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


@pytest.fixture
def k(kc, request) -> Kubectl:
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower().removeprefix("test_"))[:50].strip("-")
    kc.kubectl("create", "namespace", name)
    return Kubectl(kc, name)


def header(out: str) -> list[str]:
    return re.split(r"\s{2,}", out.splitlines()[0].strip())


def rows(out: str) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in out.splitlines()[1:] if line.strip()]


def deploy(k: Kubectl, name: str, image: str = "nginx:1.27", replicas: int = 2) -> None:
    k("create", "deployment", name, f"--image={image}", f"--replicas={replicas}")
    k("rollout", "status", f"deployment/{name}", "--timeout=55s")


# ---- get: tables, formats, pagination ---------------------------------------------------

WORKLOADS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: "busybox:1.36", command: [sleep, "3600"]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: redis, image: "redis:7"}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: hi, image: busybox, command: [echo, hi]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: "1", b: "2"}
---
apiVersion: v1
kind: Secret
metadata: {name: pw}
stringData: {password: hunter2}
"""


@pytest.fixture(scope="module")
def workloads(kc, tmp_path_factory) -> Kubectl:
    """One of every printed kind, settled, in namespace ``tables``."""
    k = Kubectl(kc, "tables")
    kc.kubectl("create", "namespace", "tables")
    path = tmp_path_factory.mktemp("tables") / "all.yaml"
    path.write_text(WORKLOADS)
    k("apply", "-f", str(path))
    k("rollout", "status", "deployment/web", "--timeout=55s")
    k("rollout", "status", "daemonset/agent", "--timeout=55s")
    k("rollout", "status", "statefulset/db", "--timeout=55s")
    k("wait", "--for=condition=complete", "job/once", "--timeout=55s")
    return k


# (resource, columns, extra columns with -o wide) as kubectl prints them against a real cluster
TABLES = [
    ("pods", ["NAME", "READY", "STATUS", "RESTARTS", "AGE"], ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]),
    ("deployments", ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"]),
    ("replicasets", ["NAME", "DESIRED", "CURRENT", "READY", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"]),
    ("daemonsets", ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"],
     ["CONTAINERS", "IMAGES", "SELECTOR"]),
    ("statefulsets", ["NAME", "READY", "AGE"], ["CONTAINERS", "IMAGES"]),
    ("jobs", ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"]),
    ("services", ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], ["SELECTOR"]),
    ("endpoints", ["NAME", "ENDPOINTS", "AGE"], []),
    ("configmaps", ["NAME", "DATA", "AGE"], []),
    ("secrets", ["NAME", "TYPE", "DATA", "AGE"], []),
    ("nodes", ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
     ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]),
    ("namespaces", ["NAME", "STATUS", "AGE"], []),
]


@pytest.mark.parametrize("resource,columns,wide", TABLES, ids=[t[0] for t in TABLES])
def test_get_prints_kubernetes_columns(workloads, resource, columns, wide):
    assert header(workloads.out("get", resource)) == columns
    wide_out = workloads.out("get", resource, "-o", "wide")
    assert header(wide_out) == columns + wide
    for row in rows(wide_out):
        assert len(row) == len(columns + wide)
        assert AGE.match(row[columns.index("AGE")]), row


# name -> the cells kubectl prints for it (AGE and -o wide columns aside)
ROWS = [
    ("deployment/web", ["web", "2/2", "2", "2"]),
    ("daemonset/agent", ["agent", "3", "3", "3", "3", "3", "<none>"]),
    ("statefulset/db", ["db", "1/1"]),
    ("job/once", ["once", "Complete", "1/1"]),
    ("configmap/cfg", ["cfg", "2"]),
    ("secret/pw", ["pw", "Opaque", "1"]),
    ("pod/db-0", ["db-0", "1/1", "Running", "0"]),
]


@pytest.mark.parametrize("name,cells", ROWS, ids=[r[0] for r in ROWS])
def test_get_row_cells(workloads, name, cells):
    (row,) = rows(workloads.out("get", name))
    assert row[: len(cells)] == cells


def test_get_wide_rows_show_node_ip_and_none(workloads):
    (svc,) = rows(workloads.out("get", "service", "web", "-o", "wide"))
    assert svc[1:5] == ["ClusterIP", svc[2], "<none>", "80/TCP"] and re.match(r"^10\.\d+\.\d+\.\d+$", svc[2])
    assert svc[6] == "app=web"
    for pod in rows(workloads.out("get", "pods", "-l", "app=web", "-o", "wide")):
        assert re.match(r"^10\.244\.\d+\.\d+$", pod[5]) and pod[6].startswith("node-")
        assert pod[7:] == ["<none>", "<none>"]
    (ep,) = rows(workloads.out("get", "endpoints", "web"))
    assert re.match(r"^10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80$", ep[1])
    nodes = rows(workloads.out("get", "nodes", "-o", "wide"))
    assert [n[:3] for n in nodes] == [[f"node-{i}", "Ready", "<none>"] for i in (1, 2, 3)]


def test_get_events_table(workloads):
    out = workloads.out("get", "events")
    assert header(out) == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    reasons = {(r[2], r[3].split("/")[0]) for r in rows(out)}
    assert {("ScalingReplicaSet", "deployment"), ("SuccessfulCreate", "replicaset"), ("Scheduled", "pod"),
            ("Pulled", "pod"), ("Started", "pod"), ("Completed", "job")} <= reasons
    wide = workloads.out("get", "events", "-o", "wide")
    assert header(wide) == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"]


def test_get_all_lists_every_workload_kind_in_kubectl_order(workloads):
    out = workloads.out("get", "all")
    sections = [block.splitlines() for block in out.strip().split("\n\n")]
    prefixes = [rows("\n".join(block))[0][0].split("/")[0] for block in sections]
    assert prefixes == ["pod", "service", "daemonset.apps", "deployment.apps", "replicaset.apps", "statefulset.apps", "job.batch"]
    names = workloads.out("get", "all", "-o", "name").split()
    assert {"deployment.apps/web", "service/web", "daemonset.apps/agent", "statefulset.apps/db", "job.batch/once", "pod/db-0"} <= set(names)


def test_output_formats(workloads):
    assert workloads.out("get", "deploy", "-o", "name").split() == ["deployment.apps/web"]
    as_json = workloads.json("get", "deploy", "web")
    assert as_json["kind"] == "Deployment" and as_json["status"]["readyReplicas"] == 2
    as_yaml = yaml.safe_load(workloads.out("get", "cm", "cfg", "-o", "yaml"))
    assert as_yaml["data"] == {"a": "1", "b": "2"}
    listed = workloads.json("get", "pods", "-l", "app=web")
    assert listed["kind"] == "List" and len(listed["items"]) == 2
    path = workloads.out("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.phase}")
    assert path.split() == ["Running", "Running"]
    columns = workloads.out("get", "deploy", "-o", "custom-columns=NAME:.metadata.name,IMAGE:.spec.template.spec.containers[0].image")
    assert rows(columns) == [["web", "nginx:1.27"]]


def test_list_pagination_with_chunk_size(k):
    for i in range(5):
        k("create", "configmap", f"page-{i}", f"--from-literal=i={i}")
    k("label", "configmap", "--all", "set=paged")
    result = k("get", "configmaps", "-l", "set=paged", "--chunk-size=2", "-v=6")
    assert [r[0] for r in rows(result.stdout)] == [f"page-{i}" for i in range(5)]
    requests = re.findall(r"GET (\S+/configmaps\?\S+) 200", result.stderr)
    assert len(requests) == 3
    assert all("limit=2" in url for url in requests) and all("continue=" in url for url in requests[1:])


# ---- watch -----------------------------------------------------------------------------


def test_get_watch_prints_changes_as_the_simulation_runs(k):
    watcher = k.popen("get", "pods", "-l", "app=watched", "--watch", "--output-watch-events")
    try:
        # No race: whatever exists when the watch starts is listed first.
        k("create", "deployment", "watched", "--image=nginx:1.27", "--replicas=1")
        lines = watcher.read_until(lambda lines: any(" Running " in line for line in lines))
    finally:
        watcher.stop()
    assert header(lines[0]) == ["EVENT", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    events = rows("\n".join(lines))
    assert events[0][0] == "ADDED" and events[0][1].startswith("watched-") and events[0][3] == "Pending"
    assert events[-1][0] == "MODIFIED" and events[-1][2:4] == ["1/1", "Running"]


def test_watch_with_label_selector_sees_a_pod_leave_as_deleted(k):
    k("run", "leaver", "--image=nginx:1.27", "--labels=tier=front")
    watcher = k.popen("get", "pods", "-l", "tier=front", "--watch", "--output-watch-events")
    try:
        lines = watcher.read_until(lambda lines: any(line.startswith("ADDED") for line in lines))
        k("label", "pod", "leaver", "tier=back", "--overwrite")
        watcher.read_until(lambda lines: any(line.startswith("DELETED") for line in lines), lines)
    finally:
        watcher.stop()
    assert [r[:2] for r in rows("\n".join(lines)) if r[0] == "DELETED"] == [["DELETED", "leaver"]]
    assert k.json("get", "pod", "leaver")["metadata"]["labels"] == {"tier": "back"}


def test_watch_list_client_gets_initial_events_and_the_end_bookmark(k, monkeypatch):
    """With client-go's WatchListClient feature, informers ask for sendInitialEvents and wait
    for the bookmark annotated k8s.io/initial-events-end."""
    deploy(k, "web", replicas=1)
    monkeypatch.setenv("KUBE_FEATURE_WatchListClient", "true")
    result = k("rollout", "status", "deploy/web", "--timeout=55s", "-v=6")
    assert result.stdout.strip() == 'deployment "web" successfully rolled out'
    assert re.search(r"GET \S+/deployments\?\S*sendInitialEvents=true\S* 200", result.stderr)
    assert "received the bookmark that marks the end of initial events stream" in result.stderr


# ---- apply -----------------------------------------------------------------------------

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        env:
        - {name: MODE, value: blue}
        - {name: DEBUG, value: "1"}
        ports:
        - containerPort: 80
        - containerPort: 9090
"""

SVC = """\
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {app: api}
  ports:
  - port: 80
"""


def test_client_side_apply_three_way_merge(k, tmp_path: Path):
    (tmp_path / "app.yaml").write_text(APP)
    (tmp_path / "svc.yaml").write_text(SVC)
    assert k.out("apply", "-f", str(tmp_path)).splitlines() == ["deployment.apps/api created", "service/api created"]
    last = json.loads(k.json("get", "deploy", "api")["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["spec"]["replicas"] == 2 and last["metadata"] == {"annotations": {}, "name": "api", "namespace": k.namespace}
    assert k.out("apply", "-f", str(tmp_path)).splitlines() == ["deployment.apps/api unchanged", "service/api unchanged"]
    k("rollout", "status", "deployment/api", "--timeout=55s")
    first_rs = k.out("get", "rs", "-l", "app=api", "-o", "name").split()

    # A change made by someone else (not in the file) survives the next apply.
    k("label", "deploy", "api", "owner=ops")
    changed = APP.replace("nginx:1.27", "nginx:1.28").replace('        - {name: DEBUG, value: "1"}\n', "")
    changed = changed.replace("        - containerPort: 9090\n", "")
    (tmp_path / "app.yaml").write_text(changed)
    assert k.out("apply", "-f", str(tmp_path / "app.yaml")).strip() == "deployment.apps/api configured"
    got = k.json("get", "deploy", "api")
    container = got["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.28"
    assert container["env"] == [{"name": "MODE", "value": "blue"}]
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert got["metadata"]["labels"] == {"owner": "ops"}
    k("rollout", "status", "deployment/api", "--timeout=55s")
    rs = k.out("get", "rs", "-l", "app=api", "-o", "name").split()
    assert len(rs) == 2 and set(first_rs) < set(rs)

    assert k.out("delete", "-f", str(tmp_path)).splitlines() == ['deployment.apps "api" deleted', 'service "api" deleted']
    assert k("get", "deploy,svc", "-o", "name").stdout.split() == []


# ---- scale and rollouts -------------------------------------------------------------------


def test_scale_with_and_without_precondition(k):
    deploy(k, "web", replicas=2)
    assert k.out("scale", "deploy", "web", "--replicas=3").strip() == "deployment.apps/web scaled"
    wrong = k("scale", "deploy", "web", "--current-replicas=2", "--replicas=5", check=False)
    assert wrong.returncode != 0 and "Expected replicas to be 2, was 3" in wrong.stderr
    assert k.out("scale", "deploy", "web", "--current-replicas=3", "--replicas=1").strip() == "deployment.apps/web scaled"
    k("rollout", "status", "deployment/web", "--timeout=55s")
    wait_for(lambda: len(k.out("get", "pods", "-l", "app=web", "-o", "name").split()) == 1, "scale down to 1 pod")
    rs = k.out("get", "rs", "-l", "app=web", "-o", "name").split()[0]
    assert k.out("scale", rs, "--replicas=0").strip() == f"{rs} scaled"


def test_rollout_history_undo_pause_resume_restart(k):
    deploy(k, "web", image="nginx:1.27")
    assert k.out("set", "image", "deploy/web", "nginx=nginx:1.28").strip() == "deployment.apps/web image updated"
    assert k.out("rollout", "status", "deploy/web", "--timeout=55s").splitlines()[-1] == 'deployment "web" successfully rolled out'
    history = k.out("rollout", "history", "deploy/web")
    assert rows(history.split("\n", 1)[1]) == [["1", "<none>"], ["2", "<none>"]]
    assert "Image:\tnginx:1.27" in k.out("rollout", "history", "deploy/web", "--revision=1")

    assert k.out("rollout", "undo", "deploy/web", "--to-revision=1").strip() == "deployment.apps/web rolled back"
    k("rollout", "status", "deploy/web", "--timeout=55s")
    assert k.json("get", "deploy", "web")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert [r[0] for r in rows(k.out("rollout", "history", "deploy/web").split("\n", 1)[1])] == ["2", "3"]

    assert k.out("rollout", "pause", "deploy/web").strip() == "deployment.apps/web paused"
    k("set", "image", "deploy/web", "nginx=nginx:1.26")
    paused = k.json("get", "deploy", "web")
    wait_for(lambda: k.json("get", "deploy", "web")["status"].get("observedGeneration") == paused["metadata"]["generation"],
             "the controller to observe the paused deployment")
    progressing = {c["type"]: c for c in k.json("get", "deploy", "web")["status"]["conditions"]}["Progressing"]
    assert (progressing["status"], progressing["reason"]) == ("Unknown", "DeploymentPaused")
    assert len(k.out("get", "rs", "-l", "app=web", "-o", "name").split()) == 2  # no new ReplicaSet while paused
    assert k.out("rollout", "resume", "deploy/web").strip() == "deployment.apps/web resumed"
    k("rollout", "status", "deploy/web", "--timeout=55s")

    assert k.out("rollout", "restart", "deploy/web").strip() == "deployment.apps/web restarted"
    k("rollout", "status", "deploy/web", "--timeout=55s")
    template = k.json("get", "deploy", "web")["spec"]["template"]
    assert "kubectl.kubernetes.io/restartedAt" in template["metadata"]["annotations"]
    assert [r[0] for r in rows(k.out("rollout", "history", "deploy/web").split("\n", 1)[1])] == ["2", "3", "4", "5"]


# ---- describe --------------------------------------------------------------------------


def events_of(described: str) -> list[list[str]]:
    """The rows of a describe output's Events section: Type, Reason, Age, From, Message."""
    section = described.split("\nEvents:", 1)[1]
    return [re.split(r"\s{2,}", line.strip()) for line in section.splitlines()[3:] if line.strip()]


def test_describe_shows_events_found_by_field_selector(k):
    deploy(k, "web", replicas=1)
    pod = k.out("get", "pods", "-l", "app=web", "-o", "name").strip()
    result = k("describe", pod, "-v=6")
    queried = re.findall(r"GET (\S+/events\?\S+) 200", result.stderr)
    assert queried and "fieldSelector=involvedObject.name" in queried[0]
    # Event names carry their time (as client-go's do), so events of one second still list,
    # and print, in the order they happened.
    # (No Pulling when an earlier test left the image on the node: "already present".)
    reasons = [e[1] for e in events_of(result.stdout)]
    assert reasons in (["Scheduled", "Pulling", "Pulled", "Created", "Started"], ["Scheduled", "Pulled", "Created", "Started"]), result.stdout
    assert events_of(k.out("describe", "deploy", "web"))[0][:2] == ["Normal", "ScalingReplicaSet"]
    assert events_of(k.out("describe", "rs", "-l", "app=web"))[0][:2] == ["Normal", "SuccessfulCreate"]
    k("expose", "deploy", "web", "--port=80")
    service = k.out("describe", "svc", "web")
    assert re.search(r"^Endpoints:\s+10\.244\.\d+\.\d+:80$", service, re.M)


def test_describe_node_after_cordon(k):
    """Cordoning sets spec.unschedulable; the node lifecycle controller adds the taint and the
    kubelet records NodeNotSchedulable with its next status update."""
    node = "node-3"

    def described_with(reason: str) -> str | None:
        out = k.out("describe", "node", node)
        return out if reason in {e[1] for e in events_of(out)} else None

    try:
        assert k.out("cordon", node).strip() == f"node/{node} cordoned"
        described = wait_for(lambda: described_with("NodeNotSchedulable"), "the NodeNotSchedulable event")
        assert re.search(r"^Unschedulable:\s+true$", described, re.M)
        assert re.search(r"^Taints:\s+node.kubernetes.io/unschedulable:NoSchedule$", described, re.M)
        event = next(e for e in events_of(described) if e[1] == "NodeNotSchedulable")
        assert (event[0], event[3], event[4]) == ("Normal", "kubelet", f"Node {node} status is now: NodeNotSchedulable")
    finally:
        assert k.out("uncordon", node).strip() == f"node/{node} uncordoned"
    assert k.out("uncordon", node).strip() == f"node/{node} already uncordoned"
    described = wait_for(lambda: described_with("NodeSchedulable"), "the NodeSchedulable event")
    assert re.search(r"^Unschedulable:\s+false$", described, re.M)
    assert "node.kubernetes.io/unschedulable" not in described


# ---- delete ------------------------------------------------------------------------------


@pytest.mark.parametrize("cascade", ["background", "foreground", "orphan"])
def test_delete_cascade(k, cascade):
    deploy(k, "web", replicas=2)
    out = k.out("delete", "deploy", "web", f"--cascade={cascade}", "--wait=true")
    assert out.strip() == 'deployment.apps "web" deleted'
    with pytest.raises(AssertionError, match="NotFound"):
        k("get", "deploy", "web")
    if cascade == "orphan":
        (rs,) = k.json("get", "rs", "-l", "app=web")["items"]
        assert "ownerReferences" not in rs["metadata"]
        assert len(k.out("get", "pods", "-l", "app=web", "-o", "name").split()) == 2
    elif cascade == "foreground":
        # The owner goes only after its dependents are gone.
        assert k.out("get", "rs", "-l", "app=web", "-o", "name").split() == []
    else:
        k("wait", "--for=delete", "rs", "-l", "app=web", "--timeout=55s")
    if cascade != "orphan":
        k("wait", "--for=delete", "pod", "-l", "app=web", "--timeout=55s")


# ---- imperative commands ------------------------------------------------------------------


def test_run_expose_edit_label_annotate_create_job(k, monkeypatch):
    assert k.out("run", "one", "--image=nginx:1.27", "--port=80").strip() == "pod/one created"
    k("wait", "--for=condition=Ready", "pod/one", "--timeout=55s")
    assert k.out("expose", "pod", "one", "--port=8080", "--target-port=80").strip() == "service/one exposed"
    svc = k.json("get", "svc", "one")
    assert svc["spec"]["selector"] == {"run": "one"} and svc["spec"]["ports"][0]["targetPort"] == 80

    assert k.out("label", "pod", "one", "tier=a").strip() == "pod/one labeled"
    refused = k("label", "pod", "one", "tier=b", check=False)
    assert refused.returncode != 0 and "'tier' already has a value (a), and --overwrite is false" in refused.stderr
    assert k.out("label", "pod", "one", "tier=b", "--overwrite").strip() == "pod/one labeled"
    assert k.out("annotate", "pod", "one", "note=x").strip() == "pod/one annotated"
    refused = k("annotate", "pod", "one", "note=y", check=False)
    assert refused.returncode != 0 and "'note' already has a value (x)" in refused.stderr
    assert k.out("annotate", "pod", "one", "note=y", "--overwrite").strip() == "pod/one annotated"
    meta = k.json("get", "pod", "one")["metadata"]
    assert meta["labels"]["tier"] == "b" and meta["annotations"]["note"] == "y"
    assert k.out("label", "pod", "one", "tier-").strip() == "pod/one unlabeled"

    deploy(k, "web", replicas=1)
    monkeypatch.setenv("KUBE_EDITOR", "sed -i s/replicas:\\ 1/replicas:\\ 2/")
    assert k.out("edit", "deploy", "web").strip() == "deployment.apps/web edited"
    assert k.json("get", "deploy", "web")["spec"]["replicas"] == 2

    assert k.out("create", "job", "hello", "--image=busybox", "--", "echo", "hi").strip() == "job.batch/hello created"
    k("wait", "--for=condition=complete", "job/hello", "--timeout=55s")
    (job,) = rows(k.out("get", "job", "hello"))
    assert job[1:3] == ["Complete", "1/1"]
    (pod,) = rows(k.out("get", "pods", "-l", "job-name=hello"))
    assert pod[1:3] == ["0/1", "Completed"]


def test_cordoned_node_gets_no_new_pods(k):
    try:
        k("cordon", "node-1")
        k("cordon", "node-2")
        deploy(k, "web", replicas=2)
        nodes = {pod["spec"]["nodeName"] for pod in k.json("get", "pods", "-l", "app=web")["items"]}
        assert nodes == {"node-3"}
        assert rows(k.out("get", "node", "node-1"))[0][1] == "Ready,SchedulingDisabled"
    finally:
        k("uncordon", "node-1")
        k("uncordon", "node-2")


# ---- steps and refusals --------------------------------------------------------------------


def test_every_kubectl_request_is_step_1_from_kubectl(k):
    after = k.handle.last_seq()
    k("create", "configmap", "c", "--from-literal=a=b")
    k("get", "configmap", "c")
    k("label", "configmap", "c", "x=y")
    k("delete", "configmap", "c")
    ours = [s for s in k.handle.steps(after)
            if s["step"] == 1 and s["object"]["namespace"] == k.namespace and s["object"]["kind"] == "ConfigMap"]
    # label reads before it patches; delete looks again to see the object gone
    assert [s["action"] for s in ours] == ["create", "get", "get", "patch", "delete", "get"]
    assert {(s["source"], s["target"], s["client"]) for s in ours} == {("client", "apiserver", "kubectl")}


UNSUPPORTED = [
    (["get", "replicationcontrollers"], "ReplicationController (v1) is a Kubernetes kind that kubeviz does not serve yet"),
    (["get", "csidrivers"], 'the server doesn\'t have a resource type "csidrivers"'),
]


@pytest.fixture(scope="module")
def one_pod(kc) -> Kubectl:
    k = Kubectl(kc, "refusals")
    kc.kubectl("create", "namespace", "refusals")
    k("run", "one", "--image=nginx:1.27")
    k("wait", "--for=condition=Ready", "pod/one", "--timeout=55s")
    return k


@pytest.mark.parametrize("args,message", UNSUPPORTED, ids=[" ".join(a[:2]) for a, _ in UNSUPPORTED])
def test_unsupported_requests_are_refused_in_plain_words(one_pod, args, message):
    result = one_pod(*args, check=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Internal" not in result.stderr and "<html" not in result.stderr.lower()


# ---- the day's routine ----------------------------------------------------------------------

DAY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


def restarts(cell: str) -> int:
    """The RESTARTS column: ``3`` or ``3 (12s ago)``."""
    return int(cell.split()[0])


def test_a_day_with_kubectl(k, tmp_path: Path):
    """Deploy, inspect, scale, roll out and back, debug a crashing pod, clean up."""
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DAY)
    k("apply", "-f", str(manifest))
    k("rollout", "status", "deploy/web", "--timeout=55s")

    pods = rows(k.out("get", "pods", "-l", "app=web", "-o", "wide"))
    assert len(pods) == 3 and {tuple(p[1:3]) for p in pods} == {("1/1", "Running")}
    assert "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable" in k.out("describe", "deploy", "web")
    assert len(re.search(r"^Endpoints:\s+(\S+)$", k.out("describe", "svc", "web"), re.M).group(1).split(",")) == 3

    k("scale", "deploy/web", "--replicas=5")
    k("rollout", "status", "deploy/web", "--timeout=55s")
    assert rows(k.out("get", "deploy", "web"))[0][1] == "5/5"

    k("set", "image", "deploy/web", "nginx=nginx:1.28")
    k("rollout", "status", "deploy/web", "--timeout=55s")
    wait_for(lambda: set(k.out("get", "pods", "-l", "app=web", "-o",
                               "jsonpath={.items[*].spec.containers[0].image}").split()) == {"nginx:1.28"},
             "the old pods to go")
    k("rollout", "undo", "deploy/web")
    k("rollout", "status", "deploy/web", "--timeout=55s")
    images = k.json("get", "deploy", "web")["spec"]["template"]["spec"]["containers"][0]["image"]
    assert images == "nginx:1.27"

    k("run", "crasher", "--image=kubeviz/crasher")
    wait_for(lambda: restarts(rows(k.out("get", "pod", "crasher"))[0][3]) >= 2, "the RESTARTS column to climb", timeout=120)
    wait_for(lambda: rows(k.out("get", "pod", "crasher"))[0][2] == "CrashLoopBackOff", "CrashLoopBackOff", timeout=120)
    warnings = [e for e in events_of(k.out("describe", "pod", "crasher")) if e[0] == "Warning"]
    assert any(e[1] == "BackOff" and e[-1].startswith("Back-off restarting failed container crasher in pod crasher_")
               for e in warnings), warnings

    k("delete", "-f", str(manifest))
    k("delete", "pod", "crasher", "--wait=false")
    k("wait", "--for=delete", "pod", "--all", "--timeout=55s")
    empty = k("get", "all")
    assert empty.stdout == "" and empty.stderr.strip() == f"No resources found in {k.namespace} namespace."
