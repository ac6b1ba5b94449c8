"""Kubernetes ``Status`` errors, with the reasons, codes and wording of apimachinery."""
from __future__ import annotations

from typing import Any

from .validation import FieldError


class StatusError(Exception):
    """An API error that renders as a ``Status`` object (k8s.io/apimachinery errors)."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        name: str = "",
        group: str = "",
        kind: str = "",
        causes: list[dict[str, str]] | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = causes or []
        self.retry_after = retry_after

    def status(self) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if self.name:
            details["name"] = self.name
        if self.group:
            details["group"] = self.group
        if self.kind:
            details["kind"] = self.kind
        if self.causes:
            details["causes"] = self.causes
        if self.retry_after is not None:
            details["retryAfterSeconds"] = self.retry_after
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if details:
            body["details"] = details
        return body


def _gr(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, name: str, group: str = "") -> StatusError:
    return StatusError(
        404, "NotFound", f'{_gr(resource, group)} "{name}" not found',
        name=name, group=group, kind=resource,
    )


def already_exists(resource: str, name: str, group: str = "") -> StatusError:
    return StatusError(
        409, "AlreadyExists", f'{_gr(resource, group)} "{name}" already exists',
        name=name, group=group, kind=resource,
    )


def conflict(resource: str, name: str, detail: str, group: str = "") -> StatusError:
    return StatusError(
        409, "Conflict",
        f'Operation cannot be fulfilled on {_gr(resource, group)} "{name}": {detail}',
        name=name, group=group, kind=resource,
    )


MODIFIED = "the object has been modified; please apply your changes to the latest version and try again"


def stale(resource: str, name: str, group: str = "") -> StatusError:
    return conflict(resource, name, MODIFIED, group)


def invalid(kind: str, name: str, errors: list[FieldError], group: str = "") -> StatusError:
    qualified = f"{kind}.{group}" if group else kind
    if len(errors) == 1:
        summary = errors[0].error()
    else:
        summary = "[" + ", ".join(e.error() for e in errors) + "]"
    return StatusError(
        422, "Invalid", f'{qualified} "{name}" is invalid: {summary}',
        name=name, group=group, kind=kind,
        causes=[{"reason": e.type, "message": e.body(), "field": e.field} for e in errors],
    )


def bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)


def forbidden(resource: str, name: str, detail: str, group: str = "") -> StatusError:
    return StatusError(
        403, "Forbidden", f'{_gr(resource, group)} "{name}" is forbidden: {detail}',
        name=name, group=group, kind=resource,
    )


def method_not_allowed(message: str) -> StatusError:
    return StatusError(405, "MethodNotAllowed", message)


def expired(message: str) -> StatusError:
    return StatusError(410, "Expired", message)


def gone(message: str) -> StatusError:
    return StatusError(410, "Gone", message)


def unauthorized() -> StatusError:
    return StatusError(401, "Unauthorized", "Unauthorized")


def too_large(limit: int) -> StatusError:
    return StatusError(
        413, "RequestEntityTooLarge",
        f"Request entity too large: limit is {limit}",
    )


def unsupported_media_type(content_type: str) -> StatusError:
    return StatusError(
        415, "UnsupportedMediaType",
        f'the body of the request was in an unknown format - accepted media types include: '
        f'application/json, application/yaml, application/json-patch+json, '
        f'application/merge-patch+json, application/strategic-merge-patch+json, '
        f'application/vnd.kubernetes.protobuf '
        f'(got "{content_type}")',
    )


def internal(message: str = "an internal error occurred") -> StatusError:
    return StatusError(500, "InternalError", message)
