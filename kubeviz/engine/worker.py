"""The worker loop: runs the engine of every cluster this process holds a lease on.

Live clusters run what is due by their clock; a cluster in step mode runs one component
action per "next" press; a paused cluster waits. Everything the engine knows is rebuilt
from the store when a worker starts, so a killed worker loses nothing.

A sleeping cluster (``kubeviz.clusters.sleep``) is not even listed: it costs no query, no
lease renewal and no memory. The worker that holds a cluster's lease decides, every
``KUBEVIZ_SLEEP_CHECK`` seconds, that it has been idle long enough to sleep; it then drops
its engine and lease. A cluster woken by a request shows up on the next listing and its
engine starts at once; with every cluster asleep the listing runs only every
``ASLEEP_INTERVAL`` seconds.
"""
from __future__ import annotations

import logging
import os
import socket
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import F

from kubeviz.clusters.clock import real_now
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.sleep import cluster_sleep, clusters_to_sleep, sweep_run
from kubeviz.etcd.fencing import LeaseLost, fenced

from .leases import RENEW_EVERY, lease_balance, lease_release, lease_renew
from .runner import Engine

log = logging.getLogger(__name__)

#: How often a worker with no cluster awake lists the clusters (a woken one starts within it).
ASLEEP_INTERVAL = 0.5


class Worker:
    def __init__(self, holder: str | None = None):
        self.holder = holder or f"{socket.gethostname()}-{os.getpid()}"
        self.engines: dict[int, Engine] = {}
        self.last_lease = -RENEW_EVERY
        # The clusters whose leases this worker holds, with their epochs (lease_balance),
        # and the epoch under which each engine was built.
        self.held: dict[int, int] = {}
        self.epochs: dict[int, int] = {}
        # The awake clusters of the last listing: one not among them is new (created or
        # woken) and its lease is tried at once rather than at the next renewal.
        self.seen: set[int] = set()
        self.last_sleep_check = time.monotonic()
        self.last_sweep = 0.0

    def tick(self) -> int:
        """One pass over the awake clusters; returns how many component actions ran."""
        clusters = list(Cluster.objects.filter(asleep=False))
        awake = {cluster.pk for cluster in clusters}
        now = time.monotonic()
        if now - self.last_lease >= RENEW_EVERY or awake - self.seen:
            self.last_lease = now
            self.held = lease_balance(holder=self.holder, awake=clusters)
        self.seen = awake
        actions = 0
        for cluster in clusters:
            epoch = self.held.get(cluster.pk)
            if epoch is None:
                self.engines.pop(cluster.pk, None)
                continue
            if time.monotonic() - self.last_lease >= RENEW_EVERY:  # a long pass keeps its leases
                self.last_lease = time.monotonic()
                lease_renew(holder=self.holder)
            try:
                actions += self._tick_one(cluster, epoch)
            except LeaseLost:
                log.warning("lost the lease of cluster %s to another worker; dropping its engine", cluster.name)
                self.engines.pop(cluster.pk, None)
                self.held.pop(cluster.pk, None)
            except Exception:  # noqa: BLE001 - one broken cluster must not stop the others
                log.exception("engine of cluster %s failed; rebuilding it", cluster.name)
                self.engines.pop(cluster.pk, None)
        for pk in list(self.engines):
            if pk not in awake:
                del self.engines[pk]
        self._periodic()
        return actions

    def _periodic(self) -> None:
        """The cheap checks that run every few seconds or minutes, not every tick."""
        now = time.monotonic()
        if now - self.last_sleep_check >= settings.KUBEVIZ_SLEEP_CHECK:
            self.last_sleep_check = now
            self.sleep_check()
        if now - self.last_sweep >= settings.KUBEVIZ_SWEEP_EVERY:
            self.last_sweep = now
            try:
                sweep_run()
            except Exception:  # noqa: BLE001 - a failed sweep must not end the worker
                log.exception("the sweep failed; it runs again in %ss", settings.KUBEVIZ_SWEEP_EVERY)

    def sleep_check(self) -> list[int]:
        """Put the idle clusters this worker runs to sleep; returns their pks."""
        slept = []
        now = real_now()
        for cluster in clusters_to_sleep(pks=set(self.engines), now=now):
            if cluster_sleep(cluster=cluster, now=now):
                self.engines.pop(cluster.pk, None)
                self.seen.discard(cluster.pk)
                lease_release(holder=self.holder, cluster=cluster)
                self.held.pop(cluster.pk, None)
                slept.append(cluster.pk)
        return slept

    def _tick_one(self, cluster: Cluster, epoch: int) -> int:
        """Drive the engine of one cluster this worker holds, fenced by its lease."""
        with fenced(cluster.pk, self.holder, epoch):
            engine = self.engines.get(cluster.pk)
            if engine is None or self.epochs.get(cluster.pk) != epoch:
                # New here, or held by another worker since: start from the store.
                engine = self.engines[cluster.pk] = Engine(cluster)
                self.epochs[cluster.pk] = epoch
            elif cluster.created != engine.cluster.created:
                # Reset (wiped in place): nothing the engine remembers holds any more.
                engine = self.engines[cluster.pk] = Engine(cluster)
            else:
                # The listing has just read the row: take it rather than read it again (an
                # idle cluster then costs this pass no query at all).
                _refresh_from(engine.cluster, cluster)
            return self._drive(engine)

    def _drive(self, engine: Engine) -> int:
        cluster = engine.cluster
        if cluster.clock_mode == Cluster.CLOCK_LIVE:
            return engine.run_due(head=cluster.revision)
        if cluster.clock_mode == Cluster.CLOCK_STEP:
            engine.pump(head=cluster.revision)
            done = 0
            while cluster.steps_done + done < cluster.step_requests:
                if not engine.step():
                    # Nothing to do: the press is spent, as a paused cluster would.
                    pass
                done += 1
            if done:
                Cluster.objects.filter(pk=cluster.pk).update(steps_done=F("steps_done") + done)
                cluster.steps_done += done
            return done
        engine.pump(head=cluster.revision)
        return 0

    def run(self, *, interval: float = 0.05) -> None:
        try:
            while True:
                close_old_connections()
                try:
                    busy = self.tick()
                except DatabaseError:
                    # Listing the clusters failed (the database locked or gone a moment):
                    # start afresh on a new connection rather than end the worker.
                    log.exception("listing the clusters failed; retrying")
                    connection.close()
                    busy = 0
                if not busy:
                    time.sleep(interval if self.engines else max(interval, ASLEEP_INTERVAL))
        finally:
            lease_release(holder=self.holder)


def _refresh_from(cluster: Cluster, row: Cluster) -> None:
    """Copy a freshly read row's fields into the engine's instance (what ``refresh_from_db``
    does, without its query): components hold on to that instance."""
    for f in Cluster._meta.concrete_fields:
        setattr(cluster, f.attname, getattr(row, f.attname))
