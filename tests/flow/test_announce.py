"""A commit of steps is announced with the steps themselves (``sql.steps_payloads``), so
the Daphnes listening on PostgreSQL publish them without reading them back: what the
notification carries must be exactly what a read of the table would stream."""
from __future__ import annotations

import json

import pytest
from django.db import transaction

from kubeviz.clusters.services import cluster_create
from kubeviz.etcd import sql
from kubeviz.flow.selectors import step_list
from kubeviz.flow.services import step_record, steps_batch


def _record(cluster, n: int, message: str = "") -> list:
    with transaction.atomic(), steps_batch():
        return [step_record(cluster=cluster, source="client", target="apiserver", action="create",
                            message=message or f"step {i} ünïcode \"quoted\"", step=1 + i % 9, category="flow")
                for i in range(n)]


def test_the_steps_a_commit_announces_are_the_rows_as_streamed(db):
    cluster = cluster_create(name="announce", fixture=None)
    records = _record(cluster, 5)
    stored = [s.as_message() for s in step_list(cluster=cluster, after=records[0].seq - 1)]
    assert [r.as_message() for r in records] == stored


@pytest.mark.parametrize("steps,message_size,carried", [
    (3, 10, 3),          # one notification with all of them
    (200, 10, 200),      # several, each under PostgreSQL's limit, in order
    (3, 9000, 0),        # a step too big to carry: the head alone
], ids=["one", "chunked", "too-big"])
def test_announcements_carry_what_fits_and_name_the_head(db, steps, message_size, carried):
    cluster = cluster_create(name="payload", fixture=None)
    records = _record(cluster, steps, "x" * message_size)
    messages = [r.as_message() for r in records]
    payloads = sql.steps_payloads(cluster.pk, messages, records[-1].seq)
    assert all(len(p.encode()) < 8000 for p in payloads)
    got, expected_prev = [], records[0].seq - 1
    for payload in payloads:
        parts = payload.split(":", 3)
        assert int(parts[0]) == cluster.pk
        if len(parts) == 4:
            assert int(parts[1]) == expected_prev  # each takes up where the last left off
            chunk = json.loads(parts[3])
            assert chunk[-1]["seq"] == int(parts[2])
            got += chunk
            expected_prev = int(parts[2])
        else:
            assert payload == payloads[-1] and int(parts[1]) == records[-1].seq
    assert got == messages[:carried]
