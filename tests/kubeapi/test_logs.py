"""GET …/pods/<name>/log over HTTPS: the Python client, plain HTTP and real kubectl.

Error cases run on a server without an engine (pods stay as created); the logs of running
containers need the engine: those tests use the server with workers, its clock sped up.
"""
from __future__ import annotations

import json
import re
import subprocess

import pytest
import requests
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from tests.liveserver import wait_for

NANO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z ")




def control(handle, path: str) -> requests.Response:
    r = requests.post(f"{handle.server.http}/api/clusters/{handle.name}/{path}",
                      headers={"Authorization": f"Bearer {handle.token}"})
    r.raise_for_status()
    return r


@pytest.fixture(scope="module")
def still(live_server_kv):
    """A cluster without an engine, with a two-container pod and a pod bound to node-1 that
    no kubelet will ever start (shared by the module's tests)."""
    handle = live_server_kv.new_cluster("logs")
    create_pod(handle, "two", [{"name": "web", "image": "nginx"}, {"name": "side", "image": "busybox"}])
    create_pod(handle, "bound", [{"name": "main", "image": "nginx"}], nodeName="node-1")
    return handle


@pytest.fixture(scope="module")
def live(live_engine_server):
    """A cluster whose engine runs, at ten simulated seconds per second (shared by the
    module's tests, which name their pods apart)."""
    handle = live_engine_server.new_cluster("logs")
    r = requests.post(f"{live_engine_server.http}/api/clusters/{handle.name}/clock/", json={"mode": "live", "speed": 10},
                      headers={"Authorization": f"Bearer {handle.token}"})
    r.raise_for_status()
    return handle


def create_pod(handle, name: str, containers: list[dict], **spec) -> None:
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": containers, **spec}}
    r = handle.session().post(f"{handle.api}/api/v1/namespaces/default/pods", json=body)
    assert r.status_code == 201, r.text


def running(handle, name: str, container: str = "main", restarts: int = 0) -> dict | None:
    pod = handle.session().get(f"{handle.api}/api/v1/namespaces/default/pods/{name}").json()
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if cs["name"] == container and "running" in cs["state"] and cs["restartCount"] >= restarts:
            return pod
    return None


def log(handle, name: str, **params) -> requests.Response:
    return handle.session().get(f"{handle.api}/api/v1/namespaces/default/pods/{name}/log", params=params)


# ---- refusals (no engine needed) ------------------------------------------------------------


@pytest.mark.parametrize("pod,params,code,reason,message", [
    ("two", {}, 400, "BadRequest", "a container name must be specified for pod two, choose one of: [web side]"),
    ("two", {"container": "nope"}, 400, "BadRequest", "container nope is not valid for pod two"),
    ("bound", {}, 400, "BadRequest", 'container "main" in pod "bound" is waiting to start: ContainerCreating'),
    ("bound", {"previous": "true"}, 400, "BadRequest", 'container "main" in pod "bound" is waiting to start: ContainerCreating'),
    ("bound", {"tailLines": "-1"}, 422, "Invalid", 'PodLogOptions "bound" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0'),
    ("bound", {"limitBytes": "0"}, 422, "Invalid", 'PodLogOptions "bound" is invalid: limitBytes: Invalid value: 0: must be greater than 0'),
    ("bound", {"sinceSeconds": "0"}, 422, "Invalid", 'PodLogOptions "bound" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0'),
    ("bound", {"tailLines": "ten"}, 400, "BadRequest", 'invalid value for tailLines: "ten" is not an integer'),
    ("bound", {"follow": "maybe"}, 400, "BadRequest", 'invalid value for follow: "maybe" is not a boolean'),
    ("bound", {"sinceTime": "yesterday"}, 400, "BadRequest", 'invalid value for sinceTime: "yesterday" is not an RFC3339 time'),
    ("bound", {"sinceTime": "2026-01-01T00:00:00Z", "sinceSeconds": "5"}, 422, "Invalid",
     'PodLogOptions "bound" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified'),
    ("missing", {}, 404, "NotFound", 'pods "missing" not found'),
])
def test_log_refusals_are_kubernetes_statuses(still, pod, params, code, reason, message):
    r = log(still, pod, **params)
    assert r.status_code == code, r.text
    body = r.json()
    assert (body["kind"], body["reason"], body["code"], body["message"]) == ("Status", reason, code, message)


def test_a_pod_not_yet_scheduled_has_an_empty_log_and_each_request_is_step_1(still):
    create_pod(still, "pending", [{"name": "main", "image": "nginx"}])
    after = still.last_seq()
    r = log(still, "pending")
    assert (r.status_code, r.text) == (200, "")
    assert r.headers["Content-Type"].startswith("text/plain")
    assert log(still, "pending", previous="true").status_code == 200
    log(still, "two-missing")
    steps = [s for s in still.steps(after) if s["step"] == 1]
    assert [s["action"] for s in steps] == ["get", "get", "get"]
    assert "(log)" in steps[0]["message"] and "refused with 404 NotFound" in steps[2]["message"]


