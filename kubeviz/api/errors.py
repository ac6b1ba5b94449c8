"""API-server refusals reaching the REST API become JSON errors, never 500s."""
from __future__ import annotations

from rest_framework.response import Response

from kubeviz.apiserver.errors import StatusError


class StatusErrorsMixin:
    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, StatusError):
            return Response(exc.status(), status=exc.code)
        return super().handle_exception(exc)  # type: ignore[misc]
