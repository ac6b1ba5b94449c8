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

from django.db import close_old_connections
from django.db.models import F

from kubeviz.etcd.models import Cluster

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
            if renew and not lease_acquire(cluster=cluster, holder=self.holder):
                self.engines.pop(cluster.pk, None)
                continue
            if cluster.pk not in self.engines and not renew:
                continue
            engine = self.engines.get(cluster.pk)
            if engine is None:
                engine = self.engines[cluster.pk] = Engine(cluster)
            else:
                engine.cluster.refresh_from_db()
            try:
                actions += self._drive(engine)
            except Exception:  # noqa: BLE001 - one broken cluster must not stop the others
                log.exception("engine of cluster %s failed; rebuilding it", cluster.name)
                self.engines.pop(cluster.pk, None)
        for pk in list(self.engines):
            if pk not in live_ids:
                del self.engines[pk]
        return actions

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
                busy = self.tick()
                if not busy:
                    time.sleep(interval)
        finally:
            lease_release(holder=self.holder)