def test_other_methods_on_log_and_eviction_are_not_allowed(still):
    s = still.session()
    r = s.post(f"{still.api}/api/v1/namespaces/default/pods/bound/log", json={})
    assert (r.status_code, r.json()["reason"]) == (405, "MethodNotAllowed")
    r = s.get(f"{still.api}/api/v1/namespaces/default/pods/bound/eviction")
    assert (r.status_code, r.json()["reason"]) == (405, "MethodNotAllowed")


def test_a_failed_nodes_kubelet_cannot_be_asked(still):
    create_pod(still, "stranded", [{"name": "main", "image": "nginx"}], nodeName="node-2")
    control(still, "nodes/node-2/fail/")
    try:
        r = log(still, "stranded")
    finally:
        control(still, "nodes/node-2/recover/")
    assert (r.status_code, r.json()["reason"]) == (500, "InternalError")
    assert r.json()["message"] == (
        'Get "https://node-2:10250/containerLogs/default/stranded/main": dial tcp node-2:10250: connect: no route to host'
    )


# ---- logs of running containers ----------------------------------------------------------------


def test_python_client_reads_tails_and_stamps_a_log(live):
    create_pod(live, "reader", [{"name": "main", "image": "nginx:1.27"}])
    wait_for(lambda: running(live, "reader"), "nginx to run")
    api = k8s.CoreV1Api(live.python_client())
    text = api.read_namespaced_pod_log("reader", "default")
    lines = text.splitlines()
    assert lines[0] == "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
    assert lines[-1].endswith("[notice] 1#1: start worker process 32")
    asked = [s for s in live.steps() if s["action"] == "logs" and s["object"]["name"] == "reader"]
    assert asked and asked[-1]["source"] == "apiserver" and asked[-1]["target"].startswith("kubelet/node-")
    assert asked[-1]["message"].endswith("logs stay on the node, they are never stored in etcd")
    assert api.read_namespaced_pod_log("reader", "default", tail_lines=2).splitlines() == lines[-2:]
    assert api.read_namespaced_pod_log("reader", "default", tail_lines=0) == ""
    stamped = api.read_namespaced_pod_log("reader", "default", timestamps=True, container="main").splitlines()
    assert all(NANO.match(line) for line in stamped)
    assert [line.split(" ", 1)[1] for line in stamped] == lines
    assert api.read_namespaced_pod_log("reader", "default", limit_bytes=12) == lines[0][:12]
    assert api.read_namespaced_pod_log("reader", "default", since_seconds=3600) == text
    with pytest.raises(ApiException) as refused:
        api.read_namespaced_pod_log("reader", "default", previous=True)
    assert refused.value.status == 400
    assert json.loads(refused.value.body)["message"] == 'previous terminated container "main" in pod "reader" not found'


def test_follow_streams_new_lines_and_ends_when_the_container_stops(live):
    create_pod(live, "ticker", [{"name": "main", "image": "busybox", "command": ["sh", "-c", "echo start; sleep 2; echo middle; sleep 2; echo end"]}],
               restartPolicy="Never")
    wait_for(lambda: running(live, "ticker"), "the busybox to run")
    api = k8s.CoreV1Api(live.python_client())
    response = api.read_namespaced_pod_log("ticker", "default", follow=True, _preload_content=False)
    try:
        got = b"".join(response.stream(64, decode_content=True)).decode()
    finally:
        response.release_conn()
    # The follow ends by itself once the container exits, with every line it printed.
    assert got == "start\nmiddle\nend\n"


def test_follow_of_an_endless_loop_can_be_left(live):
    create_pod(live, "counter", [{"name": "main", "image": "busybox",
                                  "command": ["sh", "-c", 'i=0; while true; do echo "$i: $(date)"; i=$((i+1)); sleep 1; done']}])
    wait_for(lambda: running(live, "counter"), "the counter to run")
    with live.session().get(f"{live.api}/api/v1/namespaces/default/pods/counter/log",
                            params={"follow": "true", "tailLines": "1"}, stream=True, timeout=30) as r:
        assert r.status_code == 200
        seen = []
        for line in r.iter_lines():
            seen.append(line.decode())
            if len(seen) == 4:
                break
    numbers = [int(line.split(":")[0]) for line in seen]
    assert numbers == list(range(numbers[0], numbers[0] + 4))


def test_access_lines_follow_service_traffic(live):
    create_pod(live, "front", [{"name": "main", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}])
    live.session().patch(f"{live.api}/api/v1/namespaces/default/pods/front", json={"metadata": {"labels": {"app": "front"}}},
                         headers={"Content-Type": "application/merge-patch+json"})
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "front"},
           "spec": {"selector": {"app": "front"}, "ports": [{"port": 80}]}}
    assert live.session().post(f"{live.api}/api/v1/namespaces/default/services", json=svc).status_code == 201
    wait_for(lambda: running(live, "front"), "nginx to run")

    def sent():
        r = requests.post(f"{live.server.http}/api/clusters/{live.name}/services/default/front/traffic/", json={"requests": 5},
                          headers={"Authorization": f"Bearer {live.token}"})
        return r.status_code == 200 and r.json()

    result = wait_for(sent, "the service to have endpoints")
    assert result["distribution"] == {"front": 5}
    access = [line for line in log(live, "front").text.splitlines() if '"GET ' in line]
    assert len(access) == 5
    assert access[0].startswith("10.244.0.100 - - [") and access[0].endswith('"curl/8.5.0" "-"')


