"""A real kubeviz server in subprocesses, shared by the HTTP tests (tests/conftest.py) and the
benchmarks (bench/): Daphne serving HTTP and HTTPS with its own SQLite database, optionally
with the engine workers (``manage.py runworkers``) as ``make run`` starts them.

One place starts it so that tests and benchmarks measure the same server.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent


#: The teacher every live server has: the site's clusters (the demo) are acted on by
#: teachers only, so the browser tests log in as one.
TEACHER = "teacher"
TEACHER_PASSWORD = "projector-in-room-7"


def wait_for(check: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    """Poll until ``check()`` gives something truthy: the engine runs in another process,
    so a test can only look again."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def kubectl_version_binary(binary: str) -> str | None:
    """``kubectl.1.27`` and the like: on PATH, or beside the real kubectl (gcloud's SDK
    keeps them in its bin directory, which only the ``kubectl`` link points into)."""
    found = shutil.which(binary)
    if found:
        return found
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None
    beside = Path(kubectl).resolve().parent / binary
    return str(beside) if beside.exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_database(url: str, *, template: str | None = None) -> str:
    """A new database on the PostgreSQL server of ``url`` (a copy of ``template`` if
    given, else empty); returns its URL."""
    import psycopg

    name = f"kv_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    head, _, tail = url.partition("?")
    return head.rsplit("/", 1)[0] + "/" + name + (f"?{tail}" if tail else "")


# A migrated database per PostgreSQL server (by URL): each live server starts from a copy,
# which takes a fraction of a second where migrating a new one takes many.
_migrated: dict[str, str] = {}


