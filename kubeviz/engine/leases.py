"""Worker leases: one engine per cluster across any number of worker processes.

As kube-controller-manager replicas elect a leader with a Lease, a worker runs a cluster's
engine only while it holds the cluster's ``WorkerLease``, renewed every ``RENEW_EVERY``
seconds and lost ``LEASE_SECONDS`` after the last renewal: a worker killed with ``kill
-9`` is replaced within ``LEASE_SECONDS + RENEW_EVERY`` (≤ 5 s). Each new holder bumps the
lease's ``epoch``, which every store write of the holder checks (``kubeviz.etcd.fencing``).

Workers also renew a ``WorkerHeartbeat``: knowing how many are alive, each takes at most
its fair share (the awake clusters divided among the live workers) and gives
back what it holds beyond it, so clusters spread evenly and spread again when a worker
joins or leaves.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction

from kubeviz.clusters.clock import real_now
from kubeviz.clusters.models import Cluster
from kubeviz.etcd.models import WorkerHeartbeat, WorkerLease

log = logging.getLogger(__name__)

LEASE_SECONDS = 3.0
RENEW_EVERY = 1.0
#: A heartbeat this old belongs to a worker that is gone for good: deleted.
HEARTBEAT_FORGET = 60.0


@transaction.atomic
def lease_acquire(*, cluster: Cluster, holder: str) -> int | None:
    """Take or renew the cluster's lease; its epoch, or None while another live worker
    holds it. Taking it from another holder bumps the epoch, under the cluster's row lock,
    so that the previous holder's writes in flight commit first and its next ones fail."""
    now = real_now()
    if not Cluster.objects.select_for_update().filter(pk=cluster.pk).exists():
        return None
    lease = WorkerLease.objects.select_for_update().filter(cluster=cluster).first()
    if lease is None:
        try:
            with transaction.atomic():
                return WorkerLease.objects.create(cluster=cluster, holder=holder, renew_time=now).epoch
        except IntegrityError:
            return None
    if lease.holder != holder:
        if lease.renew_time > now - timedelta(seconds=LEASE_SECONDS):
            return None
        lease.epoch += 1
    lease.holder = holder
    lease.renew_time = now
    lease.save(update_fields=["holder", "renew_time", "epoch"])
    return lease.epoch


def lease_renew(*, holder: str) -> None:
    """Renew this worker's heartbeat and the leases it still holds, without rebalancing.
    A pass over a hundred clusters on a busy host can outlast ``LEASE_SECONDS``: leases
    that lapsed mid-pass went to the other worker, whose engines then started again from
    the store, which made its own passes longer (churn). A lease another worker took is
    not taken back (its holder changed)."""
    now = real_now()
    WorkerHeartbeat.objects.filter(holder=holder).update(seen=now)
    WorkerLease.objects.filter(holder=holder).update(renew_time=now)


def lease_release(*, holder: str, cluster: Cluster | None = None) -> None:
    """Give up the leases of ``holder`` (only that of ``cluster`` if given): a worker
    that ends, or a cluster that fell asleep, is free for any worker at once."""
    leases = WorkerLease.objects.filter(holder=holder)
    if cluster is not None:
        leases = leases.filter(cluster=cluster)
    leases.delete()
    if cluster is None:
        WorkerHeartbeat.objects.filter(holder=holder).delete()


def lease_balance(*, holder: str, awake: list[Cluster]) -> dict[int, int]:
    """One round of the worker's lease duties: heartbeat, renew its leases, give back
    what exceeds its fair share, take free or expired leases up to it. Returns the pks of
    the clusters it holds now, with their epochs."""
    now = real_now()
    alive_since = now - timedelta(seconds=LEASE_SECONDS)
    WorkerHeartbeat.objects.update_or_create(holder=holder, defaults={"seen": now})
    WorkerHeartbeat.objects.filter(seen__lt=now - timedelta(seconds=HEARTBEAT_FORGET)).delete()
    WorkerLease.objects.filter(holder=holder).update(renew_time=now)
    live = sorted(WorkerHeartbeat.objects.filter(seen__gte=alive_since).values_list("holder", flat=True))
    if holder not in live:
        live = sorted([*live, holder])
    # Shares differ by one at most: the first workers by name take one more each.
    base, extra = divmod(len(awake), len(live))
    share = base + (1 if live.index(holder) < extra else 0)

    by_pk = {c.pk: c for c in awake}
    leases = {pk: (h, epoch, renewed) for pk, h, epoch, renewed in
              WorkerLease.objects.filter(cluster__in=by_pk).values_list("cluster_id", "holder", "epoch", "renew_time")}
    mine = {pk: epoch for pk, (h, epoch, _) in leases.items() if h == holder}
    for pk in sorted(mine, reverse=True)[: max(0, len(mine) - share)]:
        lease_release(holder=holder, cluster=by_pk[pk])
        del mine[pk]
    free = [pk for pk in sorted(by_pk) if pk not in leases or (leases[pk][0] != holder and leases[pk][2] < alive_since)]
    for pk in free:
        if len(mine) >= share:
            break
        try:
            epoch = lease_acquire(cluster=by_pk[pk], holder=holder)
        except Exception:  # noqa: BLE001 - one cluster (deleted meanwhile, say) must not stop the rest
            log.exception("taking the lease of cluster %s failed", by_pk[pk].name)
            continue
        if epoch is not None:
            mine[pk] = epoch
    return mine
