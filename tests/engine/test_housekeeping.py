"""Bounded history through the engine in settle mode: kube-apiserver's compaction rounds on
the simulated clock, and the trimming of recorded steps."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.test import Client as HttpClient

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.apiserver.tokens import cluster_token
from kubeviz.clusters.models import Cluster
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.etcd.models import Change
from kubeviz.flow.models import Step
from kubeviz.flow.services import step_record


@pytest.fixture
def engine(cluster, settings) -> Engine:
    settings.KUBEVIZ_WATCH_HISTORY = 0
    settings.KUBEVIZ_COMPACTION_INTERVAL = 300
    settings.KUBEVIZ_HISTORY_BATCH = 50
    pause_clock(cluster)
    engine = Engine(cluster)
    engine.settle(horizon=1)
    return engine


def head(cluster) -> tuple[int, int]:
    """(revision, compacted revision) now."""
    return Cluster.objects.filter(pk=cluster.pk).values_list("revision", "compacted_revision").get()


async def _collect(chunks) -> bytes:
    return b"".join([chunk async for chunk in chunks])


def watch(cluster, resource_version: int) -> dict:
    r = HttpClient().get(f"/k8s/{cluster.name}/api/v1/namespaces/default/configmaps",
                         {"watch": "true", "resourceVersion": str(resource_version), "timeoutSeconds": "1"},
                         HTTP_AUTHORIZATION=f"Bearer {cluster_token(cluster)}")
    assert r.status_code == 200
    body = async_to_sync(_collect)(r.streaming_content) if r.streaming else r.content
    return json.loads(body.decode().splitlines()[0])


def test_compaction_runs_every_five_simulated_minutes_to_the_previous_rounds_revision(cluster, engine):
    compactor = engine.components["housekeeping"].compactor
    first_round = compactor.previous
    assert first_round is not None and head(cluster)[1] == 0
    old = head(cluster)[0]
    registry.create(cluster, by_plural("configmaps"), "default", {"metadata": {"name": "before"}})

    engine.settle(horizon=290)  # not yet five minutes
    assert head(cluster)[1] == 0
    engine.settle(horizon=20)
    revision, compacted = head(cluster)
    assert compacted == first_round
    assert not Change.objects.filter(cluster=cluster, revision__lte=compacted).exists()
    assert Change.objects.filter(cluster=cluster, revision__gt=compacted).exists()
    second_round = compactor.previous
    assert compacted <= old < second_round <= revision

    # A watch from before the compacted revision is 410 Expired, as from kube-apiserver.
    event = watch(cluster, compacted - 1)
    assert event["type"] == "ERROR"
    assert {k: event["object"][k] for k in ("kind", "code", "reason")} == {"kind": "Status", "code": 410, "reason": "Expired"}
    assert event["object"]["message"] == f"too old resource version: {compacted - 1} ({compacted})"
    # ... and from the compacted revision on, nothing is missing.
    assert watch(cluster, compacted)["type"] in {"ADDED", "MODIFIED", "BOOKMARK"}

    engine.settle(horizon=300)
    assert head(cluster)[1] == second_round
    assert Change.objects.filter(cluster=cluster).count() <= revision - second_round + (head(cluster)[0] - revision)


def test_compaction_keeps_the_newest_watch_history(cluster, engine, settings):
    settings.KUBEVIZ_WATCH_HISTORY = 10_000
    engine.settle(horizon=700)
    assert head(cluster)[1] == 0


def test_steps_beyond_the_retention_are_trimmed_in_batches(cluster, engine, settings):
    settings.KUBEVIZ_STEP_RETENTION = 120
    for i in range(500):
        step_record(cluster=cluster, source="kubectl", target="apiserver", action="test", message=f"step {i}")
    recorded = Cluster.objects.get(pk=cluster.pk).step_seq
    engine.settle(horizon=61)  # the next trim, 60 simulated seconds after the last
    seqs = list(Step.objects.filter(cluster=cluster).values_list("seq", flat=True))
    seq = Cluster.objects.get(pk=cluster.pk).step_seq
    # What is left is a suffix: the newest 120 at the trim, and those recorded since.
    assert seqs == list(range(seqs[0], seq + 1))
    assert recorded - 120 < seqs[0] <= seq - 119
    assert len(seqs) <= 120 + (seq - recorded)


def test_steps_older_than_the_retention_age_are_trimmed(cluster, engine, settings):
    settings.KUBEVIZ_STEP_RETENTION_SECONDS = 120
    engine.settle(horizon=600)
    times = list(Step.objects.filter(cluster=cluster).values_list("time", flat=True))
    now = Cluster.objects.get(pk=cluster.pk).sim_time
    assert min(times) >= now - timedelta(seconds=120 + 60)


def test_housekeeping_alone_lets_settle_finish_and_takes_no_step(cluster, settings):
    from kubeviz.engine.housekeeping import Housekeeping

    pause_clock(cluster)
    engine = Engine(cluster, [Housekeeping(cluster)])
    before = Cluster.objects.get(pk=cluster.pk).sim_time
    assert engine.settle() == 0
    assert engine.step() is False
    assert Cluster.objects.get(pk=cluster.pk).sim_time == before
