"""Which components run for a cluster: the control plane, and a kubelet per node."""
from __future__ import annotations

from kubeviz.etcd.models import Cluster

from .component import Component


def build_components(cluster: Cluster) -> list[Component]:
    from kubeviz.controllers import controller_manager
    from kubeviz.kubelet.agent import kubelets
    from kubeviz.scheduler.component import Scheduler

    return [*controller_manager(cluster), Scheduler(cluster), *kubelets(cluster)]
