"""The exercises set inside the control plane, played as a learner's attempt: the fault the
setup made (a stopped controller manager, a silent kubelet) is a switch rather than an
object, so it must come back with **Reset**, and fixing it must be what earns the marks."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from kubeviz.accounts.roles import Identity
from kubeviz.accounts.services import learner_create
from kubeviz.clusters.models import Cluster
from kubeviz.engine.control import component_set, node_recover
from kubeviz.engine.runner import settle_cluster
from kubeviz.exercises.models import Attempt
from kubeviz.exercises.services import attempt_check, attempt_reset, attempt_start

pytestmark = pytest.mark.django_db


def _start_controller_manager(cluster: Cluster) -> None:
    component_set(cluster=cluster, component="controller-manager", running=True)


def _recover_node_2(cluster: Cluster) -> None:
    node_recover(cluster=cluster, name="node-2")


CASES = [
    # slug, the switch the setup leaves, how a learner fixes it, the full marks
    ("controller-manager-stopped", ("stopped", ["controller-manager"]), _start_controller_manager, 4),
    ("kubelet-down", ("failed_nodes", ["node-2"]), _recover_node_2, 4),
]


def _cluster(attempt: Attempt) -> Cluster:
    return Cluster.objects.get(pk=attempt.cluster_id)


def _fix(attempt: Attempt, fix: Callable[[Cluster], None]) -> None:
    cluster = _cluster(attempt)
    fix(cluster)
    settle_cluster(cluster, horizon=120)


@pytest.mark.parametrize(("slug", "switch", "fix", "full"), CASES, ids=[c[0] for c in CASES])
def test_the_fault_comes_back_with_reset_and_fixing_it_earns_full_marks(slug, switch, fix, full):
    learner = Identity(user=learner_create(name="grace", password="grace-fixes-nodes"))
    attempt = attempt_start(identity=learner, slug=slug)
    key, value = switch
    assert _cluster(attempt).settings[key] == value
    first = attempt_check(attempt=attempt)
    assert (first.score, first.maximum) == (0, full)

    _fix(attempt, fix)
    assert attempt_check(attempt=attempt).score == full

    attempt_reset(attempt=attempt)
    assert _cluster(attempt).settings[key] == value
    assert attempt_check(attempt=attempt).score == 0
    _fix(attempt, fix)
    assert attempt_check(attempt=attempt).score == full
