"""Cluster lifecycle: create a cluster from a template (fixtures/clusters/), wipe its
state, reset it to its template; sandboxes of one's own, clones, snapshots, deletion."""
from __future__ import annotations

import secrets
import string
import zlib
from dataclasses import asdict
from typing import Any

import orjson
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, models, transaction

from kubeviz.accounts.roles import Identity
from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.apply import manifest_apply
from kubeviz.apiserver.bootstrap import cluster_bootstrap
from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters import clock, limits
from kubeviz.clusters.models import Cluster, Snapshot
from kubeviz.clusters.templates import Problem, Template, TemplateError, template_load, template_names
from kubeviz.flow.models import Step
from kubeviz.flow.services import steps_forget
from kubeviz.kubelet.registration import node_manifest
from kubeviz.runtime.models import LogFile, ServedRequests
from kubeviz.scheduler.models import SchedulingDecision


def fixture_read(name: str) -> Template:
    """The template a cluster is made from: a name in fixtures/clusters/, or a path."""
    return template_load(name)


@transaction.atomic
def cluster_create(*, name: str, fixture: str | None = None, template: Template | None = None,
                   owner: AbstractBaseUser | None = None, owner_guest: str = "", public: bool | None = None) -> Cluster:
    """Create a cluster from a template (``fixture`` names it, or pass ``template``): its
    system namespaces, its nodes as their kubelets register them, its settings, then its
    manifests, applied as the manifest form applies them. All or nothing: a manifest the
    API server refuses raises TemplateError and no cluster is left behind.

    With neither ``owner`` nor ``owner_guest`` it is the site's (as ``loadfixture`` makes
    ``demo``), public unless ``public=False``; an owned one is private unless ``public``."""
    if template is None and fixture:
        template = template_load(fixture)
    now = clock.real_now()
    site = owner is None and not owner_guest
    cluster = Cluster.objects.create(
        name=name, sim_time=now, sim_anchor=now, fixture=fixture or (template.name if template else ""),
        owner=owner, owner_guest=owner_guest if owner is None else "", public=site if public is None else public,
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
    ServedRequests.objects.filter(cluster=cluster).delete()
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


# ---- sandboxes: a cluster of one's own -----------------------------------------------------

SANDBOX_PREFIX = "sandbox-"
NAME_CHARS = string.ascii_lowercase + string.digits
NAME_TRIES = 20
#: rows deleted per short transaction when a cluster is deleted (see ``cluster_delete``)
DELETE_BATCH = 500


def sandbox_name() -> str:
    """``sandbox-7fk2q``: five random lowercase letters and digits (60 million names)."""
    return SANDBOX_PREFIX + "".join(secrets.choice(NAME_CHARS) for _ in range(5))


def _owner_fields(identity: Identity) -> dict[str, Any]:
    if identity.user is not None:
        return {"owner": identity.user, "owner_guest": ""}
    return {"owner": None, "owner_guest": identity.guest or ""}


def _sandbox_template(name: str) -> Template:
    """A shipped template by name (never a path: a caller names, it does not point)."""
    known = template_names()
    if name not in known:
        raise StatusError(400, "BadRequest", f'no template "{name}": the templates are {", ".join(known)}',
                          causes=[{"reason": "FieldValueNotSupported", "field": "template",
                                   "message": f'Unsupported value: "{name}": supported values: {", ".join(known)}'}])
    template = template_load(name)
    limits.node_count_allow(len(template.nodes()), name)
    return template


def _with_name(name: str | None, make: Any) -> Cluster:
    """Run ``make(name)`` with the given name (taken: 409) or with generated ones, retrying
    the rare collision. Each try is a savepoint, so a collision leaves nothing behind."""
    if name is not None:
        limits.name_check(name)
        if Cluster.objects.filter(name=name).exists():
            raise errors.already_exists("clusters", name)
    for _ in range(1 if name is not None else NAME_TRIES):
        candidate = name or sandbox_name()
        if name is None and Cluster.objects.filter(name=candidate).exists():
            continue
        try:
            with transaction.atomic():
                return make(candidate)
        except IntegrityError:
            if name is not None:
                raise errors.already_exists("clusters", name) from None
    raise StatusError(409, "Conflict", f"no free sandbox name after {NAME_TRIES} tries: give one")


@transaction.atomic
def sandbox_create(*, identity: Identity, template: str, name: str | None = None, public: bool = False) -> Cluster:
    """A cluster of the caller's own from a shipped template, within their limits."""
    limits.sandbox_allow(identity)
    built = _sandbox_template(template)
    return _with_name(name, lambda candidate: cluster_create(
        name=candidate, fixture=built.name, template=built, public=public, **_owner_fields(identity)))


@transaction.atomic
def cluster_clone(*, identity: Identity, source: Cluster, name: str | None = None, public: bool = False) -> Cluster:
    """A new cluster of the caller's with the source's state at its current revision: its
    objects (same uids and resourceVersions, as an etcd restored from a snapshot of it),
    simulated time, settings and template, but none of its history (steps, logs, change
    log): the clone's story starts here. The caller must be allowed to watch the source
    (the view checks) and to make a sandbox."""
    limits.sandbox_allow(identity)
    rows = registry.dump(source)
    now = clock.real_now()

    def make(candidate: str) -> Cluster:
        clone = Cluster.objects.create(
            name=candidate, seed=source.seed, settings=dict(source.settings or {}), clock_mode=source.clock_mode,
            clock_speed=source.clock_speed, sim_time=clock.now(source), sim_anchor=now, fixture=source.fixture,
            public=public, **_owner_fields(identity),
        )
        registry.load(clone, rows, keep_revisions=True)
        clone.refresh_from_db()
        return clone

    return _with_name(name, make)


@transaction.atomic
def sandboxes_adopt(*, guest: str, user: AbstractBaseUser) -> int:
    """A guest who signs up keeps what they made: their clusters become the new user's.
    Returns how many."""
    if not guest:
        return 0
    return Cluster.objects.filter(owner__isnull=True, owner_guest=guest).update(owner=user, owner_guest="")


# ---- snapshots ------------------------------------------------------------------------------


def _pack(rows: list[list[Any]]) -> bytes:
    return zlib.compress(orjson.dumps(rows), 6)


def _unpack(blob: bytes | memoryview) -> list[list[Any]]:
    return orjson.loads(zlib.decompress(bytes(blob)))


@transaction.atomic
def snapshot_create(*, cluster: Cluster, name: str) -> Snapshot:
    """Keep the cluster's objects as they are now, under ``name``."""
    limits.name_check(name, kind="snapshots")
    if Snapshot.objects.filter(cluster=cluster, name=name).exists():
        raise errors.already_exists("snapshots", name)
    rows = registry.dump(cluster)
    return Snapshot.objects.create(
        cluster=cluster, name=name, revision=registry.watch_start_revision(cluster), sim_time=clock.now(cluster),
        objects_count=len(rows), entries=_pack(rows),
    )


def snapshot_get(*, cluster: Cluster, name: str) -> Snapshot:
    found = Snapshot.objects.filter(cluster=cluster, name=name).first()
    if found is None:
        raise errors.not_found("snapshots", name)
    return found


@transaction.atomic
def snapshot_restore(*, cluster: Cluster, name: str) -> Cluster:
    """Put the cluster back to the snapshot: exactly its objects, at new revisions, and its
    simulated time. Built on ``cluster_wipe``, so every watcher relists as after an etcd
    restore (410 Gone on /k8s/ watches, a fresh snapshot on the dashboard, a rebuilt engine)."""
    locked = Cluster.objects.select_for_update().filter(pk=cluster.pk).first()
    if locked is None:
        raise errors.not_found("clusters", cluster.name)
    snapshot = snapshot_get(cluster=locked, name=name)
    cluster_wipe(cluster=locked, seed=locked.seed, settings=locked.settings, clock_speed=locked.clock_speed)
    now = clock.real_now()
    Cluster.objects.filter(pk=locked.pk).update(sim_time=snapshot.sim_time, sim_anchor=now)
    registry.load(locked, _unpack(snapshot.entries), keep_revisions=False)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def snapshot_delete(*, cluster: Cluster, name: str) -> None:
    snapshot_get(cluster=cluster, name=name).delete()


# ---- deletion -------------------------------------------------------------------------------


def _delete_batches(queryset: models.QuerySet, batch: int) -> None:
    while True:
        with transaction.atomic():
            ids = list(queryset.values_list("pk", flat=True)[:batch])
            if not ids:
                return
            queryset.model.objects.filter(pk__in=ids).delete()


def cluster_delete(*, cluster: Cluster, batch: int = DELETE_BATCH) -> None:
    """Delete the cluster and everything of it (objects, change log, steps, logs, scheduling
    decisions, snapshots, its worker lease); its token goes with the row's salt.

    Not one transaction, on purpose: a cluster of thousands of steps deleted at once would
    hold SQLite's only write lock long enough to stall every other cluster. The big tables
    go in batches of short transactions; the row goes last, in one that also takes
    whatever the cluster's engine wrote meanwhile (the foreign keys cascade)."""
    while registry.purge(cluster, batch):
        pass
    for queryset in (Step.objects.filter(cluster=cluster), LogFile.objects.filter(cluster=cluster),
                     ServedRequests.objects.filter(cluster=cluster), SchedulingDecision.objects.filter(cluster=cluster)):
        _delete_batches(queryset, batch)
    _delete_batches(Snapshot.objects.filter(cluster=cluster), 10)
    with transaction.atomic():
        Cluster.objects.filter(pk=cluster.pk).delete()
