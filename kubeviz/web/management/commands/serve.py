"""``manage.py serve``: Daphne (HTTP for the browser, HTTPS for kubectl) plus the engine
workers, as child processes; Ctrl-C (or SIGTERM) stops them all."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from kubeviz.kubeapi.tls import tls_ensure


class Command(BaseCommand):
    help = "Serve kubeviz: HTTP on $HOST:$PORT, the Kubernetes API also on HTTPS $TLS_PORT."

    def add_arguments(self, parser):
        parser.add_argument("--no-workers", action="store_true", help="do not start the engine workers")

    def handle(self, *args, no_workers=False, **options):
        host = os.environ.get("HOST", "127.0.0.1")
        port = os.environ.get("PORT", "8000")
        tls_port = os.environ.get("TLS_PORT", "8443")
        files = tls_ensure(settings.KUBEVIZ_TLS_DIR, [host])
        iface = host.strip("[]").replace(":", r"\:")
        daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
        commands = [[
            daphne, "-e", f"tcp:port={port}:interface={iface}",
            "-e", f"ssl:port={tls_port}:interface={iface}:privateKey={files.key}:certKey={files.cert}",
            "kubeviz.asgi:application",
        ]]
        worker_cmd = [sys.executable, "manage.py", "runworkers"]
        if not no_workers and "runworkers" in _commands():
            commands.append(worker_cmd)
        children = [subprocess.Popen(c, cwd=settings.BASE_DIR) for c in commands]
        self.stdout.write(
            f"kubeviz is up: http://{host}:{port}/  (Kubernetes API: https://{host}:{tls_port}/k8s/<cluster>)\n"
            f"kubectl: python manage.py kubeconfig demo > kubeconfig && kubectl --kubeconfig kubeconfig get nodes\n"
            "Ctrl-C stops everything."
        )

        def stop(*_):
            for child in children:
                if child.poll() is None:
                    child.terminate()
            deadline = time.monotonic() + 10
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
            sys.exit(0)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while True:
            for child in children:
                if child.poll() is not None:
                    self.stderr.write(f"{child.args[0]} exited with {child.returncode}; stopping")
                    stop()
            time.sleep(0.5)


def _commands() -> set[str]:
    from django.core.management import get_commands

    return set(get_commands())
