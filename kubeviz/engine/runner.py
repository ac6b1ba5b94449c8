"""The discrete-event engine of one cluster: informers, one work queue, the sim clock.

Three ways to drive it (DESIGN.md, "The engine"): ``settle()`` runs until nothing is left
(tests, exercise checks, benchmarks); ``step()`` runs exactly one component action;
``run_due()`` runs what is due by the live clock (the workers). The queue lives only in
memory: a new engine rebuilds it from the store, because every sync is level-triggered.
"""
from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.watchall import changes_since, head_revision
from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.etcd import sql
from kubeviz.flow.services import steps_batch

from .cache import Cache
from .client import Client, event_source_for
from .component import Component
from .events import EventCorrelator

#: How long settle() holds one transaction open (wall-clock seconds).
SETTLE_CHUNK_SECONDS = 0.05


@dataclass(order=True)
class WorkItem:
    due: datetime
    seq: int
    component: str = field(compare=False)
    key: str = field(compare=False)


@dataclass
class RunResult:
    actions: int = 0
    errors: int = 0


class Engine:
    def __init__(self, cluster: Cluster, components: list[Component] | None = None):
        self.cluster = cluster
        self.components = {c.name: c for c in (components if components is not None else default_components(cluster))}
        self.cache = Cache()
        self.revision = 0
        self._heap: list[WorkItem] = []
        self._pending: dict[tuple[str, str], datetime] = {}
        self._seq = itertools.count()
        self.started = False
        self.actions = 0
        self.events = EventCorrelator()
        #: the components that watch each resource, in registration order
        self._watchers: dict[str, list[Component]] = {}

    # ---- informers ---------------------------------------------------------------------
    def watched(self) -> set[str]:
        return {p for c in self.components.values() for p in c.watches}

    def start(self) -> None:
        """Initial list of everything watched, then ADDED to every handler (as informers do)."""
        self.revision = head_revision(self.cluster)
        from kubeviz.apiserver import registry

        for plural in sorted(self.watched()):
            for obj in registry.objects(self.cluster, plural):
                self.cache.put(plural, obj)
        for plural in sorted(self.watched()):
            for obj in list(self.cache.iter(plural)):
                self._dispatch(plural, "ADDED", obj, None)
        # Periodic jobs that no watch event starts (a relist keeps their schedule).
        for component in self.components.values():
            for key in getattr(component, "start_keys", ()):
                if (component.name, key) not in self._pending:
                    self.enqueue(component.name, key)
        self.started = True

    def pump(self, *, head: int | None = None) -> int:
        """Apply new changes from the store to the cache and hand them to the handlers.

        ``head`` is the store's revision as the caller has just read it (the worker lists
        every cluster's row each pass): at or below what the engine has seen, nothing can
        have changed, and the store is not asked again.
        """
        if not self.started:
            self.start()
            return 0
        if head is not None and head <= self.revision:
            return 0
        watched = self.watched()
        total = 0
        while True:
            try:
                changes, self.revision = changes_since(self.cluster, self.revision)
            except errors.StatusError:
                # Our history was compacted away: relist, like an informer after 410.
                self.cache = Cache()
                self.start()
                return total
            for ch in changes:
                if ch.plural not in watched:
                    continue
                if ch.type == "DELETED":
                    old = self.cache.remove(ch.plural, ch.object)
                    self._dispatch(ch.plural, "DELETED", ch.object, old if old is not None else ch.object)
                    continue
                old = self.cache.put(ch.plural, ch.object)
                self._dispatch(ch.plural, "ADDED" if old is None else "MODIFIED", ch.object, old)
            total += len(changes)
            if len(changes) < 2000:
                return total

    def _dispatch(self, plural: str, event: str, obj: dict, old: dict | None) -> None:
        watchers = self._watchers.get(plural)
        if watchers is None:
            watchers = self._watchers[plural] = [c for c in self.components.values() if plural in c.watches]
        for component in watchers:
            for key in component.handle(self.cache, plural, event, obj, old):
                self.enqueue(component.name, key)

    # ---- queue ---------------------------------------------------------------------------
    def now(self) -> datetime:
        return clock.now(self.cluster)

    def enqueue(self, component: str, key: str, after: float = 0.0) -> None:
        due = self.now() + timedelta(seconds=after)
        current = self._pending.get((component, key))
        if current is not None and current <= due:
            return
        self._pending[(component, key)] = due
        heapq.heappush(self._heap, WorkItem(due, next(self._seq), component, key))

    def _stopped(self) -> set[str]:
        return set((self.cluster.settings or {}).get("stopped", []))

    def _next(self) -> WorkItem | None:
        """The earliest live item whose component is running (stale entries dropped)."""
        stopped = self._stopped()
        skipped = []
        found = None
        while self._heap:
            item = heapq.heappop(self._heap)
            if self._pending.get((item.component, item.key)) != item.due:
                continue
            if _group(item.component) in stopped:
                skipped.append(item)
                continue
            found = item
            break
        for item in skipped:
            heapq.heappush(self._heap, item)
        return found

    def pending(self) -> int:
        return len(self._pending)

    def _background(self, component: str) -> bool:
        """Whether the component only keeps house (``Housekeeping``): its periodic jobs are
        no steps of the cluster, so they neither keep ``settle()`` going nor take a step."""
        found = self.components.get(component)
        return bool(getattr(found, "background", False))

    def _only_background_left(self) -> bool:
        return all(self._background(component) for component, _ in self._pending)

    def _run(self, item: WorkItem) -> None:
        self._pending.pop((item.component, item.key), None)
        component = self.components.get(item.component)
        if component is None:
            return
        api = Client(self.cluster, getattr(component, "actor", component.name), event_source=event_source_for(component.name),
                     events=self.events)
        try:
            with sql.savepoint(), steps_batch():
                again = component.sync(self.cache, api, item.key)
        except errors.StatusError as exc:
            # A conflict or a vanished object: the cache was stale. Look again soon.
            again = 0.0 if exc.code in (404, 409) else 1.0
        self.actions += 1
        if again is not None:
            self.enqueue(item.component, item.key, again)

    # ---- modes ---------------------------------------------------------------------------
    def _advance_to(self, due: datetime) -> None:
        """Move a non-live clock forward (settle and step jump over idle time)."""
        if self.cluster.clock_mode == Cluster.CLOCK_LIVE or due <= self.cluster.sim_time:
            return
        Cluster.objects.filter(pk=self.cluster.pk).update(sim_time=due, sim_anchor=clock.real_now())
        self.cluster.sim_time = due

    def step(self) -> bool:
        """Run exactly one component action (advancing a paused clock to it)."""
        self.pump()
        while True:
            item = self._next()
            if item is None or (self._background(item.component) and self._only_background_left()):
                if item is not None:
                    heapq.heappush(self._heap, item)
                return False
            self._advance_to(item.due)
            self._run(item)
            self.pump()
            if not self._background(item.component):
                return True

    def settle(self, *, max_actions: int = 1_000_000, until: Callable[[], bool] | None = None,
               horizon: float | None = None) -> int:
        """Run as fast as possible until nothing is left to do (or ``until()`` holds).

        ``horizon`` bounds how far (simulated seconds) the clock may jump ahead, so that a
        cluster with periodic work (heartbeats) still settles.
        """
        self.pump()
        limit = self.now() + timedelta(seconds=horizon) if horizon is not None else None
        done = 0
        more = True
        while more and done < max_actions:
            # Actions are committed in chunks of SETTLE_CHUNK_SECONDS: each still runs in a
            # savepoint of its own (a failed sync leaves nothing behind), but the commit, the
            # costliest statement, is shared. Other writers wait at most one chunk.
            with transaction.atomic():
                registry.hold(self.cluster)
                chunk_ends = time.perf_counter() + SETTLE_CHUNK_SECONDS
                while done < max_actions and time.perf_counter() < chunk_ends:
                    if until is not None and until():
                        more = False
                        break
                    item = self._next()
                    if item is None:
                        more = False
                        break
                    if (limit is not None and item.due > limit) or (
                        self._background(item.component) and self._only_background_left()
                    ):
                        heapq.heappush(self._heap, item)
                        more = False
                        break
                    self._advance_to(item.due)
                    self._run(item)
                    done += 1
                    self.pump()
        return done

    def run_due(self, *, max_actions: int = 200, head: int | None = None) -> int:
        """Run what is due by the clock now (live mode); ``head`` as for ``pump``."""
        self.pump(head=head)
        done = 0
        now = self.now()
        while done < max_actions:
            item = self._next()
            if item is None:
                break
            if item.due > now:
                heapq.heappush(self._heap, item)
                break
            self._run(item)
            done += 1
            self.pump()
        return done


def _group(component: str) -> str:
    """``kubelet/node-1`` → ``kubelet``; stopping a group pauses all its members."""
    return component.split("/")[0]


def default_components(cluster: Cluster) -> list[Component]:
    """Every component a real control plane and its nodes run."""
    from .registry import build_components

    return build_components(cluster)


def settle_cluster(cluster: Cluster, components: list[Component] | None = None, **kwargs) -> Engine:
    """Stop the cluster's clock (settle jumps it) and settle; returns the engine."""
    pause_clock(cluster)
    engine = Engine(cluster, components)
    engine.settle(**kwargs)
    return engine


def pause_clock(cluster: Cluster) -> None:
    """Freeze a live clock where it stands, so settle and step may move it themselves."""
    if cluster.clock_mode == Cluster.CLOCK_LIVE:
        now = clock.now(cluster)
        Cluster.objects.filter(pk=cluster.pk).update(clock_mode=Cluster.CLOCK_PAUSED, sim_time=now, sim_anchor=clock.real_now())
        cluster.refresh_from_db()
