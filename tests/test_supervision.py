"""``manage.py serve`` under faults: workers killed with SIGKILL, resets hammered. The web
server answers throughout, the worker comes back, and the clusters converge exactly."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import requests
import yaml

from tests.liveserver import ROOT, ClusterHandle, LiveServer, wait_for


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[LiveServer]:
    with LiveServer.prepare(tmp_path_factory.mktemp("kubeviz-serve")).supervised() as server:
        yield server


class Poller:
    """Asks the web server for a page, the REST API and the Kubernetes API over and over,
    keeping every answer's status (or the error instead of one)."""

    def __init__(self, cluster: ClusterHandle):
        self.cluster = cluster
        self.answers: list[int | str] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        server = self.cluster.server
        session = self.cluster.session()
        urls = [f"{server.http}/", f"{server.http}/api/clusters/", f"{self.cluster.api}/api/v1/namespaces/default/pods"]
        while not self.done.is_set():
            for url in urls:
                try:
                    self.answers.append((session if url.startswith("https") else requests).get(url, timeout=10).status_code)
                except requests.RequestException as exc:
                    self.answers.append(repr(exc))
            time.sleep(0.1)

    def __enter__(self) -> Poller:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()

    def failures(self) -> list[int | str]:
        return [a for a in self.answers if not (isinstance(a, int) and 200 <= a < 300)]


def _one_worker(server: LiveServer) -> int:
    return wait_for(lambda: (pids := server.worker_pids()) and len(pids) == 1 and pids[0], "one worker running")


def _pods(cluster: ClusterHandle) -> list[dict]:
    r = cluster.session().get(f"{cluster.api}/api/v1/namespaces/default/pods")
    r.raise_for_status()
    return r.json()["items"]


def _deployment(name: str, replicas: int, image: str, **spec: object) -> str:
    return yaml.safe_dump({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {**spec, "replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "main", "image": image}]}}},
    })


def _converged(cluster: ClusterHandle, name: str, replicas: int, image: str) -> bool:
    pods = _pods(cluster)
    running = [p for p in pods if p["status"].get("phase") == "Running" and p["spec"]["containers"][0]["image"] == image
               and not p["metadata"].get("deletionTimestamp")]
    return len(pods) == replicas and len(running) == replicas


def test_serve_tells_kubectl_where_it_listens(served):
    """The start-up message names this interpreter as the README does, and
    ``manage.py kubeconfig`` run without $TLS_PORT finds the port ``serve`` listens on."""
    python = os.path.relpath(sys.executable, ROOT)
    assert f"kubectl: {python} manage.py kubeconfig demo > kubeconfig" in (served.root / "serve.log").read_text()
    served.new_cluster(name="where")
    env = {k: v for k, v in served.env.items() if k not in ("TLS_PORT", "HOST")}
    out = subprocess.run([sys.executable, "manage.py", "kubeconfig", "where"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert yaml.safe_load(out)["clusters"][0]["cluster"]["server"] == f"{served.https}/k8s/where"


def test_a_killed_worker_is_restarted_and_the_site_keeps_answering(served):
    cluster = served.new_cluster()
    first = _one_worker(served)
    with Poller(cluster) as poller:
        time.sleep(0.5)
        os.kill(first, signal.SIGKILL)
        second = wait_for(lambda: (pids := served.worker_pids()) and pids[0] != first and pids[0], "a new worker")
        cluster.kubectl("apply", "-f", "-", input=_deployment("after", 2, "nginx:1.27"))
        wait_for(lambda: _converged(cluster, "after", 2, "nginx:1.27"), "the new worker to run the deployment", timeout=60)
    assert second != first
    assert poller.answers and not poller.failures()
    assert f"worker (pid {first}) killed by SIGKILL" in (served.root / "serve.log").read_text()


def test_five_kills_during_a_30_replica_rollout_converge_to_exactly_30_pods(served):
    cluster = served.new_cluster()
    cluster.clock(speed=10)
    # One new pod at a time, none unavailable: a rollout in thirty waves, long enough
    # for five deaths of the worker to land in it.
    slow = {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}}
    cluster.kubectl("apply", "-f", "-", input=_deployment("web", 30, "nginx:1.27", **slow))
    wait_for(lambda: _converged(cluster, "web", 30, "nginx:1.27"), "30 pods running", timeout=60)
    cluster.clock(speed=1)
    cluster.kubectl("set", "image", "deployment/web", "main=nginx:1.28")
    killed: list[int] = []
    with Poller(cluster) as poller:
        for _ in range(5):
            pid = wait_for(lambda: (pids := served.worker_pids()) and pids[0] not in killed and pids[0], "a new worker")
            # Each incarnation runs a few seconds: long enough to be past the supervisor's
            # crash-loop back-off, short enough that all five deaths land in the rollout.
            time.sleep(5.5)
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        wait_for(lambda: _converged(cluster, "web", 30, "nginx:1.28"), "the rollout to finish with 30 pods", timeout=60)
    assert len(set(killed)) == 5
    pods = _pods(cluster)
    assert len(pods) == 30 and len({p["metadata"]["name"] for p in pods}) == 30
    assert poller.answers and not poller.failures()


def test_hammering_reset_leaves_the_worker_running_and_other_clusters_converging(served):
    victim, other = served.new_cluster("reset"), served.new_cluster("other")
    worker = _one_worker(served)
    stop = threading.Event()
    answers: list[int] = []

    def hammer() -> None:
        while not stop.is_set():
            answers.append(requests.post(f"{served.http}/api/clusters/{victim.name}/reset/",
                                         headers={"Authorization": f"Bearer {victim.token}"}, timeout=30).status_code)

    clients = [threading.Thread(target=hammer) for _ in range(2)]
    for client in clients:
        client.start()
    try:
        other.kubectl("apply", "-f", "-", input=_deployment("web", 3, "nginx:1.27"))
        while len(answers) < 80:
            time.sleep(0.1)
    finally:
        stop.set()
        for client in clients:
            client.join()
    assert set(answers) == {200}
    wait_for(lambda: _converged(other, "web", 3, "nginx:1.27"), "the other cluster to converge", timeout=60)
    assert served.worker_pids() == [worker]
    # The reset cluster runs too: a deployment there converges.
    victim.kubectl("apply", "-f", "-", input=_deployment("web", 2, "nginx:1.27"))
    wait_for(lambda: _converged(victim, "web", 2, "nginx:1.27"), "the reset cluster to converge", timeout=60)
    assert served.worker_pids() == [worker]
