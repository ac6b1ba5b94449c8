"""The site's pod quota: how many pods one cluster may hold.

Admission, as a ResourceQuota is enforced: a create past the limit is refused with 403
Forbidden before anything is stored, and a controller that hits it records FailedCreate on
its owner (kubeviz.controllers.podcontrol) as the ReplicaSet controller does. Unlike a
ResourceQuota it is not an object in the cluster: the site sets it
(``KUBEVIZ_MAX_PODS_PER_CLUSTER``), or a template's ``settings.maxPods`` lowers it.
"""
from __future__ import annotations

from django.conf import settings

from kubeviz.clusters.models import Cluster
from kubeviz.etcd import store

from . import errors


def pod_limit(cluster: Cluster) -> tuple[int, str]:
    """The most pods the cluster may hold, and the setting that says so."""
    limit = settings.KUBEVIZ_MAX_PODS_PER_CLUSTER
    own = (cluster.settings or {}).get("maxPods")
    if isinstance(own, int) and own < limit:
        return own, "the template's settings.maxPods"
    return limit, "KUBEVIZ_MAX_PODS_PER_CLUSTER"


def pod_admit(cluster: Cluster, name: str) -> None:
    """Refuse a new pod once the cluster holds its limit."""
    limit, source = pod_limit(cluster)
    held = store.count(cluster.pk, "pods")
    if held >= limit:
        raise errors.forbidden("pods", name, f"cluster {cluster.name} already has {held} pods, "
                               f"the most it may have ({source}={limit})")
