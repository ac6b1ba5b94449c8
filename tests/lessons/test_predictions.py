"""Who acts in a recorded step: the rule a prediction is marked by (docs/lessons.md)."""
from __future__ import annotations

import pytest

from kubeviz.flow.models import Step
from kubeviz.lessons.predictions import actor


@pytest.mark.parametrize(("source", "target", "who"), [
    ("client", "apiserver", "apiserver"),          # 1: the request
    ("apiserver", "etcd", "apiserver"),            # 2, 5, 9: stored
    ("apiserver", "scheduler", "scheduler"),       # 3: the watch delivers
    ("scheduler", "apiserver", "scheduler"),       # 4: the Binding
    ("apiserver", "kubelet/node-1", "kubelet"),    # 6: the kubelet's watch
    ("kubelet/node-1", "runtime/node-1", "kubelet"),  # 7: pull, start
    ("kubelet/node-2", "apiserver", "kubelet"),    # 8: status
    ("runtime/node-1", "kubelet/node-1", "runtime"),  # an exit, reported to the kubelet
    ("controller-manager", "apiserver", "controller-manager"),
    ("client", "kube-proxy/node-1", "kube-proxy"),
])
def test_who_acts_in_a_step(source, target, who):
    assert actor(Step(source=source, target=target)) == who
