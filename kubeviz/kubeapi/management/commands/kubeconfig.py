"""``manage.py kubeconfig <cluster>``: print a kubeconfig for the cluster's API URL."""
from django.core.management.base import BaseCommand, CommandError

from kubeviz.clusters.models import Cluster
from kubeviz.kubeapi.kubeconfig import kubeconfig_render


class Command(BaseCommand):
    help = "Print a kubeconfig that points kubectl at a kubeviz cluster (HTTPS, bearer token)."

    def add_arguments(self, parser):
        parser.add_argument("cluster")
        parser.add_argument("--server", help="base URL (default https://$HOST:$TLS_PORT, 127.0.0.1:8443)")

    def handle(self, *args, cluster, server=None, **options):
        found = Cluster.objects.filter(name=cluster).first()
        if found is None:
            raise CommandError(f'cluster "{cluster}" not found')
        self.stdout.write(kubeconfig_render(found, server), ending="")
