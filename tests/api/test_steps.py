"""``GET /api/clusters/<c>/steps/``: the recorded steps, and where their history starts."""
from __future__ import annotations

from rest_framework.test import APIClient

from kubeviz.clusters.models import Cluster
from kubeviz.flow.services import step_record, steps_trim


def record(cluster, count: int) -> None:
    for i in range(count):
        step_record(cluster=cluster, source="kubectl", target="apiserver", action="test", message=f"step {i}")


def test_steps_say_where_the_trimmed_history_starts(cluster):
    record(cluster, 30)
    head = Cluster.objects.get(pk=cluster.pk).step_seq
    r = APIClient().get(f"/api/clusters/{cluster.name}/steps/", {"after": 0, "limit": 5000})
    assert r.status_code == 200 and r["X-Kubeviz-Earliest-Seq"] == "1" and r.json()[0]["seq"] == 1

    while steps_trim(cluster=cluster, keep=10, max_age_seconds=0, batch=7) == 7:
        pass
    r = APIClient().get(f"/api/clusters/{cluster.name}/steps/", {"after": 0})
    assert r.status_code == 200 and r["X-Kubeviz-Earliest-Seq"] == str(head - 9)
    assert [s["seq"] for s in r.json()] == list(range(head - 9, head + 1))
