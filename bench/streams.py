"""exec and port-forward over WebSockets (issue 18), against a live server with its engine:

- stream_exec_python_client: one ``cat /etc/hostname`` through ``kubernetes.stream``, from
  the handshake to the exit code;
- stream_exec_kubectl: the same with kubectl (skipped without it; includes kubectl's start);
- stream_portforward_get: one HTTP GET of nginx's page through the Python client's port-forward.

Prints ``name: value unit`` lines (medians).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.figures import print_figures
from tests.liveserver import LiveServer, wait_for


def _ms(fn: Callable[[], object], runs: int) -> float:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return statistics.median(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.streams", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    from kubernetes import client as k8s
    from kubernetes.stream import portforward, stream

    root = Path(tempfile.mkdtemp(prefix="kubeviz-bench-streams-"))
    try:
        server = LiveServer.prepare(root, embedded=True)
        with server.serving(workers=True):
            handle = server.new_cluster("streams")
            handle.clock(mode="live", speed=5)
            handle.session().post(f"{handle.api}/api/v1/namespaces/default/pods", json={
                "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}).raise_for_status()

            def running() -> bool:
                pod = handle.session().get(f"{handle.api}/api/v1/namespaces/default/pods/web").json()
                return any("running" in cs["state"] for cs in (pod.get("status") or {}).get("containerStatuses") or [])
            wait_for(running, "pod web running")
            api = k8s.CoreV1Api(handle.python_client())

            def exec_once() -> None:
                ws = stream(api.connect_get_namespaced_pod_exec, "web", "default", command=["cat", "/etc/hostname"],
                            stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
                ws.run_forever(timeout=30)
                assert ws.read_stdout() == "web\n" and ws.returncode == 0

            def forward_once() -> None:
                pf = portforward(api.connect_get_namespaced_pod_portforward, "web", "default", ports="80")
                sock = pf.socket(80)
                sock.setblocking(True)
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
                assert b"Welcome to nginx!" in data

            figures = {
                "stream_exec_python_client": (_ms(exec_once, args.runs), "ms"),
                "stream_portforward_get": (_ms(forward_once, args.runs), "ms"),
            }
            if shutil.which("kubectl"):
                figures["stream_exec_kubectl"] = (
                    _ms(lambda: handle.kubectl("exec", "web", "--", "cat", "/etc/hostname"), max(args.runs // 4, 3)), "ms")
        print_figures(figures)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
