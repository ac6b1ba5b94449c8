"""exec, attach and port-forward over WebSockets with the official Python client's
``kubernetes.stream`` (always run: it needs no kubectl).

One cluster, its engine running and its clock sped up, serves the module: an nginx pod
behind a Service ``web``, a busybox pod sleeping with a ConfigMap volume, and a pod made
for attaching (``stdin: true``, a bare ``sh``).
"""
from __future__ import annotations

import pytest
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException
from kubernetes.stream import portforward, stream

from tests.liveserver import ClusterHandle, wait_for

NS = "default"


def _pod(name: str, containers: list[dict], **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"containers": containers, **spec}}


@pytest.fixture(scope="module")
def handle(live_engine_server) -> ClusterHandle:
    h = live_engine_server.new_cluster("streams")
    h.clock(mode="live", speed=20)
    s = h.session()
    objects = [
        ("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "game"},
                        "data": {"game.properties": "lives=3\n"}}),
        ("pods", _pod("web", [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}])),
        ("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                      "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}),
        ("pods", _pod("box", [{"name": "main", "image": "busybox:1.36", "command": ["sleep", "3600"],
                               "env": [{"name": "GREETING", "value": "hello"}],
                               "volumeMounts": [{"name": "game", "mountPath": "/config"}]}],
                      volumes=[{"name": "game", "configMap": {"name": "game"}}])),
        ("pods", _pod("shell", [{"name": "shell", "image": "busybox:1.36", "args": ["sh"], "stdin": True, "tty": True}])),
        ("pods", _pod("ticker", [{"name": "ticker", "image": "busybox:1.36",
                                  "command": ["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done"]}])),
    ]
    for plural, body in objects:
        r = s.post(f"{h.api}/api/v1/namespaces/{NS}/{plural}", json=body)
        assert r.status_code == 201, r.text
    for name in ("web", "box", "shell", "ticker"):
        wait_for(lambda name=name: _running(h, name), f"pod {name} running")
    return h


def _running(h: ClusterHandle, name: str) -> bool:
    pod = h.session().get(f"{h.api}/api/v1/namespaces/{NS}/pods/{name}").json()
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return bool(statuses) and all("running" in cs["state"] for cs in statuses)


@pytest.fixture(scope="module")
def api(handle) -> k8s.CoreV1Api:
    return k8s.CoreV1Api(handle.python_client())


def _exec(api: k8s.CoreV1Api, pod: str, command: list[str], **kw):
    return stream(api.connect_get_namespaced_pod_exec, pod, NS, command=command, stderr=True, stdin=False,
                  stdout=True, tty=False, _preload_content=False, **kw)


def _run(api: k8s.CoreV1Api, pod: str, command: list[str]) -> tuple[str, str, int]:
    ws = _exec(api, pod, command)
    ws.run_forever(timeout=20)
    return ws.read_stdout(), ws.read_stderr(), ws.returncode


@pytest.mark.parametrize("pod,command,out,err,code", [
    ("box", ["cat", "/etc/hostname"], "box\n", "", 0),
    ("box", ["cat", "/config/game.properties"], "lives=3\n", "", 0),
    ("box", ["sh", "-c", "echo $GREETING; echo oops >&2; exit 3"], "hello\n", "oops\n", 3),
    ("box", ["cat", "/nope"], "", "cat: can't open '/nope': No such file or directory\n", 1),
    ("box", ["frobnicate"], "", "sh: frobnicate: not found\n", 127),
    ("box", ["wget", "-qO-", "web"], "Welcome to nginx!", "", 0),
    ("web", ["ls", "/usr/share/nginx/html"], "index.html", "", 0),
])
def test_exec_output_and_exit_code(api, pod, command, out, err, code):
    stdout, stderr, rc = _run(api, pod, command)
    assert out in stdout
    assert stderr == err
    assert rc == code


def test_exec_writes_persist_and_stdin_reaches_the_command(api):
    assert _run(api, "box", ["sh", "-c", "echo saved > /tmp/note; touch /tmp/empty"])[2] == 0
    assert _run(api, "box", ["cat", "/tmp/note"])[0] == "saved\n"
    ws = stream(api.connect_get_namespaced_pod_exec, "box", NS, command=["sh", "-c", "cat > /tmp/in; wc -l < /tmp/in"],
                stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)
    ws.write_stdin("one\ntwø\n")
    ws.close_channel(0)
    ws.run_forever(timeout=20)
    assert ws.read_stdout().strip() == "2"
    assert ws.returncode == 0
    assert _run(api, "box", ["cat", "/tmp/in"])[0] == "one\ntwø\n"
    assert _run(api, "box", ["ls", "/tmp"])[0].split() == ["empty", "in", "note"]


