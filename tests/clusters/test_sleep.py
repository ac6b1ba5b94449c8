"""Sleep: an idle cluster stops costing anything and wakes, clock intact, on the next use;
guests' sandboxes expire. Driven through the worker (``Worker.tick``/``sleep_check``, as
``runworkers`` drives it), /k8s/ with the cluster's token, a websocket, and ``manage.py
sweep``."""
from __future__ import annotations

import asyncio
import io
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db.models import F
from django.test import Client as HttpClient

from kubeviz.apiserver import registry
from kubeviz.apiserver.tokens import cluster_token
from kubeviz.asgi import application
from kubeviz.clusters import access, clock
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.services import cluster_create
from kubeviz.engine.worker import Worker
from kubeviz.etcd.models import Change, WorkerLease
from kubeviz.flow.models import Step
from kubeviz.live import tailer

IDLE = timedelta(seconds=700)  # past the default KUBEVIZ_SLEEP_AFTER (600 s)


def _idle(cluster: Cluster, by: timedelta = IDLE) -> None:
    Cluster.objects.filter(pk=cluster.pk).update(last_active=clock.real_now() - by)


def _asleep_worker(cluster: Cluster) -> Worker:
    """A worker that ran the cluster, then found it idle and put it to sleep."""
    worker = Worker(holder="test-worker")
    worker.tick()
    assert list(worker.engines) == [cluster.pk]
    _idle(cluster)
    assert worker.sleep_check() == [cluster.pk]
    return worker


def _ready(cluster: Cluster) -> dict[str, str]:
    return {
        n["metadata"]["name"]: next(c["status"] for c in n["status"]["conditions"] if c["type"] == "Ready")
        for n in registry.objects(cluster, "nodes")
    }


@pytest.mark.parametrize("last_active, created_ago, sleeps", [
    (IDLE, None, True),                       # unused past the limit
    (timedelta(seconds=60), None, False),     # used a minute ago
    (None, IDLE, True),                       # never touched: counts from its creation
    (None, timedelta(seconds=60), False),     # never touched, but new
])
def test_a_cluster_idle_past_the_limit_falls_asleep_on_the_workers_check(cluster, last_active, created_ago, sleeps):
    worker = Worker(holder="test-worker")
    worker.tick()
    now = clock.real_now()
    Cluster.objects.filter(pk=cluster.pk).update(
        last_active=now - last_active if last_active else None,
        created=now - created_ago if created_ago else cluster.created,
    )
    worker.sleep_check()
    cluster.refresh_from_db()
    assert cluster.asleep is sleeps
    assert (cluster.pk in worker.engines) is not sleeps
    assert WorkerLease.objects.filter(cluster=cluster).exists() is not sleeps


def test_sleep_can_be_turned_off(cluster, settings):
    settings.KUBEVIZ_SLEEP_AFTER = 0
    worker = Worker(holder="test-worker")
    worker.tick()
    _idle(cluster, timedelta(days=30))
    assert worker.sleep_check() == []


def test_a_sleeping_cluster_costs_no_write_and_its_clock_stands_still(cluster):
    worker = _asleep_worker(cluster)
    asleep = Cluster.objects.get(pk=cluster.pk)
    frozen = clock.now(asleep)
    steps, changes = Step.objects.filter(cluster=cluster).count(), Change.objects.filter(cluster=cluster).count()
    # As if it had slept an hour: the anchor is far behind, the clock still stands.
    Cluster.objects.filter(pk=cluster.pk).update(sim_anchor=asleep.sim_anchor - timedelta(hours=1))
    asleep = Cluster.objects.get(pk=cluster.pk)
    assert clock.now(asleep) == frozen
    for _ in range(5):
        worker.tick()
    after = Cluster.objects.get(pk=cluster.pk)
    assert (after.revision, after.step_seq, after.sim_time, after.asleep) == (asleep.revision, asleep.step_seq, asleep.sim_time, True)
    assert clock.now(after) == frozen
    assert (Step.objects.filter(cluster=cluster).count(), Change.objects.filter(cluster=cluster).count()) == (steps, changes)
    assert not WorkerLease.objects.filter(cluster=cluster).exists()
    assert worker.engines == {}


def test_a_k8s_request_wakes_it_the_clock_goes_on_and_the_worker_runs_it_at_once(cluster):
    worker = _asleep_worker(cluster)
    frozen = clock.now(Cluster.objects.get(pk=cluster.pk))
    # It slept an hour: waking must not hand the clock that hour, or every node would
    # have missed its heartbeats and go NotReady.
    Cluster.objects.filter(pk=cluster.pk).update(sim_anchor=F("sim_anchor") - timedelta(hours=1))

    response = HttpClient().get("/k8s/demo/api/v1/nodes", HTTP_AUTHORIZATION=f"Bearer {cluster_token(cluster)}")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 3

    woken = Cluster.objects.get(pk=cluster.pk)
    assert woken.asleep is False
    assert timedelta(0) <= clock.now(woken) - frozen < timedelta(seconds=30)
    revision = woken.revision
    for _ in range(3):
        worker.tick()
    assert list(worker.engines) == [cluster.pk]  # picked up on the very next listing
    assert WorkerLease.objects.filter(cluster=cluster, holder="test-worker").exists()
    assert Cluster.objects.get(pk=cluster.pk).revision >= revision
    assert set(_ready(cluster).values()) == {"True"}


