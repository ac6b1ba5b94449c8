"""``manage.py runworkers``: run the engines of all clusters in live mode (started by make run)."""
from django.core.management.base import BaseCommand

from kubeviz.engine import gctune
from kubeviz.engine.worker import Worker


class Command(BaseCommand):
    help = "Run the control-plane components and kubelets of every cluster."

    def handle(self, *args, **options):
        gctune.tune()
        self.stdout.write("engine worker running; Ctrl-C stops it")
        try:
            Worker().run()
        except KeyboardInterrupt:
            pass