def test_a_file_an_exec_removes_fails_the_liveness_probe(handle, api):
    """The classic demo by hand: ``kubectl exec … -- rm /tmp/healthy`` and the exec probe
    that cats it fails, so the kubelet restarts the container (which touches it again)."""
    body = _pod("liveness", [{
        "name": "main", "image": "busybox:1.36", "command": ["sh", "-c", "touch /tmp/healthy; sleep 3600"],
        "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}, "periodSeconds": 5, "failureThreshold": 1},
    }])
    assert handle.session().post(f"{handle.api}/api/v1/namespaces/{NS}/pods", json=body).status_code == 201
    wait_for(lambda: _running(handle, "liveness"), "pod liveness running")
    assert _run(api, "liveness", ["rm", "/tmp/healthy"])[2] == 0

    def restarts() -> int:
        pod = api.read_namespaced_pod("liveness", NS)
        return pod.status.container_statuses[0].restart_count
    wait_for(lambda: restarts() >= 1, "the container restarted by its liveness probe")
    events = api.list_namespaced_event(NS, field_selector="involvedObject.name=liveness").items
    assert any(e.reason == "Unhealthy" and e.message.startswith("Liveness probe failed: cat: can't open '/tmp/healthy'")
               for e in events)
    wait_for(lambda: _running(handle, "liveness"), "pod liveness running again")
    assert _run(api, "liveness", ["cat", "/tmp/healthy"])[2] == 0  # a new instance: the exec's removal is gone


def test_what_an_exec_writes_on_a_persistent_volume_outlives_the_pod(handle, api):
    """The StatefulSet tutorial's move: write with ``kubectl exec`` onto a claim, delete the
    pod, and a new pod on the same claim finds the file."""
    s = handle.session()
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "notes"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
    assert s.post(f"{handle.api}/api/v1/namespaces/{NS}/persistentvolumeclaims", json=claim).status_code == 201

    def on_claim(name: str, command: str) -> dict:
        return _pod(name, [{"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", command],
                            "volumeMounts": [{"name": "notes", "mountPath": "/data"}]}],
                    volumes=[{"name": "notes", "persistentVolumeClaim": {"claimName": "notes"}}],
                    terminationGracePeriodSeconds=0)
    assert s.post(f"{handle.api}/api/v1/namespaces/{NS}/pods", json=on_claim("writer", "sleep 3600")).status_code == 201
    wait_for(lambda: _running(handle, "writer"), "pod writer running")
    assert _run(api, "writer", ["sh", "-c", "echo kept > /data/note"])[2] == 0
    api.delete_namespaced_pod("writer", NS)
    wait_for(lambda: s.get(f"{handle.api}/api/v1/namespaces/{NS}/pods/writer").status_code == 404, "writer gone")
    body = on_claim("reader", "cat /data/note; sleep 3600")
    assert s.post(f"{handle.api}/api/v1/namespaces/{NS}/pods", json=body).status_code == 201
    wait_for(lambda: _running(handle, "reader"), "pod reader running")
    assert api.read_namespaced_pod_log("reader", NS) == "kept\n"


def _read_until(ws, marker: str, timeout: float = 20) -> str:
    seen = ""

    def more() -> bool:
        nonlocal seen
        ws.update(timeout=1)
        seen += ws.read_stdout() if ws.peek_stdout() else ""
        return marker in seen
    wait_for(more, f"{marker!r} on stdout", timeout)
    return seen


def test_interactive_shell_keeps_its_state_until_exit(api):
    ws = stream(api.connect_get_namespaced_pod_exec, "box", NS, command=["sh"], stderr=True, stdin=True,
                stdout=True, tty=True, _preload_content=False)
    assert _read_until(ws, "/ # ").endswith("/ # ")
    ws.write_stdin("cd /config; X=42\r")
    _read_until(ws, "/config # ")
    ws.write_stdin("echo $X; cat game.properties\r")
    seen = _read_until(ws, "lives=3")
    assert "42\r\n" in seen
    ws.write_stdin("exit 4\r")
    ws.run_forever(timeout=20)
    assert ws.returncode == 4


