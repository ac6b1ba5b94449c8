"""Sleep: a cluster nobody uses costs nothing.

A cluster with no API request, no viewer and no lesson activity for
``KUBEVIZ_SLEEP_AFTER`` seconds falls asleep (``cluster_sleep``, decided by the worker
that holds its lease, ``clusters_to_sleep``): no worker runs it, nothing writes to it and
its simulated clock stands still, frozen at the moment it fell asleep. Every door wakes it
again (``access.cluster_touch`` → ``cluster_wake``): the clock is re-anchored so simulated
time goes on from where it stopped, and kubelet heartbeats and the node lifecycle
controller's grace periods see no gap. A real cluster has no such state: its nodes would
go NotReady if their kubelets stopped; here nothing runs, so nothing is missed.

Guests' sandboxes go for good after ``KUBEVIZ_GUEST_TTL`` seconds without activity
(``guest_clusters_expire``, run by ``manage.py sweep`` and every
``KUBEVIZ_SWEEP_EVERY`` seconds by the worker), with Django's expired sessions; the same
sweep closes exam sittings whose time ran out (``kubeviz.exams.services.sittings_expire``).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from . import clock
from .models import Cluster

log = logging.getLogger(__name__)

#: The clock columns a woken cluster re-reads (another process froze them).
CLOCK_FIELDS = ("asleep", "sim_time", "sim_anchor", "last_active")


def idle_since(cutoff: datetime) -> Q:
    """Clusters last used before ``cutoff``; never touched counts from ``created``."""
    return Q(last_active__lt=cutoff) | Q(last_active__isnull=True, created__lt=cutoff)


def cluster_wake(*, cluster: Cluster, now: datetime) -> None:
    """Record a use at ``now`` (real time) and wake the cluster if it sleeps: the clock
    goes on from the simulated time it froze at, and the worker sees ``asleep=False`` on
    its next listing and starts its engine again."""
    woke = Cluster.objects.filter(pk=cluster.pk, asleep=True).update(asleep=False, sim_anchor=now, last_active=now)
    if woke:
        cluster.refresh_from_db(fields=CLOCK_FIELDS)
        log.info("cluster %s woke up", cluster.name)
        return
    Cluster.objects.filter(pk=cluster.pk).update(last_active=now)
    cluster.last_active = now
    cluster.asleep = False


def cluster_sleep(*, cluster: Cluster, now: datetime) -> bool:
    """Put the cluster to sleep if it is still idle: freeze its clock at its simulated
    time now. One conditional UPDATE: a request that used it meanwhile (a newer
    ``last_active``) or a clock change (a new anchor) wins, and it stays awake. True if
    it fell asleep."""
    fresh = Cluster.objects.filter(pk=cluster.pk).first()
    if fresh is None or fresh.asleep:
        return False
    cutoff = now - timedelta(seconds=settings.KUBEVIZ_SLEEP_AFTER)
    frozen = clock.now(fresh)
    slept = (
        Cluster.objects.filter(idle_since(cutoff), pk=cluster.pk, asleep=False,
                               sim_time=fresh.sim_time, sim_anchor=fresh.sim_anchor)
        .update(asleep=True, sim_time=frozen, sim_anchor=now)
    )
    if slept:
        log.info("cluster %s fell asleep (idle for %ss)", cluster.name, settings.KUBEVIZ_SLEEP_AFTER)
    return bool(slept)


def clusters_to_sleep(*, pks: list[int] | set[int], now: datetime) -> QuerySet[Cluster]:
    """Of the clusters ``pks`` (those a worker runs), the awake ones idle past the limit;
    none when sleep is off (``KUBEVIZ_SLEEP_AFTER`` 0)."""
    if settings.KUBEVIZ_SLEEP_AFTER <= 0 or not pks:
        return Cluster.objects.none()
    cutoff = now - timedelta(seconds=settings.KUBEVIZ_SLEEP_AFTER)
    return Cluster.objects.filter(idle_since(cutoff), pk__in=list(pks), asleep=False)


def _delete_batched(cluster_pk: int, batch: int) -> None:
    """Delete one cluster, its big child tables first in batches of ``batch`` rows, each
    in its own short transaction, so that other clusters' writers never wait behind one
    long delete (SQLite has one writer at a time)."""
    for relation in Cluster._meta.related_objects:
        model = relation.related_model
        rows = model._base_manager.filter(**{relation.field.name: cluster_pk})
        while True:
            with transaction.atomic():
                pks = list(rows.values_list("pk", flat=True)[:batch])
                if not pks:
                    break
                model._base_manager.filter(pk__in=pks).delete()
    Cluster.objects.filter(pk=cluster_pk).delete()


def guest_clusters_expire(*, now: datetime) -> list[str]:
    """Delete guests' clusters (``owner_guest`` set, no ``owner``) unused for
    ``KUBEVIZ_GUEST_TTL`` seconds; returns their names.

    Deletes here until the lifecycle's ``cluster_delete`` service lands; then this calls it.
    """
    cutoff = now - timedelta(seconds=settings.KUBEVIZ_GUEST_TTL)
    expired = list(
        Cluster.objects.filter(idle_since(cutoff), owner__isnull=True).exclude(owner_guest="")
        .values_list("pk", "name")
    )
    for pk, name in expired:
        _delete_batched(pk, settings.KUBEVIZ_HISTORY_BATCH)
        log.info("guest cluster %s expired", name)
    return [name for _, name in expired]


def sessions_expire() -> None:
    """Django's ``clearsessions``: drop expired sessions from the session store."""
    engine = import_module(settings.SESSION_ENGINE)
    try:
        engine.SessionStore.clear_expired()
    except NotImplementedError:
        pass  # a store that expires its own (cache, signed cookies)


def sweep_run(*, now: datetime | None = None) -> list[str]:
    """The periodic sweep: expired guests' clusters, expired sessions, and exam sittings
    whose time ran out (everything still open submitted), archived classes past their end
    (learners' sandboxes pass to the teacher). Returns the names of the clusters deleted."""
    from kubeviz.classes.services import access_expire  # classes sit above clusters
    from kubeviz.exams.services import sittings_expire  # exams sit above clusters

    now = now or clock.real_now()
    sittings_expire(now=now)
    access_expire(now=now)
    deleted = guest_clusters_expire(now=now)
    sessions_expire()
    return deleted
