"""JSON out, always: kubectl and client-go accept ``application/json`` for every request."""
from __future__ import annotations

from typing import Any

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer

from kubeviz.apiserver import wirejson


class KubeJSONRenderer(JSONRenderer):
    media_type = "application/json"
    format = "json"
    charset = None
    compact = True
    ensure_ascii = False

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        """orjson writes the same compact JSON an order of magnitude faster: a list of
        1,000 pods is 2 MB, which the standard library took longer to write than the API
        server took to read from the store. What orjson refuses goes the standard way
        (``wirejson``), which never fails on a stored value."""
        if data is None:
            return b""
        return wirejson.dumps(data, default=self.encoder_class().default)


class AlwaysJSON(BaseContentNegotiation):
    """Ignore Accept's protobuf and aggregated-discovery offers: answer plain JSON, which
    every Kubernetes client takes as the fallback."""

    def select_parser(self, request, parsers):
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        if not content_type:
            # A body without a type (DELETE with DeleteOptions) is JSON, as client-go sends it.
            return parsers[0]
        for parser in parsers:
            if parser.media_type == content_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type
