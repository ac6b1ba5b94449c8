"""kube-controller-manager: the controllers that turn desired state into objects.

Each controller is an engine Component (see ``kubeviz.engine.component``): it reads from
the informer cache and writes only through the API client, never touching the store.
"""
from __future__ import annotations

from kubeviz.clusters.models import Cluster
from kubeviz.engine.component import Component


def controller_manager(cluster: Cluster) -> list[Component]:
    """Every controller kube-controller-manager runs for ``cluster``; add new ones here."""
    from .cronjob import CronJobController
    from .daemonset import DaemonSetController
    from .deployment import DeploymentController
    from .disruption import DisruptionController
    from .endpoints import EndpointsController, EndpointSliceController
    from .garbagecollector import GarbageCollector
    from .horizontalpodautoscaler import HorizontalPodAutoscalerController
    from .job import JobController
    from .namespace import NamespaceController
    from .nodelifecycle import NodeLifecycleController
    from .replicaset import ReplicaSetController
    from .serviceaccount import ResourceQuotaController, ServiceAccountsController, TokensController
    from .statefulset import StatefulSetController
    from .volume import PersistentVolumeController

    return [
        ReplicaSetController(),
        DeploymentController(),
        DaemonSetController(cluster),
        StatefulSetController(cluster),
        JobController(cluster),
        CronJobController(cluster),
        EndpointsController(cluster),
        EndpointSliceController(cluster),
        NodeLifecycleController(cluster),
        GarbageCollector(cluster),
        NamespaceController(cluster),
        DisruptionController(cluster),
        HorizontalPodAutoscalerController(cluster),
        PersistentVolumeController(cluster),
        ServiceAccountsController(),
        TokensController(cluster),
        ResourceQuotaController(),
    ]
