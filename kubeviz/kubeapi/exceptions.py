"""Every error leaves the Kubernetes API as a ``Status`` object, never HTML or a traceback."""
from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response

from kubeviz.apiserver import errors

log = logging.getLogger(__name__)


def to_status_error(exc: Exception) -> errors.StatusError:
    if isinstance(exc, errors.StatusError):
        return exc
    if isinstance(exc, RequestDataTooBig):
        from django.conf import settings

        return errors.too_large(settings.KUBEVIZ_MAX_BODY_BYTES)
    if isinstance(exc, drf.ParseError):
        return errors.bad_request(str(exc.detail))
    if isinstance(exc, drf.UnsupportedMediaType):
        return errors.unsupported_media_type(str(exc.detail).split('"')[1] if '"' in str(exc.detail) else "")
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        return errors.unauthorized()
    if isinstance(exc, drf.PermissionDenied):
        return errors.StatusError(403, "Forbidden", str(exc.detail))
    if isinstance(exc, drf.MethodNotAllowed):
        return errors.method_not_allowed(str(exc.detail))
    if isinstance(exc, (Http404, drf.NotFound)):
        return errors.StatusError(404, "NotFound", "the server could not find the requested resource")
    if isinstance(exc, drf.Throttled):
        return errors.StatusError(429, "TooManyRequests", "Too many requests, please try again later.", retry_after=int(exc.wait or 1))
    if isinstance(exc, drf.APIException):
        return errors.StatusError(exc.status_code, "BadRequest" if exc.status_code == 400 else "InternalError", str(exc.detail))
    log.exception("unexpected error in the Kubernetes API", exc_info=exc)
    return errors.internal()


def status_response(err: errors.StatusError) -> Response:
    response = Response(err.status(), status=err.code)
    if err.retry_after is not None:
        response["Retry-After"] = str(err.retry_after)
    if err.code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="kubeviz"'
    return response


def kube_exception_handler(exc: Exception, context: dict) -> Response:
    return status_response(to_status_error(exc))
