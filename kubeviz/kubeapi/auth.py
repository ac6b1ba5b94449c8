"""Bearer tokens per cluster: one cluster's token never opens another."""
from __future__ import annotations

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import SAFE_METHODS, BasePermission

from kubeviz.accounts.roles import Identity
from kubeviz.apiserver import errors
from kubeviz.apiserver.rbac import ADMIN, Attributes, UserInfo, authorize, impersonated
from kubeviz.apiserver.satokens import token_authenticate
from kubeviz.apiserver.tokens import cluster_token_verify
from kubeviz.clusters.access import cluster_check
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.permissions import Action, Denied


class ClusterUser:
    """The identity a valid token gives: a client of exactly one cluster, as the cluster's
    admin (its own token) or as a ServiceAccount (a token it issued)."""

    is_authenticated = True

    def __init__(self, cluster: Cluster, user: UserInfo = ADMIN):
        self.cluster = cluster
        self.identity = Identity(cluster_pk=cluster.pk)
        self.user = user


def cluster_for(name: str) -> Cluster:
    cluster = Cluster.objects.filter(name=name).first()
    if cluster is None:
        raise errors.StatusError(404, "NotFound", f'cluster "{name}" not found')
    return cluster


def token_user(name: str, authorization: bytes) -> ClusterUser | None:
    """Who an ``Authorization`` header says the client is (None: no header): the cluster's
    admin for its own token, a ServiceAccount for a token the cluster issued;
    AuthenticationFailed for any other scheme or token. HTTP requests and the WebSocket
    streams (kubeapi/streams.py) both authenticate here."""
    parts = authorization.split()
    if not parts:
        return None
    if parts[0].lower() != b"bearer" or len(parts) != 2:
        raise AuthenticationFailed()
    cluster = cluster_for(name)
    if cluster_token_verify(cluster, parts[1]):
        return ClusterUser(cluster)
    user = token_authenticate(cluster, parts[1])
    if user is None:
        raise AuthenticationFailed()
    return ClusterUser(cluster, user)


def may_act(cluster: Cluster, action: Action) -> None:
    """The cluster's own door (read-only, asleep…), as for every client: 403 Forbidden."""
    try:
        cluster_check(cluster, ClusterUser(cluster).identity, action)
    except Denied as exc:
        raise errors.StatusError(403, "Forbidden", exc.message) from None


class ClusterTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        who = token_user(request.parser_context["kwargs"]["cluster"], get_authorization_header(request))
        return None if who is None else (who, who.cluster)

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


def request_user(headers, authenticated: UserInfo = ADMIN, cluster: Cluster | None = None) -> UserInfo:
    """Who a request is. The cluster's token is the admin (``system:masters``), who may
    impersonate anyone: ``kubectl --as jane --as-group dev`` sends Impersonate-User and one
    Impersonate-Group header per group, which arrive joined by commas. Anyone else (a
    ServiceAccount token) needs RBAC's ``impersonate`` verb on users, groups or
    serviceaccounts, as the impersonation filter checks."""
    name = headers.get("Impersonate-User", "")
    groups = [g.strip() for g in headers.get("Impersonate-Group", "").split(",") if g.strip()]
    if not name:
        if groups:
            raise errors.bad_request(f"requested {groups} without impersonating a user")
        return authenticated
    if authenticated is not ADMIN and cluster is not None:
        _may_impersonate(cluster, authenticated, name, groups)
    prefix = "impersonate-extra-"
    extra = {k[len(prefix):].lower(): [x.strip() for x in v.split(",")]
             for k, v in headers.items() if k.lower().startswith(prefix)}
    return impersonated(name, groups, headers.get("Impersonate-Uid", ""), extra)


def _may_impersonate(cluster: Cluster, user: UserInfo, name: str, groups: list[str]) -> None:
    if name.startswith("system:serviceaccount:"):
        namespace, _, sa = name[len("system:serviceaccount:"):].partition(":")
        targets = [Attributes(verb="impersonate", resource="serviceaccounts", namespace=namespace, name=sa)]
    else:
        targets = [Attributes(verb="impersonate", resource="users", name=name)]
    targets += [Attributes(verb="impersonate", resource="groups", name=g) for g in groups]
    for attrs in targets:
        authorize(cluster, user, attrs)
