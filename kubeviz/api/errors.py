"""One error body for the whole REST API: a Kubernetes ``Status``, as /k8s/ answers.

Field errors, a missing cluster, a bad token, a missing CSRF token, an unknown action and the
API server's own refusals all leave in this shape (documented once as ``Status``), so a
client reads ``reason``, ``message`` and ``code`` whatever went wrong. Never a 500.
"""
from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from kubeviz.apiserver.errors import StatusError
from kubeviz.kubeapi.exceptions import status_response, to_status_error


class StatusCauseSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, help_text="e.g. FieldValueInvalid")
    message = serializers.CharField(required=False)
    field = serializers.CharField(required=False, help_text="the request field at fault")


class StatusDetailsSerializer(serializers.Serializer):
    name = serializers.CharField(required=False)
    group = serializers.CharField(required=False)
    kind = serializers.CharField(required=False)
    causes = StatusCauseSerializer(many=True, required=False)
    retryAfterSeconds = serializers.IntegerField(required=False)


class StatusSerializer(serializers.Serializer):
    """The error body of every REST operation (Kubernetes' metav1.Status)."""

    kind = serializers.ChoiceField(choices=["Status"])
    apiVersion = serializers.ChoiceField(choices=["v1"])
    metadata = serializers.DictField()
    status = serializers.ChoiceField(choices=["Failure"])
    message = serializers.CharField(help_text="what went wrong, for a person")
    reason = serializers.CharField(help_text="BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Invalid, …")
    code = serializers.IntegerField(help_text="the HTTP status code")
    details = StatusDetailsSerializer(required=False)


def error_responses(**described: str) -> dict[int, Any]:
    """``extend_schema`` responses for error codes, each with the one body:
    ``error_responses(e404="no such attempt")``."""
    from drf_spectacular.utils import OpenApiResponse

    return {int(code[1:]): OpenApiResponse(StatusSerializer, description=text) for code, text in described.items()}


def _causes(detail: Any, field: str = "") -> list[dict[str, str]]:
    """A serializer's nested error detail, flattened to Kubernetes' causes."""
    if isinstance(detail, dict):
        return [c for key, value in detail.items() for c in _causes(value, f"{field}.{key}" if field else str(key))]
    if isinstance(detail, list):
        return [c for item in detail for c in _causes(item, field)]
    return [{"reason": "FieldValueInvalid", "message": str(detail), "field": field}]


def unknown(what: str, value: str, choices: list[str] | tuple[str, ...]) -> StatusError:
    """A path segment outside its documented enum (an action, a component)."""
    return StatusError(404, "NotFound", f'unknown {what} "{value}": one of {", ".join(choices)}')


def object_id(value: str, kind: str) -> int:
    """A numeric id from a path (attempts, exams, tokens): anything else names nothing, a 404
    in the one body rather than the router's HTML page."""
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise StatusError(404, "NotFound", f'{kind} "{value}" not found', name=value, kind=kind)
    return int(value)


def rest_exception_handler(exc: Exception, context: dict) -> Response:
    if isinstance(exc, drf.ValidationError):
        causes = _causes(exc.detail)
        summary = "; ".join(f"{c['field']}: {c['message']}" if c["field"] else c["message"] for c in causes)
        err = StatusError(400, "BadRequest", summary or "invalid request", causes=causes)
    elif isinstance(exc, (Http404, drf.NotFound)):
        err = StatusError(404, "NotFound", str(getattr(exc, "detail", exc)) or "not found")
    elif isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        err = StatusError(401, "Unauthorized", str(exc.detail))
    else:
        err = to_status_error(exc)
    return status_response(err)


class StatusErrorsMixin:
    """What every REST view shares beyond its error body (``rest_exception_handler``): a
    method the view does not serve is answered 405 before authentication and permissions run,
    so a client is told the method is wrong rather than that it lacks a token."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):  # type: ignore[attr-defined]
            raise drf.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
