"""Cluster lifecycle: create a cluster from a template (fixtures/clusters/), wipe its
state, reset it to its template."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db import transaction

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.bootstrap import cluster_bootstrap
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.templates import Problem, Template, TemplateError, template_load
from kubeviz.flow.services import steps_forget
from kubeviz.kubelet.registration import node_manifest
from kubeviz.runtime.models import LogFile
from kubeviz.scheduler.models import SchedulingDecision
from kubeviz.web.services import manifest_apply


def fixture_read(name: str) -> Template:
    """The template a cluster is made from: a name in fixtures/clusters/, or a path."""
    return template_load(name)


@transaction.atomic
def cluster_create(*, name: str, fixture: str | None = None, template: Template | None = None,
                   owner: Any = None, owner_guest: str = "", public: bool | None = None) -> Cluster:
    """Create a cluster from a template (``fixture`` names it, or pass ``template``): its
    system namespaces, its nodes as their kubelets register them, its settings, then its
    manifests, applied as the manifest form applies them. All or nothing: a manifest the
    API server refuses raises TemplateError and no cluster is left behind.

    With no owner it is the site's (what a teacher projects) and public unless told
    otherwise; a user's or a guest's is private unless told otherwise."""
    if template is None and fixture:
        template = template_load(fixture)
    now = clock.real_now()
    cluster = Cluster.objects.create(
        name=name, sim_time=now, sim_anchor=now, fixture=fixture or (template.name if template else ""),
        owner=owner, owner_guest=owner_guest,
        public=(owner is None and not owner_guest) if public is None else public,
        **_template_fields(template),
    )
    _populate(cluster, template)
    return cluster


def _template_fields(template: Template | None) -> dict[str, Any]:
    """The cluster row's settings that come from its template."""
    if template is None:
        return {"seed": 0, "settings": {}, "clock_speed": 1.0}
    return {"seed": template.seed, "settings": template.settings.cluster_settings(), "clock_speed": template.settings.speed}


def _populate(cluster: Cluster, template: Template | None) -> None:
    """What a fresh cluster holds: the API server's own objects, the template's nodes as
    their kubelets register them, then the template's manifests."""
    cluster_bootstrap(cluster)
    if template is None:
        return
    nodes = by_plural("nodes")
    stamp = clock.rfc3339(clock.now(cluster))
    for i, node in enumerate(template.nodes(), start=1):
        manifest = node_manifest(
            name=node.name, index=i, cpu=node.cpu, memory=node.memory, pods=node.pods, zone=node.zone,
            labels=node.labels, taints=[asdict(t) for t in node.taints], now=stamp,
        )
        registry.create(cluster, nodes, None, manifest)
    for entry in template.manifests:
        result = manifest_apply(cluster=cluster, text=entry.text)
        if not result.ok:
            raise TemplateError([
                Problem(template.source, entry.line, f"manifests[{entry.index}]", f"{entry.label}: {error}")
                for error in result.errors
            ])


def cluster_ensure(*, fixture: str, name: str | None = None) -> tuple[Cluster, bool]:
    """Create the cluster (named after its template unless ``name``) unless it exists;
    returns (cluster, created). Keeps data."""
    template = template_load(fixture)
    name = name or template.name
    existing = Cluster.objects.filter(name=name).first()
    if existing:
        return existing, False
    return cluster_create(name=name, fixture=fixture, template=template), True


@transaction.atomic
def cluster_wipe(*, cluster: Cluster, seed: int = 0, settings: dict[str, Any] | None = None,
                 clock_speed: float = 1.0) -> Cluster:
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
        seed=seed, settings=settings or {}, clock_mode=Cluster.CLOCK_LIVE, clock_speed=clock_speed,
        sim_time=now, sim_anchor=now, step_requests=0, steps_done=0, created=now,
    )
    cluster.refresh_from_db()
    return cluster


@transaction.atomic
def cluster_reset(*, cluster: Cluster) -> Cluster:
    """Rebuild the cluster from its template in place (same row, same token)."""
    locked = Cluster.objects.select_for_update().filter(pk=cluster.pk).first()
    if locked is None:
        raise errors.not_found("clusters", cluster.name)
    template = template_load(locked.fixture) if locked.fixture else None
    cluster_wipe(cluster=locked, **_template_fields(template))
    _populate(locked, template)
    return locked
