"""The Kubernetes-compatible HTTP face of the API server (thin: parse, call, render)."""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeviz.apiserver import errors
from kubeviz.apiserver.schemas import openapi
from kubeviz.metrics.server import metrics_get, metrics_list

from . import discovery
from .auth import ClusterTokenAuthentication, IsClusterClient, request_user
from .clients import client_name
from .exceptions import kube_exception_handler
from .handlers import (
    STREAM_SUBRESOURCES,
    ApiRequest,
    UpgradeRefused,
    is_served,
    is_watch,
    pod_log_open,
    request_handle,
    stream_open,
    watch_open,
)
from .parsers import PARSERS
from .renderers import AlwaysJSON, KubeJSONRenderer
from .requestinfo import parse_path
from .tables import wants_table
from .watch import WatchParams, watch_stream


def warning_header(text: str) -> str:
    """One warning as the API server sends it (RFC 7234 form, code 299, no agent)."""
    return '299 - "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class KubeAPIView(APIView):
    authentication_classes = [ClusterTokenAuthentication]
    permission_classes = [IsClusterClient]
    parser_classes = PARSERS
    renderer_classes = [KubeJSONRenderer]
    content_negotiation_class = AlwaysJSON
    schema = None  # not part of the REST API's OpenAPI document

    def get_exception_handler(self):
        return kube_exception_handler


class VersionView(KubeAPIView):
    permission_classes: list = []

    def get(self, request: Request, cluster: str) -> Response:
        return Response(discovery.SERVER_VERSION)


class HealthView(KubeAPIView):
    """``/healthz``, ``/livez``, ``/readyz`` (and one named check under each): the API
    server's own health, answered in plain text as kube-apiserver answers it. Behind the
    cluster's token like the rest of /k8s/ (a real API server lets anyone read these)."""

    def get(self, request: Request, cluster: str, check: str, name: str | None = None) -> HttpResponse:
        checks = discovery.health_checks(check)
        if name is not None:
            if name.strip("/") not in checks:
                return HttpResponse("404 page not found\n", status=404, content_type="text/plain; charset=utf-8")
            return HttpResponse("ok", content_type="text/plain; charset=utf-8")
        if "verbose" not in request.query_params:
            return HttpResponse("ok", content_type="text/plain; charset=utf-8")
        lines = [f"[+]{c} ok" for c in checks] + [f"{check} check passed", ""]
        return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def _aggregated(request: Request, core: bool) -> HttpResponse | None:
    """Aggregated discovery when the client asks for it first (kubectl ≥ 1.26 does)."""
    version = discovery.aggregated_version(request.headers.get("Accept", ""))
    if version is None:
        return None
    body = json.dumps(discovery.aggregated_discovery(version, core=core), separators=(",", ":"))
    response = HttpResponse(body, content_type=discovery.aggregated_content_type(version))
    response["Vary"] = "Accept"
    return response


class CoreVersionsView(KubeAPIView):
    def get(self, request: Request, cluster: str) -> Any:
        return _aggregated(request, core=True) or Response(discovery.api_versions())


class GroupListView(KubeAPIView):
    def get(self, request: Request, cluster: str) -> Any:
        return _aggregated(request, core=False) or Response(discovery.api_group_list())


class GroupView(KubeAPIView):
    def get(self, request: Request, cluster: str, group: str) -> Response:
        return Response(discovery.api_group(group))


class ResourceListView(KubeAPIView):
    def get(self, request: Request, cluster: str, version: str, group: str = "") -> Response:
        return Response(discovery.api_resource_list(group, version))


class MetricsView(KubeAPIView):
    """metrics.k8s.io/v1beta1 PodMetrics and NodeMetrics (``kubectl top``): read-only."""

    def get(self, request: Request, cluster: str, resource: str, namespace: str | None = None,
            name: str | None = None) -> Response:
        if resource == "nodes" and namespace is not None:
            raise errors.StatusError(404, "NotFound", "the server could not find the requested resource")
        if name is None:
            return Response(metrics_list(request.auth, resource, namespace, dict(request.query_params.items())))
        return Response(metrics_get(request.auth, resource, namespace, name))


# What kube-openapi answers with: the form clients ask for has an "@", which Go's mime
# parser refuses in a Content-Type.
OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"