# ---- kubectl -----------------------------------------------------------------------------------

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: nginx, image: "nginx:1.27"}
"""


@pytest.mark.kubectl
def test_kubectl_logs_tail_timestamps_container_and_deployment(kubectl_bin, live):
    create_pod(live, "two", [{"name": "web", "image": "nginx:1.27"}, {"name": "cache", "image": "redis:7"}])
    wait_for(lambda: running(live, "two", "web") and running(live, "two", "cache"), "both containers to run")
    out = live.kubectl("logs", "two", "-c", "cache").stdout.splitlines()
    assert out[-1].endswith("* Ready to accept connections tcp")
    assert live.kubectl("logs", "two", "-c", "web", "--tail", "1").stdout == out_last(live, "two", "web")
    stamped = live.kubectl("logs", "two", "--container=cache", "--timestamps").stdout.splitlines()
    assert all(NANO.match(line) for line in stamped) and len(stamped) == len(out)
    # kubectl itself picks the first container when none is named (the API server would refuse).
    defaulted = live.kubectl("logs", "two")
    assert 'Defaulted container "web" out of: web, cache' in defaulted.stderr
    assert defaulted.stdout.startswith("/docker-entrypoint.sh:")
    live.kubectl("apply", "-f", "-", input=DEPLOYMENT)
    wait_for(lambda: live.kubectl("get", "deploy", "web", "-o", "jsonpath={.status.readyReplicas}").stdout == "2", "web to be ready")
    result = live.kubectl("logs", "deploy/web")
    assert result.stdout.splitlines()[0].startswith("/docker-entrypoint.sh:")
    assert "Found 2 pods, using pod/web-" in result.stderr


def out_last(handle, pod: str, container: str) -> str:
    return log(handle, pod, container=container).text.splitlines()[-1] + "\n"


@pytest.mark.kubectl
def test_kubectl_logs_previous_after_a_crash(kubectl_bin, live):
    create_pod(live, "crashy", [{"name": "main", "image": "nginx:1.27"}])
    wait_for(lambda: running(live, "crashy"), "nginx to run")
    none = live.kubectl("logs", "crashy", "--previous", check=False)
    assert 'previous terminated container "main" in pod "crashy" not found' in none.stderr
    control(live, "pods/default/crashy/crash/")
    wait_for(lambda: running(live, "crashy", restarts=1), "the restart")
    previous = live.kubectl("logs", "crashy", "-p").stdout.splitlines()
    assert previous[0].startswith("/docker-entrypoint.sh:")
    assert previous[-1].startswith("fatal error: unexpected signal")
    current = live.kubectl("logs", "crashy").stdout.splitlines()
    assert "fatal error" not in "\n".join(current) and current[0].startswith("/docker-entrypoint.sh:")


@pytest.mark.kubectl
def test_kubectl_logs_follow(kubectl_bin, live):
    create_pod(live, "counter2", [{"name": "main", "image": "busybox",
                                  "command": ["sh", "-c", 'i=0; while true; do echo "line $i"; i=$((i+1)); sleep 1; done']}])
    wait_for(lambda: running(live, "counter2"), "the counter to run")
    cmd = ["kubectl", "--kubeconfig", str(live.kubeconfig), "logs", "-f", "counter2", "--tail", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = [proc.stdout.readline().strip() for _ in range(4)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    numbers = [int(line.split()[1]) for line in seen]
    assert numbers == list(range(numbers[0], numbers[0] + 4))


@pytest.mark.kubectl
def test_kubectl_logs_of_a_waiting_container(kubectl_bin, still):
    result = still.kubectl("logs", "bound", check=False)
    assert result.returncode != 0
    assert 'Error from server (BadRequest): container "main" in pod "bound" is waiting to start: ContainerCreating' in result.stderr


@pytest.mark.kubectl
def test_kubectl_logs_of_a_finished_job(kubectl_bin, live):
    live.kubectl("create", "job", "hello", "--image=busybox:1.36", "--", "sh", "-c", 'echo "hello from $HOSTNAME"; sleep 1; echo done')

    def succeeded():
        return live.kubectl("get", "job", "hello", "-o", "jsonpath={.status.succeeded}").stdout == "1"

    wait_for(succeeded, "the job to succeed")
    lines = live.kubectl("logs", "job/hello").stdout.splitlines()
    assert lines[0].startswith("hello from hello-") and lines[1:] == ["done"]
