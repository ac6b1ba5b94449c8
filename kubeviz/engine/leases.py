"""Worker leases: one engine per cluster across any number of worker processes."""
from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction

from kubeviz.clusters.clock import real_now
from kubeviz.clusters.models import Cluster
from kubeviz.etcd.models import WorkerLease

LEASE_SECONDS = 15


@transaction.atomic
def lease_acquire(*, cluster: Cluster, holder: str) -> bool:
    """Take or renew the cluster's lease; False while another live worker holds it."""
    now = real_now()
    lease = WorkerLease.objects.select_for_update().filter(cluster=cluster).first()
    if lease is None:
        try:
            with transaction.atomic():
                WorkerLease.objects.create(cluster=cluster, holder=holder, renew_time=now)
            return True
        except IntegrityError:
            return False
    if lease.holder != holder and lease.renew_time > now - timedelta(seconds=LEASE_SECONDS):
        return False
    lease.holder = holder
    lease.renew_time = now
    lease.save(update_fields=["holder", "renew_time"])
    return True


def lease_release(*, holder: str, cluster: Cluster | None = None) -> None:
    """Give up the leases of ``holder`` (only that of ``cluster`` if given): a worker
    that ends, or a cluster that fell asleep, is free for any worker at once."""
    leases = WorkerLease.objects.filter(holder=holder)
    if cluster is not None:
        leases = leases.filter(cluster=cluster)
    leases.delete()
