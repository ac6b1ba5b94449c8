"""Cluster lifecycle: create a cluster from a template (fixtures/clusters/), or reset it."""
from __future__ import annotations

from dataclasses import asdict

from django.db import transaction

from kubeviz.apiserver import registry
from kubeviz.apiserver.bootstrap import cluster_bootstrap
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.templates import Problem, Template, TemplateError, template_load
from kubeviz.etcd.models import Cluster
from kubeviz.kubelet.registration import node_manifest
from kubeviz.web.services import manifest_apply

from . import clock


def fixture_read(name: str) -> Template:
    """The template a cluster is made from: a name in fixtures/clusters/, or a path."""
    return template_load(name)


@transaction.atomic
def cluster_create(*, name: str, fixture: str | None = None, template: Template | None = None) -> Cluster:
    """Create a cluster from a template (``fixture`` names it, or pass ``template``): its
    system namespaces, its nodes as their kubelets register them, its settings, then its
    manifests, applied as the manifest form applies them. All or nothing: a manifest the
    API server refuses raises TemplateError and no cluster is left behind."""
    if template is None and fixture:
        template = template_load(fixture)
    now = clock.real_now()
    cluster = Cluster.objects.create(
        name=name, seed=template.seed if template else 0, sim_time=now, sim_anchor=now,
        fixture=fixture or (template.name if template else ""),
        settings=template.settings.cluster_settings() if template else {},
        clock_speed=template.settings.speed if template else 1.0,
    )
    cluster_bootstrap(cluster)
    if template is None:
        return cluster
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
    return cluster


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
def cluster_reset(*, cluster: Cluster) -> Cluster:
    """Throw the cluster's state away and rebuild it from its fixture, keeping its token."""
    name, fixture, token = cluster.name, cluster.fixture, cluster.token
    cluster.delete()
    fresh = cluster_create(name=name, fixture=fixture or None)
    Cluster.objects.filter(pk=fresh.pk).update(token=token)
    fresh.refresh_from_db()
    return fresh
