"""Shared fixtures: an in-process demo cluster, and a real Daphne server for HTTP tests."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cluster(db):
    """A fresh ``demo``-shaped cluster in the test database."""
    from kubeviz.engine.services import cluster_create

    return cluster_create(name="demo", fixture="demo")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ClusterHandle:
    name: str
    token: str
    kubeconfig: Path
    server: LiveServer

    @property
    def api(self) -> str:
        return f"{self.server.https}/k8s/{self.name}"

    def session(self) -> requests.Session:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {self.token}"
        s.verify = str(self.server.ca)
        s.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise override verify
        return s

    def steps(self, after: int = 0) -> list[dict]:
        r = requests.get(f"{self.server.http}/api/clusters/{self.name}/steps/", params={"after": after, "limit": 5000})
        r.raise_for_status()
        return r.json()

    def last_seq(self) -> int:
        steps = self.steps()
        return steps[-1]["seq"] if steps else 0

    def revision(self) -> int:
        r = self.session().get(f"{self.api}/api/v1/namespaces")
        r.raise_for_status()
        # Any write bumps the cluster-wide revision, which every list reports.
        return int(r.json()["metadata"]["resourceVersion"])

    def python_client(self):
        from kubernetes import config

        return config.new_client_from_config(config_file=str(self.kubeconfig))

    def kubectl(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
        cmd = ["kubectl", "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.server.root / "kubectl-cache" / self.name), *args]
        result = subprocess.run(cmd, capture_output=True, text=True, input=input, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result


@dataclass
class LiveServer:
    http: str
    https: str
    root: Path
    env: dict
    ca: Path

    def manage(self, *args: str) -> str:
        out = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120,
        )
        if out.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed: {out.stderr}")
        return out.stdout

    def new_cluster(self, prefix: str = "t") -> ClusterHandle:
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.manage("loadfixture", "demo", "--name", name)
        kubeconfig = self.root / f"{name}.kubeconfig"
        kubeconfig.write_text(self.manage("kubeconfig", name))
        import yaml

        token = yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]["token"]
        return ClusterHandle(name, token, kubeconfig, self)


@pytest.fixture(scope="session")
def live_server_kv(tmp_path_factory) -> LiveServer:
    """Daphne serving kubeviz (HTTP and HTTPS) in a subprocess with its own database."""
    root = tmp_path_factory.mktemp("kubeviz-server")
    http_port, tls_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kubeviz.settings",
        "KUBEVIZ_SQLITE_PATH": str(root / "db.sqlite3"),
        "KUBEVIZ_TLS_DIR": str(root / "tls"),
        "HOST": "127.0.0.1",
        "PORT": str(http_port),
        "TLS_PORT": str(tls_port),
    }
    env.pop("DATABASE_URL", None)
    server = LiveServer(f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{tls_port}", root, env, root / "tls" / "ca.crt")
    server.manage("migrate", "--noinput")
    server.manage("tlscert")
    daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
    log = open(root / "daphne.log", "w")
    proc = subprocess.Popen(
        [daphne, "-e", f"tcp:port={http_port}:interface=127.0.0.1",
         "-e", f"ssl:port={tls_port}:interface=127.0.0.1:privateKey={root}/tls/server.key:certKey={root}/tls/server.crt",
         "kubeviz.asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{server.http}/api/clusters/", timeout=5).status_code == 200:
                break
        except (requests.ConnectionError, requests.Timeout):
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("daphne did not start: " + (root / "daphne.log").read_text())
        time.sleep(0.2)
    yield server
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def kv_cluster(live_server_kv) -> ClusterHandle:
    """A new cluster (demo fixture) on the live server, for one test."""
    return live_server_kv.new_cluster()


@pytest.fixture
def kubectl_bin():
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not on PATH")
    return shutil.which("kubectl")
