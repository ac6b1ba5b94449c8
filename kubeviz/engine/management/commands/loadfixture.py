"""``manage.py loadfixture demo``: create a cluster from fixtures/<name>.yaml if missing."""
from django.core.management.base import BaseCommand

from kubeviz.engine.services import cluster_ensure


class Command(BaseCommand):
    help = "Create a cluster from a fixture in fixtures/ unless it exists (data is kept)."

    def add_arguments(self, parser):
        parser.add_argument("fixture")
        parser.add_argument("--name", help="cluster name (defaults to the fixture's)")

    def handle(self, *args, fixture, name=None, **options):
        from kubeviz.engine.services import fixture_read

        name = name or fixture_read(fixture).get("name", fixture)
        cluster, created = cluster_ensure(name=name, fixture=fixture)
        word = "created" if created else "already exists, kept"
        self.stdout.write(f"cluster {cluster.name}: {word}")
