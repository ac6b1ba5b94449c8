"""The worker loop: runs the engine of every cluster this process holds a lease on.

Live clusters run what is due by their clock; a cluster in step mode runs one component
action per "next" press; a paused cluster waits. Everything the engine knows is rebuilt
from the store when a worker starts, so a killed worker loses nothing.
"""
from __future__ import annotations

import logging
import os
import socket
import time

from django.db import DatabaseError, close_old_connections, connection
from django.db.models import F

from kubeviz.clusters.models import Cluster

from .leases import lease_acquire, lease_release
from .runner import Engine

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, holder: str | None = None):
        self.holder = holder or f"{socket.gethostname()}-{os.getpid()}"
        self.engines: dict[int, Engine] = {}
        self.last_lease = 0.0

    def tick(self) -> int:
        """One pass over the clusters; returns how many component actions ran."""
        renew = time.monotonic() - self.last_lease > 5
        if renew:
            self.last_lease = time.monotonic()
        actions = 0
        live_ids = set()
        for cluster in Cluster.objects.all():
            live_ids.add(cluster.pk)
            try:
                actions += self._tick_one(cluster, renew)
            except Exception:  # noqa: BLE001 - one broken cluster must not stop the others
                log.exception("engine of cluster %s failed; rebuilding it", cluster.name)
                self.engines.pop(cluster.pk, None)
        for pk in list(self.engines):
            if pk not in live_ids:
                del self.engines[pk]
        return actions

    def _tick_one(self, cluster: Cluster, renew: bool) -> int:
        """Renew the lease (every few seconds) and drive the engine of one cluster."""
        if renew and not lease_acquire(cluster=cluster, holder=self.holder):
            self.engines.pop(cluster.pk, None)
            return 0
        engine = self.engines.get(cluster.pk)
        if engine is None:
            if not renew:
                return 0
            engine = self.engines[cluster.pk] = Engine(cluster)
        else:
            created = engine.cluster.created
            engine.cluster.refresh_from_db()
            if engine.cluster.created != created:
                # Reset (wiped in place): nothing the engine remembers holds any more.
                engine = self.engines[cluster.pk] = Engine(engine.cluster)
        return self._drive(engine)

    def _drive(self, engine: Engine) -> int:
        cluster = engine.cluster
        if cluster.clock_mode == Cluster.CLOCK_LIVE:
            return engine.run_due()
        if cluster.clock_mode == Cluster.CLOCK_STEP:
            engine.pump()
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
        engine.pump()
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
                    time.sleep(interval)
        finally:
            lease_release(holder=self.holder)
