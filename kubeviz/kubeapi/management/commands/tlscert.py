"""``manage.py tlscert``: make the local CA and API server certificate if missing."""
import os

from django.conf import settings
from django.core.management.base import BaseCommand

from kubeviz.kubeapi.tls import tls_ensure


class Command(BaseCommand):
    help = "Create var/tls/{ca.crt,server.crt,server.key} for the HTTPS Kubernetes API."

    def handle(self, *args, **options):
        hosts = [os.environ.get("HOST", "127.0.0.1")]
        files = tls_ensure(settings.KUBEVIZ_TLS_DIR, hosts)
        self.stdout.write(f"{files.cert} {files.key}")
