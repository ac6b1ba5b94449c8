"""An engine running the ReplicaSet and Deployment controllers, on a paused clock.

The tests' fake kubelet sends no heartbeats, so the node lifecycle controller is left
out: it would rightly mark every node unreachable and evict the pods."""
from __future__ import annotations

import pytest

from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.controllers.deployment import DeploymentController
from kubeviz.controllers.replicaset import ReplicaSetController
from kubeviz.engine.runner import Engine


@pytest.fixture
def engine(cluster) -> Engine:
    """The demo cluster with a paused clock, so nothing moves unless the engine moves it."""
    now = clock.now(cluster)
    Cluster.objects.filter(pk=cluster.pk).update(clock_mode=Cluster.CLOCK_PAUSED, sim_time=now, sim_anchor=clock.real_now())
    cluster.refresh_from_db()
    return Engine(cluster, components=[ReplicaSetController(), DeploymentController()])
