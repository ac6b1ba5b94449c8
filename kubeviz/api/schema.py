"""What the OpenAPI document says about every REST operation without each view repeating it:
how to authenticate (the cluster's bearer token, or the dashboard's session with its CSRF
token) and the error answers, all with the one documented body (``Status``)."""
from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import SAFE_METHODS

from .errors import StatusSerializer

CSRF = {"csrfCookie": [], "csrfHeader": []}
SECURITY_SCHEMES = {
    "csrfCookie": {"type": "apiKey", "in": "cookie", "name": "csrftoken",
                   "description": "Django's CSRF cookie, set by the dashboard page"},
    "csrfHeader": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                   "description": "the CSRF token the dashboard page carries (same-site requests only)"},
}

ERRORS = {
    400: "the request is malformed: its body, query or a path value (causes name the fields)",
    401: "no credentials for a write (no token, no browser session), or a bearer token that is not this "
         "cluster's (or was rotated away)",
    403: "not allowed: a write with neither the cluster's bearer token nor the dashboard's CSRF token, or by "
         "someone who may watch this cluster but not change it (the message says which)",
    404: "no such cluster, object or action (a private cluster one may not watch answers the same)",
    409: "the object already exists, or changed meanwhile",
    415: "the body's content type is not JSON, a form or multipart",
    422: "the API server found the resulting object invalid",
}
READ_ERRORS = (401, 404)
WRITE_ERRORS = (400, 401, 403, 404, 409, 415, 422)


class ClusterBearerScheme(OpenApiAuthenticationExtension):
    target_class = "kubeviz.api.permissions.ClusterBearerAuthentication"
    name = "clusterToken"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer",
                "description": "the cluster's token, as in its kubeconfig (users[0].user.token)"}


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    target_class = "kubeviz.accounts.tokens.PersonalTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer",
                "description": "a user's personal API token (kv_…, made on the account page); "
                               "`Authorization: Token kv_…` works too. No CSRF token needed."}


class BrowserSessionScheme(OpenApiAuthenticationExtension):
    target_class = "kubeviz.api.permissions.BrowserSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid",
                "description": "a signed-in browser's (or a guest's) session; writes also need the CSRF token"}


class RestAutoSchema(AutoSchema):
    def get_auth(self) -> list[dict[str, list]]:
        """Reads: a personal token, the cluster's token, a browser session, or nothing (public
        clusters, the exercise catalogue). Writes: a token, or a browser session together with
        its CSRF token."""
        auths = super().get_auth()
        token = [a for a in auths if "clusterToken" in a and "{cluster}" in self.path]
        token += [a for a in auths if "personalToken" in a]
        session = [a for a in auths if "cookieAuth" in a]
        if self.method in SAFE_METHODS:
            # A view that needs a signed-in browser (``credentials_required``) has no anonymous read.
            return [*token, *session] if getattr(self.view, "credentials_required", False) else [*token, *session, {}]
        for name, definition in SECURITY_SCHEMES.items():
            self.registry.register_on_missing(ResolvedComponent(
                name=name, type=ResolvedComponent.SECURITY_SCHEMA, object=name, schema=definition))
        return [*token, *({**a, **CSRF} for a in session)]

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        bodies = super()._get_response_bodies(direction)
        if "{cluster}" not in self.path:
            if self.method not in SAFE_METHODS and "401" not in bodies:
                bodies["401"] = self._get_response_for_code(
                    OpenApiResponse(StatusSerializer, description=ERRORS[401]), "401", direction=direction)
            return bodies
        for code in READ_ERRORS if self.method in SAFE_METHODS else WRITE_ERRORS:
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(
                    OpenApiResponse(StatusSerializer, description=ERRORS[code]), str(code), direction=direction)
        return bodies
