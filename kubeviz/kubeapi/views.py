"""The Kubernetes-compatible HTTP face of the API server (thin: parse, call, render)."""
from __future__ import annotations

from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kubeviz.apiserver import errors

from . import discovery
from .auth import ClusterTokenAuthentication, IsClusterClient, request_user
from .clients import client_name
from .exceptions import kube_exception_handler
from .handlers import ApiRequest, is_served, is_watch, pod_log_open, request_handle, watch_open
from .parsers import PARSERS
from .renderers import AlwaysJSON, KubeJSONRenderer
from .requestinfo import parse_path
from .tables import wants_table
from .watch import WatchParams, watch_stream


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


class CoreVersionsView(KubeAPIView):
    def get(self, request: Request, cluster: str) -> Response:
        return Response(discovery.api_versions())


class GroupListView(KubeAPIView):
    def get(self, request: Request, cluster: str) -> Response:
        return Response(discovery.api_group_list())


class GroupView(KubeAPIView):
    def get(self, request: Request, cluster: str, group: str) -> Response:
        return Response(discovery.api_group(group))


class ResourceListView(KubeAPIView):
    def get(self, request: Request, cluster: str, version: str, group: str = "") -> Response:
        return Response(discovery.api_resource_list(group, version))


class OpenAPIView(KubeAPIView):
    """No schemas are served: /openapi/v3 is 404 and /openapi/v2 an empty 200, after which
    kubectl skips client-side validation (kubectl/pkg/validation), as with its own fake
    server. The API server still validates everything."""

    def get(self, request: Request, cluster: str, version: str) -> Any:
        if version == "v2":
            return HttpResponse(b"", content_type="application/json")
        raise errors.StatusError(404, "NotFound", "the server could not find the requested resource")


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
            user=request_user(request.headers),
        )

    def _serve(self, request: Request, cluster: str, prefix: str, rest: str, with_body: bool) -> Any:
        req = self._request(request, cluster, prefix, rest, with_body)
        status, body = request_handle(req)
        return Response(body, status=status)

    def get(self, request: Request, cluster: str, prefix: str, rest: str) -> Any:
        req = self._request(request, cluster, prefix, rest, False)
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

    def post(self, request: Request, cluster: str, prefix: str, rest: str) -> Any:
        return self._serve(request, cluster, prefix, rest, True)

    def put(self, request: Request, cluster: str, prefix: str, rest: str) -> Any:
        return self._serve(request, cluster, prefix, rest, True)

    def patch(self, request: Request, cluster: str, prefix: str, rest: str) -> Any:
        return self._serve(request, cluster, prefix, rest, True)

    def delete(self, request: Request, cluster: str, prefix: str, rest: str) -> Any:
        return self._serve(request, cluster, prefix, rest, True)
