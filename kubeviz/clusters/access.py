"""Every door's way in to a cluster: who is asking, may they, and the cluster is awake.

Pages, the REST API, the websocket and /k8s/ call ``cluster_access`` with the identity of
the request (``request_identity``) and the action they are about to take; it applies
``permissions.require`` and marks the cluster as used, which is what keeps it awake
(``kubeviz.clusters.sleep`` puts unused clusters to sleep).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from kubeviz.accounts.roles import Identity, identity_of

from .models import Cluster
from .permissions import Action, Denied, require

#: A cluster's ``last_active`` is written at most this often (one UPDATE per cluster per
#: half minute, not one per request).
TOUCH_EVERY = timedelta(seconds=30)


def request_identity(request: Any) -> Identity:
    """The identity of a Django or DRF request. A bearer-token client (``/k8s/``, REST)
    carries its own identity on its user object; browsers are known by user and session."""
    user = getattr(request, "user", None)
    carried = getattr(user, "identity", None)
    if isinstance(carried, Identity):
        return carried
    django_request = getattr(request, "_request", request)
    return identity_of(getattr(django_request, "user", None), getattr(django_request, "session", None))


def cluster_access(name: str, identity: Identity, action: Action) -> Cluster:
    """The named cluster, if ``identity`` may take ``action`` on it; raises ``Denied``
    (``visible=False`` for a cluster that is missing or that they may not even watch)."""
    cluster = Cluster.objects.filter(name=name).first()
    if cluster is None:
        raise Denied(action, False, f'cluster "{name}" not found')
    return cluster_check(cluster, identity, action)


def cluster_check(cluster: Cluster, identity: Identity, action: Action) -> Cluster:
    """``cluster_access`` for a cluster already in hand (the /k8s/ token check loads it)."""
    require(identity, action, cluster)
    cluster_touch(cluster)
    return cluster


def cluster_touch(cluster: Cluster) -> None:
    """Someone used the cluster: note when (throttled), and wake it if it sleeps."""
    now = timezone.now()
    if cluster.asleep or cluster.last_active is None or now - cluster.last_active > TOUCH_EVERY:
        from .sleep import cluster_wake

        cluster_wake(cluster=cluster, now=now)
