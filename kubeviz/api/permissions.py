"""Who may do what through the REST API. The rule itself is kubeviz.clusters.permissions,
the same for every door; here it meets DRF.

A caller is a holder of the cluster's bearer token, a user's personal API token
(``kubeviz.accounts.tokens``), or a browser (a signed-in user or a
guest) whose writes carry Django's CSRF token, so that a foreign web page cannot reset a
classroom's cluster behind a learner's back. Reads need WATCH on the cluster, writes ACT.

A wrong token, or a write with no credentials at all, is 401 (with ``WWW-Authenticate:
Bearer``); a browser's write without a valid CSRF token is 403, saying which is missing; a cluster one may not watch is 404 (its
name does not leak), one one may only watch is 403 for writes."""
from __future__ import annotations

from django.middleware.csrf import CsrfViewMiddleware
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from kubeviz.accounts.models import PersonalToken
from kubeviz.clusters.access import cluster_access, request_identity
from kubeviz.clusters.permissions import Action, Denied
from kubeviz.kubeapi.auth import ClusterTokenAuthentication, ClusterUser


class ClusterBearerAuthentication(ClusterTokenAuthentication):
    """The /k8s/ token check (``cluster_token_verify``) on REST paths that name a cluster;
    a path without one (the cluster list) has no token to check."""

    def authenticate(self, request):
        if "cluster" not in request.parser_context["kwargs"]:
            return None
        return super().authenticate(request)


class BrowserSessionAuthentication(SessionAuthentication):
    """DRF's session authentication, with the body parsed by the API's own (strict) parsers
    before the CSRF check: Django's check reads ``request.POST`` first, and a body Django's
    lenient multipart parser read would then be the one the view gets."""

    def enforce_csrf(self, request):
        request.data  # noqa: B018 - parse now, with the API's parsers
        super().enforce_csrf(request)


class _CSRFCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def _csrf_failure(request) -> str | None:
    check = _CSRFCheck(lambda req: None)
    check.process_request(request)
    return check.process_view(request, None, (), {})


def token_client(request) -> bool:
    """Whether the caller presented a token (a cluster's or a personal one) rather than a
    browser's cookies: a token is never sent by a browser on its own, so needs no CSRF."""
    return isinstance(request.user, ClusterUser) or isinstance(request.auth, PersonalToken)


class ClusterTokenOrCSRF(BasePermission):
    def has_permission(self, request, view) -> bool:
        if request.method not in SAFE_METHODS and not token_client(request):
            who = request_identity(request)
            if who.user is None and who.guest is None:
                raise NotAuthenticated("log in (or press Try it) to change a cluster, or send the cluster's bearer token")
            request.data  # noqa: B018 - the API's parsers read the body, not the CSRF check's request.POST
            reason = _csrf_failure(request._request)
            if reason:
                raise PermissionDenied(f"CSRF Failed: {reason}. Send the cluster's bearer token, or use the dashboard.")
        name = view.kwargs.get("cluster")
        if name is None:
            return True
        # A write that only reads its cluster (cloning it) says so with ``write_action``.
        action = Action.WATCH if request.method in SAFE_METHODS else getattr(view, "write_action", Action.ACT)
        try:
            view.cluster = cluster_access(name, request_identity(request), action)
        except Denied as exc:
            if not exc.visible:
                raise NotFound(exc.message) from None
            raise PermissionDenied(exc.message) from None
        return True
