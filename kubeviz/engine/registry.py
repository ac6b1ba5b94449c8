"""Which components run for a cluster: the control plane, a kubelet and kube-proxy per node."""
from __future__ import annotations

from kubeviz.clusters.models import Cluster

from .component import Component


def build_components(cluster: Cluster) -> list[Component]:
    from kubeviz.controllers import controller_manager
    from kubeviz.kubelet.agent import kubelets
    from kubeviz.proxy.component import KubeProxy
    from kubeviz.proxy.ingress import IngressController
    from kubeviz.scheduler.component import Scheduler

    from .housekeeping import Housekeeping

    return [*controller_manager(cluster), Scheduler(cluster), *kubelets(cluster), KubeProxy(cluster), IngressController(cluster), Housekeeping(cluster)]
