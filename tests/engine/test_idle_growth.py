"""An idle cluster left running for hours keeps its database flat: steps, change log and
container logs stay within their limits (small ones here), in settle mode."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.etcd.models import Change
from kubeviz.flow.models import Step
from kubeviz.runtime.models import LogLine
from tests.web.helpers import deployment

CHATTY = deployment("chatty", replicas=2, image="busybox:1.36", command=["sh", "-c", "while true; do echo still here; sleep 10; done"])


def rows(cluster) -> dict[str, int]:
    return {
        "steps": Step.objects.filter(cluster=cluster).count(),
        "changes": Change.objects.filter(cluster=cluster).count(),
        "log lines": LogLine.objects.filter(file__cluster=cluster).count(),
    }


@pytest.fixture
def small_limits(settings):
    settings.KUBEVIZ_STEP_RETENTION = 300
    settings.KUBEVIZ_STEP_TRIM_INTERVAL = 60
    settings.KUBEVIZ_WATCH_HISTORY = 100
    settings.KUBEVIZ_COMPACTION_INTERVAL = 300
    settings.KUBEVIZ_HISTORY_BATCH = 200
    settings.KUBEVIZ_CONTAINER_LOG_MAX_SIZE = 2000
    settings.KUBEVIZ_CONTAINER_LOG_MAX_FILES = 2


def test_an_idle_cluster_keeps_its_row_counts_bounded_for_hours(cluster, small_limits):
    registry.create(cluster, by_plural("deployments"), "default", CHATTY)
    pause_clock(cluster)
    engine = Engine(cluster)
    engine.settle(horizon=600)
    seen = []
    for _ in range(3):
        engine.settle(horizon=3600)
        seen.append(rows(cluster))
    # An hour of heartbeats and chatter each time, yet nothing grows past its limit:
    # steps, the retention plus a trim interval's worth; the change log, what ten simulated
    # minutes write (two compaction rounds); logs, two files per container.
    for counts in seen:
        assert counts["steps"] <= 300 + 200, seen
        assert counts["changes"] <= 1000, seen
        assert counts["log lines"] <= 2 * 2 * (2000 // 45 + 10), seen
    assert seen[-1]["steps"] <= seen[0]["steps"] * 1.5 and seen[-1]["changes"] <= seen[0]["changes"] * 1.5, seen
