"""Cluster lifecycle: create a cluster from a fixture, wipe its state, reset it to its fixture."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.bootstrap import cluster_bootstrap
from kubeviz.apiserver.resources import by_plural
from kubeviz.etcd.models import Cluster
from kubeviz.flow.services import steps_forget
from kubeviz.kubelet.registration import node_manifest
from kubeviz.runtime.models import LogFile
from kubeviz.scheduler.models import SchedulingDecision

from . import clock

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


def fixture_read(name: str) -> dict[str, Any]:
    path = FIXTURES / f"{name}.yaml"
    with path.open() as f:
        return yaml.safe_load(f)


@transaction.atomic
def cluster_create(*, name: str, fixture: str | None = None) -> Cluster:
    """Create a cluster with its system namespaces and, from the fixture, its nodes."""
    data = fixture_read(fixture) if fixture else {"nodes": []}
    now = clock.real_now()
    cluster = Cluster.objects.create(
        name=name, seed=int(data.get("seed", 0)), sim_time=now, sim_anchor=now,
        fixture=fixture or "", settings=data.get("settings") or {},
    )
    _populate(cluster, data)
    return cluster


def _populate(cluster: Cluster, data: dict[str, Any]) -> None:
    """What a fresh cluster holds: the API server's own objects and the fixture's nodes."""
    cluster_bootstrap(cluster)
    nodes = by_plural("nodes")
    stamp = clock.rfc3339(clock.now(cluster))
    for i, spec in enumerate(data.get("nodes") or [], start=1):
        manifest = node_manifest(index=i, now=stamp, **spec)
        registry.create(cluster, nodes, None, manifest)


def cluster_ensure(*, name: str, fixture: str) -> tuple[Cluster, bool]:
    """Create the cluster unless it exists; returns (cluster, created). Keeps data."""
    existing = Cluster.objects.filter(name=name).first()
    if existing:
        return existing, False
    return cluster_create(name=name, fixture=fixture), True


@transaction.atomic
def cluster_wipe(*, cluster: Cluster, seed: int = 0, settings: dict[str, Any] | None = None) -> Cluster:
    """Throw away everything the cluster holds (objects, change log, steps, logs,
    scheduling decisions) and restart its clock, keeping its identity: the row, its pk,
    name, token, fixture and whichever worker holds its lease.

    The row stays so that nothing that points at it (a worker's lease, a request in
    flight) ever finds it gone; a new ``created`` tells every reader that it holds a
    new incarnation (the engine rebuilds, the dashboard takes a fresh snapshot). Steps
    are numbered from 1 again, as for a new cluster; the revision goes on counting, as
    etcd's does: a watcher from before sees history compacted (410 Gone, relist) rather
    than revisions it already saw.
    """
    registry.wipe(cluster)
    steps_forget(cluster=cluster)
    LogFile.objects.filter(cluster=cluster).delete()
    SchedulingDecision.objects.filter(cluster=cluster).delete()
    now = clock.real_now()
    Cluster.objects.filter(pk=cluster.pk).update(
        seed=seed, settings=settings or {}, clock_mode=Cluster.CLOCK_LIVE, clock_speed=1.0,
        sim_time=now, sim_anchor=now, step_requests=0, steps_done=0, created=now,
    )
    cluster.refresh_from_db()
    return cluster


@transaction.atomic
def cluster_reset(*, cluster: Cluster) -> Cluster:
    """Rebuild the cluster from its fixture in place (same row, same token)."""
    locked = Cluster.objects.select_for_update().filter(pk=cluster.pk).first()
    if locked is None:
        raise errors.not_found("clusters", cluster.name)
    data = fixture_read(locked.fixture) if locked.fixture else {"nodes": []}
    cluster_wipe(cluster=locked, seed=int(data.get("seed", 0)), settings=data.get("settings") or {})
    _populate(locked, data)
    return locked
