"""Who may change a cluster through the REST API: a holder of the cluster's bearer token,
or the dashboard page (a same-site request carrying Django's CSRF token). A foreign web
page cannot reset a classroom's cluster behind a learner's back.

A wrong token is 401 (with ``WWW-Authenticate: Bearer``); a write with neither a token nor a
valid CSRF token is 403, saying which is missing."""
from __future__ import annotations

from django.middleware.csrf import CsrfViewMiddleware
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from kubeviz.kubeapi.auth import ClusterTokenAuthentication, ClusterUser


class ClusterBearerAuthentication(ClusterTokenAuthentication):
    """The /k8s/ token check (``cluster_token_verify``) on REST paths that name a cluster;
    a path without one (the cluster list) has no token to check."""

    def authenticate(self, request):
        if "cluster" not in request.parser_context["kwargs"]:
            return None
        return super().authenticate(request)


class _CSRFCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def _csrf_failure(request) -> str | None:
    check = _CSRFCheck(lambda req: None)
    check.process_request(request)
    return check.process_view(request, None, (), {})


class ClusterTokenOrCSRF(BasePermission):
    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS or isinstance(request.user, ClusterUser):
            return True
        reason = _csrf_failure(request._request)
        if reason:
            raise PermissionDenied(f"CSRF Failed: {reason}. Send the cluster's bearer token, or use the dashboard.")
        return True