def test_waking_twice_is_harmless_and_a_touch_only_records_the_use(cluster):
    _asleep_worker(cluster)
    asleep = Cluster.objects.get(pk=cluster.pk)
    access.cluster_touch(asleep)
    first = Cluster.objects.get(pk=cluster.pk)
    access.cluster_touch(Cluster.objects.get(pk=cluster.pk))  # awake and just touched: nothing to write
    second = Cluster.objects.get(pk=cluster.pk)
    assert (first.asleep, second.asleep) == (False, False)
    assert (second.sim_time, second.sim_anchor, second.last_active) == (first.sim_time, first.sim_anchor, first.last_active)
    assert asleep.asleep is False  # the caller's copy is woken too


@pytest.mark.django_db(transaction=True)
def test_a_connected_viewer_keeps_its_cluster_awake(monkeypatch):
    cluster = cluster_create(name="demo", fixture="demo")
    worker = Worker(holder="test-worker")
    worker.tick()
    monkeypatch.setattr(tailer, "VIEWER_TOUCH", 0.0)
    monkeypatch.setattr(access, "TOUCH_EVERY", timedelta(0))
    _idle(cluster)

    async def watch() -> None:
        comm = WebsocketCommunicator(application, "/ws/clusters/demo/steps/", headers=[(b"origin", b"http://127.0.0.1:8000")])
        connected, _ = await comm.connect()
        assert connected
        assert (await comm.receive_json_from(timeout=10))["type"] == "snapshot"
        slept = []
        for _ in range(2):  # touched on connecting, and again while it stays connected
            cutoff = clock.real_now() - timedelta(seconds=60)
            for _ in range(200):
                seen = await database_sync_to_async(lambda: Cluster.objects.get(pk=cluster.pk).last_active)()
                if seen > cutoff:
                    break
                await asyncio.sleep(0.05)
            slept += await database_sync_to_async(worker.sleep_check)()
            await database_sync_to_async(_idle)(cluster)
        await comm.disconnect()
        assert slept == []

    asyncio.run(watch())
    assert Cluster.objects.get(pk=cluster.pk).asleep is False


@pytest.mark.django_db
def test_sweep_deletes_exactly_the_expired_guests_clusters_and_expired_sessions(settings):
    settings.KUBEVIZ_HISTORY_BATCH = 3  # several batches per table
    user = get_user_model().objects.create_user("ada", password="x" * 12)
    now = clock.real_now()
    day = timedelta(seconds=settings.KUBEVIZ_GUEST_TTL)
    cases = {  # name: (owner_guest, owner, last_active, created, deleted)
        "guest-old": ("s1", None, now - day - IDLE, now - 2 * day, True),
        "guest-never-touched": ("s2", None, None, now - day - IDLE, True),
        "guest-recent": ("s3", None, now - IDLE, now - 2 * day, False),
        "guest-new": ("s4", None, None, now - IDLE, False),
        "user-old": ("", user, now - 2 * day, now - 2 * day, False),
        "site-old": ("", None, now - 2 * day, now - 2 * day, False),
    }
    for name, (guest, owner, last_active, created, _) in cases.items():
        made = cluster_create(name=name, fixture="demo")
        Cluster.objects.filter(pk=made.pk).update(owner_guest=guest, owner=owner, last_active=last_active, created=created)
    expired = SessionStore()
    expired.set_expiry(-60)
    expired.create()
    alive = SessionStore()
    alive.create()

    out = io.StringIO()
    call_command("sweep", stdout=out)
    assert "2 guest cluster(s) expired" in out.getvalue()

    assert set(Cluster.objects.values_list("name", flat=True)) == {n for n, case in cases.items() if not case[-1]}
    assert not Step.objects.exclude(cluster__in=Cluster.objects.all()).exists()
    assert not Change.objects.exclude(cluster__in=Cluster.objects.all()).exists()
    assert set(Session.objects.values_list("session_key", flat=True)) == {alive.session_key}


def test_the_list_shows_a_sleeping_cluster_without_waking_it(client, cluster):
    from kubeviz.clusters.models import Cluster

    Cluster.objects.filter(pk=cluster.pk).update(asleep=True)
    row = client.get("/").content.decode().split(f'data-cluster="{cluster.name}"')[1].split("</tr>")[0]
    assert 'class="asleep"' in row
    listed = {c["name"]: c for c in client.get("/api/clusters/").json()}
    assert listed[cluster.name]["asleep"] is True
    assert Cluster.objects.get(pk=cluster.pk).asleep  # looking at the list is not using it
