"""``manage.py serve``: Daphne (HTTP for the browser, HTTPS for kubectl) plus the engine
worker, as supervised child processes; Ctrl-C (or SIGTERM) stops them all."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand

from kubeviz.kubeapi.kubeconfig import server_record
from kubeviz.kubeapi.tls import tls_ensure
from kubeviz.web.supervisor import Supervisor


def interpreter() -> str:
    """This Python as the README's commands spell it: relative to the repository when
    inside it (``.venv/bin/python``), else its absolute path."""
    path = Path(sys.executable)
    try:
        return str(path.relative_to(Path(settings.BASE_DIR)))
    except ValueError:
        return str(path)


class Command(BaseCommand):
    help = "Serve kubeviz: HTTP on $HOST:$PORT, the Kubernetes API also on HTTPS $TLS_PORT."

    def add_arguments(self, parser):
        parser.add_argument("--no-workers", action="store_true", help="do not start the engine workers")
        parser.add_argument("--workers", type=int, default=1, metavar="N",
                            help="engine worker processes (default 1); they share the clusters through leases")

    def handle(self, *args, no_workers=False, workers=1, **options):
        host = os.environ.get("HOST", "127.0.0.1")
        port = os.environ.get("PORT", "8000")
        tls_port = os.environ.get("TLS_PORT", "8443")
        files = tls_ensure(settings.KUBEVIZ_TLS_DIR, [host])
        iface = host.strip("[]").replace(":", r"\:")
        daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
        children = {"daphne": [
            daphne, "-e", f"tcp:port={port}:interface={iface}",
            "-e", f"ssl:port={tls_port}:interface={iface}:privateKey={files.key}:certKey={files.cert}",
            "kubeviz.asgi:application",
        ]}
        if not no_workers and "runworkers" in get_commands():
            # One name for every incarnation of this worker: a restarted one takes the
            # leases of the one that died at once instead of waiting for them to expire.
            for i in range(max(1, workers)):
                name = "worker" if i == 0 else f"worker-{i + 1}"
                holder = f"{socket.gethostname()}-serve-{os.getpid()}-{name}"
                children[name] = [sys.executable, "manage.py", "runworkers", "--holder", holder]
        supervisor = Supervisor(children, cwd=settings.BASE_DIR, report=lambda line: self.stderr.write(line))
        supervisor.start()
        server_record(host=host, tls_port=tls_port)
        python = interpreter()
        self.stdout.write(
            f"kubeviz is up: http://{host}:{port}/  (Kubernetes API: https://{host}:{tls_port}/k8s/<cluster>)\n"
            f"kubectl: {python} manage.py kubeconfig demo > kubeconfig && kubectl --kubeconfig kubeconfig get nodes\n"
            f"Only teachers act on the shared demo: {python} manage.py createteacher NAME (or press Try it for a sandbox)\n"
            "Ctrl-C stops everything."
        )
        self.stdout.flush()

        def stop(*_):
            supervisor.stop()
            sys.exit(0)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        supervisor.run()
