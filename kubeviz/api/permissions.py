"""Who may change a cluster through the REST API: a holder of the cluster's bearer token,
or the dashboard page (a same-site request carrying Django's CSRF token). A foreign web
page cannot reset a classroom's cluster behind a learner's back."""
from __future__ import annotations

import hmac

from django.middleware.csrf import CsrfViewMiddleware
from rest_framework.authentication import get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission

from kubeviz.etcd.models import Cluster


class _CSRFCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def _csrf_ok(request) -> bool:
    check = _CSRFCheck(lambda req: None)
    check.process_request(request)
    return check.process_view(request, None, (), {}) is None


class ClusterTokenOrCSRF(BasePermission):
    message = "send the cluster's bearer token, or use the dashboard (CSRF token required)"

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        parts = get_authorization_header(request).split()
        name = view.kwargs.get("cluster")
        if len(parts) == 2 and parts[0].lower() == b"bearer" and name:
            cluster = Cluster.objects.filter(name=name).first()
            return bool(cluster) and hmac.compare_digest(parts[1], cluster.token.encode())
        return _csrf_ok(request._request)
