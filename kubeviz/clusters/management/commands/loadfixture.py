"""``manage.py loadfixture demo``: create a cluster from a template if it is missing."""
from django.core.management.base import BaseCommand, CommandError

from kubeviz.clusters.services import cluster_ensure
from kubeviz.clusters.templates import TemplateError


class Command(BaseCommand):
    help = "Create a cluster from a template (fixtures/clusters/<name>.yaml, or a path) unless it exists (data is kept)."

    def add_arguments(self, parser):
        parser.add_argument("fixture", help="template name or path")
        parser.add_argument("--name", help="cluster name (defaults to the template's)")

    def handle(self, *args, fixture, name=None, **options):
        try:
            cluster, created = cluster_ensure(fixture=fixture, name=name)
        except TemplateError as exc:
            raise CommandError(str(exc)) from None
        word = "created" if created else "already exists, kept"
        self.stdout.write(f"cluster {cluster.name}: {word}")