class OpenAPIView(KubeAPIView):
    """The OpenAPI documents, built from the kinds' schemas (kubeviz/apiserver/schemas).

    /openapi/v2 is answered in JSON, or, asked for gnostic protobuf only (client-go's
    OpenAPISchema, which kubectl explain's v2 output reads), as the definitions in
    gnostic's openapi_v2 protobuf. /openapi/v3 lists one document per group-version, by a server-relative URL
    that carries this cluster's /k8s/<name> prefix (client-go replaces the whole path)."""

    def get(self, request: Request, cluster: str, version: str, rest: str | None = None) -> Any:
        if version == "v2":
            accept = request.headers.get("Accept", "")
            if "protobuf" in accept and "json" not in accept:
                return HttpResponse(openapi.v2_protobuf(), content_type=OPENAPI_V2_PROTOBUF)
            return HttpResponse(openapi.v2_document(), content_type="application/json")
        group_version = (rest or "").strip("/")
        if not group_version:
            prefix = request.path[: request.path.index("/openapi/v3")]
            paths = {
                gv: {"serverRelativeURL": f"{prefix}/openapi/v3/{gv}?hash={openapi.v3_hash(gv)}"}
                for gv in openapi.v3_group_versions()
            }
            return Response({"paths": paths})
        if group_version not in openapi.v3_group_versions():
            raise errors.StatusError(404, "NotFound", "the server could not find the requested resource")
        response = HttpResponse(openapi.v3_document(group_version), content_type="application/json")
        if "hash" in request.query_params:
            response["Cache-Control"] = "public, immutable"
        return response


class ResourceView(KubeAPIView):
    """Every /api/v1/... and /apis/<group>/<version>/... resource path."""

    def _request(self, request: Request, cluster: str, prefix: str, rest: str, with_body: bool) -> ApiRequest:
        info = parse_path(prefix, rest)
        body = None
        if with_body and is_served(info):
            # The body of a kind kubeviz lacks is never decoded: it gets the 404 naming it.
            data = request.data
            body = data if isinstance(data, (dict, list)) and not hasattr(data, "getlist") else None
        return ApiRequest(
            cluster=request.auth,
            method=request.method,
            info=info,
            query={k: v for k, v in request.query_params.items()},
            body=body,
            content_type=(request.content_type or "").split(";")[0].strip().lower(),
            client=client_name(request.headers.get("User-Agent", "")),
            accept=request.headers.get("Accept", ""),
            user_agent=request.headers.get("User-Agent", ""),
            user=request_user(request.headers, request.user.user, request.auth),
        )

    def _serve(self, request: Request, cluster: str, prefix: str, rest: str, with_body: bool) -> Any:
        req = self._request(request, cluster, prefix, rest, with_body)
        status, body = request_handle(req)
        response = Response(body, status=status)
        warnings = req.extra.get("warnings")
        if warnings:
            response["Warning"] = ", ".join(warning_header(w) for w in warnings)
        return response

    def get(self, request: Request, cluster: str, prefix: str, rest: str) -> Any:
        req = self._request(request, cluster, prefix, rest, False)
        if req.info.subresource in STREAM_SUBRESOURCES:
            return self._stream(request, req)
        if req.info.name is None and is_watch(req.query):
            strategy = watch_open(req)
            params = WatchParams(strategy, req.query, table=wants_table(req.accept))
            namespace = req.info.namespace if strategy.namespaced else None
            response = StreamingHttpResponse(
                watch_stream(req.cluster, strategy, namespace, params),
                content_type="application/json",
            )
            response["Cache-Control"] = "no-cache, private"
            return response
        if req.info.subresource == "log":
            return self._log(req)
        status, body = request_handle(req)
        return Response(body, status=status)

    def _log(self, req: ApiRequest) -> HttpResponse | StreamingHttpResponse:
        """Container logs are text/plain, streamed while following (as the kubelet serves them)."""
        stream = pod_log_open(req)
        if stream.options.follow:
            response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(stream.follow(), content_type="text/plain")
            response["Cache-Control"] = "no-cache, private"
            return response
        return HttpResponse(stream.text(), content_type="text/plain")

    def _stream(self, request: Request, req: ApiRequest) -> HttpResponse:
        """exec/attach/portforward without a WebSocket upgrade (kubectl's SPDY/3.1, or
        its fallback after a refused WebSocket): the same checks, so a refusal reads as it
        would, then the plain answer that kubeviz streams over WebSockets only."""
        try:
            stream_open(replace(req, method="POST"), {k: request.query_params.getlist(k) for k in request.query_params}, spdy=True)
        except UpgradeRefused as exc:
            return HttpResponse(exc.text, status=exc.code, content_type="text/plain; charset=utf-8")
        raise AssertionError("stream_open refuses every request it is told is not a WebSocket")

    def post(self, request: Request, cluster: str, prefix: str, rest: str) -> Any:
        if parse_path(prefix, rest).subresource in STREAM_SUBRESOURCES:
            return self._stream(request, self._request(request, cluster, prefix, rest, False))
        return self._serve(request, cluster, prefix, rest, True)

    def put(self, request: Request, cluster: str, prefix: str, rest: str) -> Any:
        return self._serve(request, cluster, prefix, rest, True)

    def patch(self, request: Request, cluster: str, prefix: str, rest: str) -> Any:
        return self._serve(request, cluster, prefix, rest, True)

    def delete(self, request: Request, cluster: str, prefix: str, rest: str) -> Any:
        return self._serve(request, cluster, prefix, rest, True)