def test_attach_to_a_shell_made_with_stdin(api):
    ws = stream(api.connect_get_namespaced_pod_attach, "shell", NS, stdin=True, stdout=True, stderr=True, tty=True,
                _preload_content=False)
    _read_until(ws, "# ")
    ws.write_stdin("hostname\r")
    assert "shell\r\n" in _read_until(ws, "shell\r\n")
    ws.write_stdin("exit\r")
    ws.run_forever(timeout=20)
    assert ws.returncode == 0


def test_attach_streams_what_the_program_prints_from_now_on(api):
    ws = stream(api.connect_get_namespaced_pod_attach, "ticker", NS, stdin=False, stdout=True, stderr=True, tty=False,
                _preload_content=False)
    seen = _read_until(ws, "tick")
    ws.close()
    first = int(seen.split("tick ", 1)[1].split()[0])
    assert first > 1  # lines printed before the attach are not replayed


def test_port_forward_answers_with_what_the_container_serves(handle, api):
    after = handle.last_seq()
    pf = portforward(api.connect_get_namespaced_pod_portforward, "web", NS, ports="80")
    sock = pf.socket(80)
    sock.setblocking(True)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Welcome to nginx!" in data
    assert pf.error(80) is None
    hops = [(s["source"].split("/")[0], s["target"].split("/")[0], s["action"]) for s in handle.steps(after)
            if s["object"]["name"] == "web"]
    assert hops == [("client", "apiserver", "create"), ("apiserver", "kubelet", "portforward"),
                    ("kubelet", "runtime", "portforward"), ("kubelet", "runtime", "forward")]


def test_port_forward_to_a_port_nobody_listens_on_says_so(api):
    pf = portforward(api.connect_get_namespaced_pod_portforward, "web", NS, ports="8080")
    sock = pf.socket(8080)
    sock.setblocking(True)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert sock.recv(100) in (b"",)
    assert "connect: connection refused" in wait_for(lambda: pf.error(8080), "the port's error")
    pf.close()


def test_steps_show_client_apiserver_kubelet_runtime(handle, api):
    after = handle.last_seq()
    _run(api, "box", ["true"])
    hops = [(s["source"].split("/")[0], s["target"].split("/")[0], s["action"]) for s in handle.steps(after)
            if s["object"]["name"] == "box" and s["action"] in ("create", "exec")]
    assert hops == [("client", "apiserver", "create"), ("apiserver", "kubelet", "exec"), ("kubelet", "runtime", "exec")]


@pytest.mark.parametrize("token,pod,container,reason", [
    ("other", "box", None, "403"),        # a token that is not this cluster's: the handshake is refused
    ("", "box", None, "403"),             # no token at all
    ("mine", "nope", None, "403"),        # no such pod
    ("mine", "box", "ghost", "403"),      # no such container
    ("mine", "box", None, "long"),        # a command over the length limit
])
def test_refused_before_the_upgrade(handle, token, pod, container, reason):
    config = handle.python_client().configuration
    config.refresh_api_key_hook = None  # it would put the kubeconfig's token back
    if token == "other":
        config.api_key = {"BearerToken": "Bearer " + "x" * len(handle.token)}
    elif token == "":
        config.api_key = {}
    api = k8s.CoreV1Api(k8s.ApiClient(config))
    kw = {"container": container} if container else {}
    command = ["echo", "x" * 10_000] if reason == "long" else ["true"]
    with pytest.raises(ApiException) as err:
        _exec(api, pod, command, **kw)
    assert "403" in str(err.value)


def test_spdy_gets_a_status_saying_which_kubectl_works(handle):
    r = handle.session().post(f"{handle.api}/api/v1/namespaces/{NS}/pods/box/exec",
                              params={"command": "true", "stdout": "true"}, headers={"Upgrade": "SPDY/3.1", "Connection": "Upgrade"})
    assert r.status_code == 400
    assert r.json()["reason"] == "BadRequest"
    assert "kubectl 1.30 or newer" in r.json()["message"]
    missing = handle.session().post(f"{handle.api}/api/v1/namespaces/{NS}/pods/box/exec",
                                    params={"command": "true", "stdout": "true", "container": "ghost"})
    assert missing.json()["message"] == "container ghost is not valid for pod box"
