"""Real kubectl exec, cp, attach (run -i) and port-forward over WebSockets (kubectl 1.30+;
skipped without kubectl), and what SPDY-only kubectl (1.27, 1.28) is told.

One cluster, its engine running and its clock sped up, serves the module.
"""
from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import time

import pytest
import requests
import yaml

from tests.liveserver import ClusterHandle, free_port, kubectl_version_binary, wait_for

pytestmark = [
    pytest.mark.kubectl,
    pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH"),
]

MANIFEST = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: game}
data: {game.properties: "lives=3\\n"}
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers: [{name: nginx, image: "nginx:1.27", ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: box}
spec:
  containers:
  - name: main
    image: busybox:1.36
    command: [sleep, "3600"]
    volumeMounts: [{name: game, mountPath: /config}]
  volumes: [{name: game, configMap: {name: game}}]
"""


@pytest.fixture(scope="module")
def kc(live_engine_server, tmp_path_factory) -> ClusterHandle:
    handle = live_engine_server.new_cluster("exec")
    handle.clock(mode="live", speed=20)
    path = tmp_path_factory.mktemp("exec") / "objects.yaml"
    path.write_text(MANIFEST)
    handle.kubectl("apply", "-f", str(path))
    handle.kubectl("wait", "--for=condition=Ready", "pod/web", "pod/box", "--timeout=60s")
    return handle


def test_exec_prints_the_containers_file(kc):
    assert kc.kubectl("exec", "box", "--", "cat", "/etc/hostname").stdout == "box\n"
    assert kc.kubectl("exec", "box", "--", "cat", "/config/game.properties").stdout == "lives=3\n"


@pytest.mark.parametrize("script,code", [("exit 3", 3), ("false", 1), ("true", 0)])
def test_exec_exits_with_the_commands_code(kc, script, code):
    result = kc.kubectl("exec", "box", "--", "sh", "-c", script, check=False)
    assert result.returncode == code
    if code:
        assert f"command terminated with exit code {code}" in result.stderr


def test_exec_with_stdin(kc):
    out = kc.kubectl("exec", "-i", "box", "--", "sh", "-c", "cat > /tmp/typed; wc -l < /tmp/typed", input="a\nb\nc\n").stdout
    assert out.strip() == "3"
    assert kc.kubectl("exec", "-i", "box", "--", "sh", input="cd /tmp\nls\n").stdout.split() == ["typed"]


def test_cp_both_ways(kc, tmp_path):
    local = tmp_path / "notes.txt"
    local.write_text("copied in\n")
    kc.kubectl("cp", str(local), "default/box:/tmp/notes.txt")
    assert kc.kubectl("exec", "box", "--", "cat", "/tmp/notes.txt").stdout == "copied in\n"
    back = tmp_path / "game.properties"
    kc.kubectl("cp", "default/box:/config/game.properties", str(back))
    assert back.read_text() == "lives=3\n"


def test_run_i_rm_prints_nginx_page(kc):
    result = kc.kubectl("run", "tmp", "--rm", "-i", "--image=busybox", "--restart=Never", "--", "wget", "-qO-", "web")
    assert "Welcome to nginx!" in result.stdout
    assert kc.kubectl("get", "pod", "tmp", check=False).returncode != 0  # --rm deleted it


def test_run_i_rm_sh_reads_what_is_typed(kc):
    result = kc.kubectl("run", "typed", "--rm", "-i", "--image=busybox", "--restart=Never", "--", "sh",
                        input="echo hello from $(hostname)\nexit\n")
    assert "hello from typed" in result.stdout


def _in_a_terminal(kc: ClusterHandle, args: list[str], typed: list[str], timeout: float = 60) -> tuple[str, int]:
    """Run kubectl with a terminal (``-t`` needs one), typing each line once the previous
    output has settled; returns what the terminal showed and the exit code."""
    main, child = pty.openpty()
    proc = subprocess.Popen([shutil.which("kubectl"), "--kubeconfig", str(kc.kubeconfig), *args],
                            stdin=child, stdout=child, stderr=child, close_fds=True)
    os.close(child)
    shown = b""
    deadline = time.monotonic() + timeout
    pending = list(typed)
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1.0)
            if ready:
                try:
                    chunk = os.read(main, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
            elif pending and b"# " in shown:
                os.write(main, pending.pop(0).encode() + b"\r")
            elif proc.poll() is not None:
                break
        return shown.decode(errors="replace"), proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)


def test_exec_it_gives_an_interactive_shell(kc):
    shown, code = _in_a_terminal(kc, ["exec", "-it", "box", "--", "sh"],
                                 ["cd /config", "cat game.properties", "echo $((6 * 7))", "exit 5"])
    assert "/config # " in shown
    assert "lives=3" in shown and "42" in shown
    assert code == 5


def test_run_it_rm_gives_a_shell_then_deletes_the_pod(kc):
    shown, code = _in_a_terminal(kc, ["run", "-it", "--rm", "tty", "--image=busybox", "--restart=Never", "--", "sh"],
                                 ["hostname", "exit"])
    assert "tty" in shown.split("hostname", 1)[-1]
    assert code == 0
    assert kc.kubectl("get", "pod", "tty", check=False).returncode != 0


def test_port_forward_then_http_get(kc, tmp_path):
    port = free_port()
    h = kc
    proc = subprocess.Popen(
        [shutil.which("kubectl"), "--kubeconfig", str(h.kubeconfig), "port-forward", "pod/web", f"{port}:80"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def get() -> requests.Response | None:
            try:
                return requests.get(f"http://127.0.0.1:{port}/", timeout=5)
            except requests.ConnectionError:
                return None
        response = wait_for(get, "the forwarded port to answer", 30)
        assert response.status_code == 200
        assert "Welcome to nginx!" in response.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("binary", ["kubectl.1.27", "kubectl.1.28", "kubectl.1.29"])
def test_spdy_only_kubectl_is_told_which_versions_work(kc, binary):
    if kubectl_version_binary(binary) is None:
        pytest.skip(f"{binary} is not on PATH")
    result = kc.kubectl_as(binary, "exec", "box", "--", "true", check=False)
    assert result.returncode != 0
    assert "kubectl 1.30 or newer" in result.stderr


def test_kubectl_1_29_streams_when_told_to(kc):
    binary = kubectl_version_binary("kubectl.1.29")
    if binary is None:
        pytest.skip("kubectl.1.29 is not on PATH")
    result = subprocess.run([binary, "--kubeconfig", str(kc.kubeconfig), "exec", "box", "--", "hostname"],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "KUBECTL_REMOTE_COMMAND_WEBSOCKETS": "true"})
    assert result.stdout == "box\n", result.stderr


def test_another_clusters_token_is_unauthorized(kc, live_engine_server, tmp_path):
    other = live_engine_server.new_cluster("intruder")
    config = yaml.safe_load(kc.kubeconfig.read_text())
    config["users"][0]["user"]["token"] = other.token
    path = tmp_path / "intruder.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run([shutil.which("kubectl"), "--kubeconfig", str(path), "exec", "box", "--", "true"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Unauthorized" in result.stderr


def test_rbac_needs_create_on_pods_exec(kc):
    # kubectl reads the pod first: jane may, so she gets as far as the upgrade.
    kc.kubectl("create", "role", "reader", "--verb=get", "--resource=pods")
    kc.kubectl("create", "rolebinding", "jane-reads", "--role=reader", "--user=jane")
    result = kc.kubectl("exec", "box", "--as", "jane", "--", "true", check=False)
    assert result.returncode != 0
    assert 'User "jane" cannot create resource "pods/exec" in API group "" in the namespace "default"' in result.stderr
    kc.kubectl("create", "role", "execer", "--verb=create", "--resource=pods/exec")
    kc.kubectl("create", "rolebinding", "jane-execs", "--role=execer", "--user=jane")
    assert kc.kubectl("exec", "box", "--as", "jane", "--", "hostname").stdout == "box\n"


def test_exec_in_a_container_that_is_not_running(kc):
    kc.kubectl("run", "done", "--image=busybox", "--restart=Never", "--", "true")
    wait_for(lambda: kc.kubectl("get", "pod", "done", "-o", "jsonpath={.status.phase}").stdout == "Succeeded", "pod done to finish")
    result = kc.kubectl("exec", "done", "--", "true", check=False)
    assert result.returncode != 0
    assert "cannot exec into a container in a completed pod; current phase is Succeeded" in result.stderr


def test_kubectl_1_30_port_forward_is_told_which_versions_work(kc):
    binary = kubectl_version_binary("kubectl.1.30")
    if binary is None:
        pytest.skip("kubectl.1.30 is not on PATH")
    result = subprocess.run([binary, "--kubeconfig", str(kc.kubeconfig), "port-forward", "pod/web", f"{free_port()}:80"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "kubectl 1.31 or newer for port-forward" in result.stderr
