"""Bearer tokens per cluster: one cluster's token never opens another."""
from __future__ import annotations

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import SAFE_METHODS, BasePermission

from kubeviz.accounts.roles import Identity
from kubeviz.apiserver import errors
from kubeviz.apiserver.rbac import ADMIN, UserInfo, impersonated
from kubeviz.apiserver.tokens import cluster_token_verify
from kubeviz.clusters.access import cluster_check
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.permissions import Action, Denied


class ClusterUser:
    """The identity a valid token gives: a client of exactly one cluster."""

    is_authenticated = True

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.identity = Identity(cluster_pk=cluster.pk)


def cluster_for(name: str) -> Cluster:
    cluster = Cluster.objects.filter(name=name).first()
    if cluster is None:
        raise errors.StatusError(404, "NotFound", f'cluster "{name}" not found')
    return cluster


def token_cluster(name: str, authorization: bytes) -> Cluster | None:
    """The cluster an ``Authorization`` header opens (None: no header); AuthenticationFailed
    for any other scheme or a token that is not this cluster's. HTTP requests and the
    WebSocket streams (kubeapi/streams.py) both authenticate here."""
    parts = authorization.split()
    if not parts:
        return None
    if parts[0].lower() != b"bearer" or len(parts) != 2:
        raise AuthenticationFailed()
    cluster = cluster_for(name)
    if not cluster_token_verify(cluster, parts[1]):
        raise AuthenticationFailed()
    return cluster


def may_act(cluster: Cluster, action: Action) -> None:
    """The cluster's own door (read-only, asleep…), as for every client: 403 Forbidden."""
    try:
        cluster_check(cluster, ClusterUser(cluster).identity, action)
    except Denied as exc:
        raise errors.StatusError(403, "Forbidden", exc.message) from None


class ClusterTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        cluster = token_cluster(request.parser_context["kwargs"]["cluster"], get_authorization_header(request))
        return None if cluster is None else (ClusterUser(cluster), cluster)

    def authenticate_header(self, request):
        return 'Bearer realm="kubeviz"'


class IsClusterClient(BasePermission):
    """A holder of the cluster's token, asked like every other door whether it may read
    (GET, HEAD, watches) or write: a read-only cluster refuses writes even to its token."""

    def has_permission(self, request, view):
        if not isinstance(request.user, ClusterUser):
            raise NotAuthenticated()
        may_act(request.user.cluster, Action.WATCH if request.method in SAFE_METHODS else Action.ACT)
        return True


def request_user(headers) -> UserInfo:
    """Who a request is. The cluster's token is the admin (``system:masters``), who may
    impersonate anyone: ``kubectl --as jane --as-group dev`` sends Impersonate-User and one
    Impersonate-Group header per group, which arrive joined by commas."""
    name = headers.get("Impersonate-User", "")
    groups = [g.strip() for g in headers.get("Impersonate-Group", "").split(",") if g.strip()]
    if not name:
        if groups:
            raise errors.bad_request(f"requested {groups} without impersonating a user")
        return ADMIN
    prefix = "impersonate-extra-"
    extra = {k[len(prefix):].lower(): [x.strip() for x in v.split(",")]
             for k, v in headers.items() if k.lower().startswith(prefix)}
    return impersonated(name, groups, headers.get("Impersonate-Uid", ""), extra)
