"""Bearer tokens per cluster: one cluster's token never opens another."""
from __future__ import annotations

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import BasePermission

from kubeviz.apiserver import errors
from kubeviz.apiserver.tokens import cluster_token_verify
from kubeviz.clusters.access import cluster_touch
from kubeviz.clusters.models import Cluster


class ClusterUser:
    """The identity a valid token gives: a client of exactly one cluster."""

    is_authenticated = True

    def __init__(self, cluster: Cluster):
        self.cluster = cluster


def cluster_for(name: str) -> Cluster:
    cluster = Cluster.objects.filter(name=name).first()
    if cluster is None:
        raise errors.StatusError(404, "NotFound", f'cluster "{name}" not found')
    return cluster


class ClusterTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts:
            return None
        if parts[0].lower() != self.keyword or len(parts) != 2:
            raise AuthenticationFailed()
        cluster = cluster_for(request.parser_context["kwargs"]["cluster"])
        if not cluster_token_verify(cluster, parts[1]):
            raise AuthenticationFailed()
        # A client's request is a use: it wakes a sleeping cluster (kubeviz.clusters.sleep).
        cluster_touch(cluster)
        return ClusterUser(cluster), cluster

    def authenticate_header(self, request):
        return 'Bearer realm="kubeviz"'


class IsClusterClient(BasePermission):
    def has_permission(self, request, view):
        if not isinstance(request.user, ClusterUser):
            raise NotAuthenticated()
        return True