def _migrated_database(url: str, env: dict[str, str]) -> str:
    template = _migrated.get(url)
    if template is None:
        fresh = create_database(url)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT,
                       env={**env, "DATABASE_URL": fresh}, check=True, capture_output=True, timeout=600)
        template = _migrated[url] = fresh.partition("?")[0].rsplit("/", 1)[1]
    return create_database(url, template=template)


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

    def clock(self, **body: object) -> dict:
        """Set the simulation clock (mode, speed) through the REST API; with nothing to set,
        read it."""
        url = f"{self.server.http}/api/clusters/{self.name}/clock/"
        headers = {"Authorization": f"Bearer {self.token}"}
        r = requests.post(url, json=body, headers=headers) if body else requests.get(url, headers=headers)
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
        return self.kubectl_as("kubectl", *args, check=check, input=input)

    def kubectl_as(self, binary: str, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
        """Run one kubectl binary (``kubectl.1.27`` …); each keeps its own discovery cache."""
        cmd = [kubectl_version_binary(binary) or binary, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.server.root / "kubectl-cache" / binary / self.name), *args]
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
    # The running children by name ("daphne", "workers"), while ``serving``.
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    # Every Daphne's address while ``serving(daphnes=N)``, this server's own first.
    http_all: list[str] = field(default_factory=list)
    https_all: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.http_all = [self.http]
        self.https_all = [self.https]

    @classmethod
    def prepare(cls, root: Path, *, embedded: bool = False, env: dict[str, str] | None = None) -> LiveServer:
        """Pick ports, migrate a fresh database under ``root`` and make its TLS files;
        nothing runs yet, so a caller may fill the database first (``manage``).

        With ``DATABASE_URL`` (PostgreSQL) in the environment the server runs on a new
        database of that server. ``embedded`` drops ``DATABASE_URL`` and ``REDIS_URL``:
        the server then runs on SQLite and Channels' in-memory layer, the embedded
        default, whatever the environment says. ``env`` adds to (overrides) the
        environment, e.g. the scale-out backends of tests/backends.py."""
        http_port, tls_port = free_port(), free_port()
        env = {
            **os.environ,
            **(env or {}),
            "DJANGO_SETTINGS_MODULE": "kubeviz.settings",
            "KUBEVIZ_SQLITE_PATH": str(root / "db.sqlite3"),
            "KUBEVIZ_TLS_DIR": str(root / "tls"),
            "HOST": "127.0.0.1",
            "PORT": str(http_port),
            "TLS_PORT": str(tls_port),
            "KUBEVIZ_RUN_DIR": str(root),
        }
        if embedded:
            env.pop("REDIS_URL", None)
            env.pop("DATABASE_URL", None)
        migrated = False
        if not embedded and env.get("DATABASE_URL"):
            # PostgreSQL: a fresh database of its own on the same server, as SQLite gets a file.
            env["DATABASE_URL"] = _migrated_database(env["DATABASE_URL"], env)
            migrated = True
        server = cls(f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{tls_port}", root, env, root / "tls" / "ca.crt")
        if not migrated:
            server.manage("migrate", "--noinput")
        server.manage("tlscert")
        server.manage("createteacher", TEACHER, "--password", TEACHER_PASSWORD)
        return server

    def login(self, name: str = TEACHER, password: str = TEACHER_PASSWORD) -> dict[str, str]:
        """Log in through the login page as a browser would; returns the cookies (session
        and CSRF) to give a browser or a ``requests`` session."""
        s = requests.Session()
        s.trust_env = False
        s.get(f"{self.http}/accounts/login/").raise_for_status()
        r = s.post(f"{self.http}/accounts/login/", data={
            "username": name, "password": password, "csrfmiddlewaretoken": s.cookies["csrftoken"],
        }, headers={"Referer": f"{self.http}/accounts/login/"}, allow_redirects=False)
        assert r.status_code == 302, f"login as {name} failed: {r.status_code}"
        return dict(s.cookies)

    def browser_cookies(self, name: str = TEACHER, password: str = TEACHER_PASSWORD) -> list[dict[str, str]]:
        """``login``'s cookies in the form Playwright's ``context.add_cookies`` takes."""
        return [{"name": k, "value": v, "url": self.http} for k, v in self.login(name, password).items()]

    @property
    def port(self) -> int:
        return int(self.env["PORT"])

    def manage(self, *args: str) -> str:
        out = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300,
        )
        if out.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed: {out.stderr}")
        return out.stdout

    def new_cluster(self, prefix: str = "t", *, name: str | None = None) -> ClusterHandle:
        """Load the demo fixture as a new cluster (``<prefix>-<random>`` unless ``name``)."""
        name = name or f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.manage("loadfixture", "demo", "--name", name)
        return self.cluster(name)

    def cluster(self, name: str) -> ClusterHandle:
        """A handle (kubeconfig, token) on a cluster that already exists in the database."""
        kubeconfig = self.root / f"{name}.kubeconfig"
        kubeconfig.write_text(self.manage("kubeconfig", name))
        import yaml

        token = yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]["token"]
        return ClusterHandle(name, token, kubeconfig, self)

    @contextmanager
    def serving(self, *, workers: bool | int = False, daphnes: int = 1) -> Iterator[LiveServer]:
        """Daphne (HTTP and HTTPS) until the block ends, and the engine workers too if
        ``workers`` (a number: that many worker processes); their output goes to
        ``daphne.log`` and ``workers.log`` under root. More ``daphnes`` (the scale-out
        layout, on PostgreSQL) listen on ports of their own: ``https_all``/``http_all``
        list every Daphne's address, this server's own first; the others are
        ``daphne-2``, ``workers-2``, … ."""
        with ExitStack() as stack:
            for i in range(daphnes):
                name = "daphne" if i == 0 else f"daphne-{i + 1}"
                ports = (self.port, int(self.env["TLS_PORT"])) if i == 0 else (free_port(), free_port())
                if i:
                    self.http_all.append(f"http://127.0.0.1:{ports[0]}")
                    self.https_all.append(f"https://127.0.0.1:{ports[1]}")
                proc = stack.enter_context(self._child(name, self._daphne_command(*ports)))
                self._wait_up(proc, name, (self.http_all[i] if i else self.http))
            for i in range(int(workers)):
                stack.enter_context(self.worker(i))
            try:
                yield self
            finally:
                del self.http_all[1:], self.https_all[1:]

    def worker(self, i: int = 0):
        """One engine worker process (``runworkers``) as a context manager, named
        ``workers`` (``workers-<i+1>`` after the first)."""
        name = "workers" if i == 0 else f"workers-{i + 1}"
        return self._child(name, [sys.executable, "manage.py", "runworkers", "--holder", f"{name}-{uuid.uuid4().hex[:6]}"])

    def _daphne_command(self, port: int, tls_port: int) -> list[str]:
        tls = self.root / "tls"
        daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
        return [
            daphne, "-e", f"tcp:port={port}:interface=127.0.0.1",
            "-e", f"ssl:port={tls_port}:interface=127.0.0.1:privateKey={tls}/server.key:certKey={tls}/server.crt",
            "kubeviz.asgi:application",
        ]

    @contextmanager
    def supervised(self) -> Iterator[LiveServer]:
        """``manage.py serve`` as ``make run`` starts it: Daphne and a worker, supervised
        (restarted when they die); its output goes to ``serve.log`` under root."""
        with self._child("serve", [sys.executable, "manage.py", "serve"]) as proc:
            self._wait_up(proc, "serve")
            yield self

    def _wait_up(self, proc: subprocess.Popen, name: str, http: str | None = None) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{http or self.http}/api/clusters/", timeout=5).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{name} did not start: " + (self.root / f"{name}.log").read_text())
            time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        """The engine workers ``serve`` runs now (its children running ``runworkers``)."""
        serve = self.processes["serve"].pid
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
                cmdline = (stat.parent / "cmdline").read_bytes()
            except (OSError, IndexError, ValueError):
                continue
            if ppid == serve and b"runworkers" in cmdline:
                found.append(int(stat.parent.name))
        return found

    @contextmanager
    def _child(self, name: str, command: list[str]) -> Iterator[subprocess.Popen]:
        """One child process, logging to ``<name>.log``; terminated (then killed) on exit."""
        with open(self.root / f"{name}.log", "w") as log:
            proc = self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
            try:
                yield proc
            finally:
                del self.processes[name]
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
