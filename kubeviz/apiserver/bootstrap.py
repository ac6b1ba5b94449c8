"""What a fresh API server creates in its cluster: the system namespaces and the
``kubernetes`` Service (pkg/controlplane's bootstrap controller)."""
from __future__ import annotations

from kubeviz.clusters.models import Cluster

from . import errors, registry
from .rbac_defaults import rbac_bootstrap
from .resources import by_plural

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def cluster_bootstrap(cluster: Cluster) -> None:
    namespaces = by_plural("namespaces")
    for name in SYSTEM_NAMESPACES:
        try:
            registry.create(cluster, namespaces, None, {"metadata": {"name": name}})
        except errors.StatusError as exc:
            if exc.reason != "AlreadyExists":
                raise
    service = {
        "metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {
            "clusterIP": "10.96.0.1",
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
            "sessionAffinity": "None",
            "type": "ClusterIP",
        },
    }
    try:
        registry.create(cluster, by_plural("services"), "default", service)
    except errors.StatusError as exc:
        if exc.reason != "AlreadyExists":
            raise
    rbac_bootstrap(cluster)
