"""``manage.py sweep``: delete guests' clusters unused for KUBEVIZ_GUEST_TTL seconds and
expired sessions (the engine worker runs the same sweep every KUBEVIZ_SWEEP_EVERY seconds)."""
from django.core.management.base import BaseCommand

from kubeviz.clusters.sleep import sweep_run


class Command(BaseCommand):
    help = "Delete expired guests' clusters and expired sessions."

    def handle(self, *args, **options):
        deleted = sweep_run()
        for name in deleted:
            self.stdout.write(f"deleted guest cluster {name}")
        self.stdout.write(f"{len(deleted)} guest cluster(s) expired")
