"""``manage.py runworkers``: run the engines of all clusters in live mode (started by make run)."""
from django.core.management.base import BaseCommand

from kubeviz.engine import gctune
from kubeviz.engine.worker import Worker


class Command(BaseCommand):
    help = "Run the control-plane components and kubelets of every cluster."

    def add_arguments(self, parser):
        parser.add_argument(
            "--holder",
            help="the name this worker holds cluster leases under (default host-pid); a worker restarted "
                 "under its predecessor's name takes over its clusters at once, without waiting for the leases to expire",
        )

    def handle(self, *args, holder=None, **options):
        gctune.tune()
        self.stdout.write("engine worker running; Ctrl-C stops it")
        try:
            Worker(holder).run()
        except KeyboardInterrupt:
            pass
