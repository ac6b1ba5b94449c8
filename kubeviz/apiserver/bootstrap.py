"""What a fresh API server creates in its cluster: the system namespaces, the
``kubernetes`` Service (pkg/controlplane's bootstrap controller) and the system
PriorityClasses (the scheduling post-start hook); and what a cluster installer adds (as
kind and minikube do): a default StorageClass ``standard`` served by the simulated
provisioner, and an IngressClass ``nginx`` served by the simulated ingress controller."""
from __future__ import annotations

import copy

from kubeviz.clusters.models import Cluster

from . import errors, registry
from .kinds.priorityclass import system_class_bodies
from .rbac_defaults import rbac_bootstrap
from .resources import by_plural

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


#: the simulated provisioner's name (controllers/volume.py provisions for it)
PROVISIONER = "kubeviz.dev/hostpath"
#: the simulated ingress controller's name (proxy/ingress.py serves the classes naming it)
INGRESS_CONTROLLER = "k8s.io/ingress-nginx"

ADDONS = (
    ("storageclasses", {
        "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": PROVISIONER, "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate",
    }),
    ("ingressclasses", {
        "metadata": {"name": "nginx", "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
        "spec": {"controller": INGRESS_CONTROLLER},
    }),
)


def _create(cluster: Cluster, plural: str, namespace: str | None, obj: dict) -> None:
    try:
        registry.create(cluster, by_plural(plural), namespace, obj)
    except errors.StatusError as exc:
        if exc.reason != "AlreadyExists":
            raise


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
    # The scheduling post-start hook: the two system PriorityClasses.
    for body in system_class_bodies():
        _create(cluster, "priorityclasses", None, body)
    for plural, obj in ADDONS:
        _create(cluster, plural, None, copy.deepcopy(obj))
    rbac_bootstrap(cluster)
