"""Cluster lifecycle: create a cluster from a fixture, or reset it to its fixture."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from kubeviz.apiserver import registry
from kubeviz.apiserver.bootstrap import cluster_bootstrap
from kubeviz.apiserver.resources import by_plural
from kubeviz.etcd.models import Cluster
from kubeviz.kubelet.registration import node_manifest

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
    cluster_bootstrap(cluster)
    nodes = by_plural("nodes")
    stamp = clock.rfc3339(clock.now(cluster))
    for i, spec in enumerate(data.get("nodes") or [], start=1):
        manifest = node_manifest(index=i, now=stamp, **spec)
        registry.create(cluster, nodes, None, manifest)
    return cluster


def cluster_ensure(*, name: str, fixture: str) -> tuple[Cluster, bool]:
    """Create the cluster unless it exists; returns (cluster, created). Keeps data."""
    existing = Cluster.objects.filter(name=name).first()
    if existing:
        return existing, False
    return cluster_create(name=name, fixture=fixture), True


@transaction.atomic
def cluster_reset(*, cluster: Cluster) -> Cluster:
    """Throw the cluster's state away and rebuild it from its fixture, keeping its token."""
    name, fixture, salt = cluster.name, cluster.fixture, cluster.token_salt
    cluster.delete()
    fresh = cluster_create(name=name, fixture=fixture or None)
    Cluster.objects.filter(pk=fresh.pk).update(token_salt=salt)
    fresh.refresh_from_db()
    return fresh
