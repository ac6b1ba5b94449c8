"""DRF parsers for the body types the Kubernetes API accepts.

JSON and YAML objects, Kubernetes protobuf objects (what kubectl's typed-clientset commands
send; decoded to the same dict as their JSON), the three patch types and server-side
apply's ``application/apply-patch+yaml``.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from kubeviz.apiserver import errors, schemas
from kubeviz.apiserver.manifests import ManifestError, load_json, load_one

from . import protobuf


def _read_bytes(stream: Any) -> bytes:
    """The raw body, refused with 413 past the size limit before anything parses it."""
    limit = settings.KUBEVIZ_MAX_BODY_BYTES
    data = stream.read(limit + 1) if stream is not None else b""
    if len(data) > limit:
        raise errors.too_large(limit)
    return data


def _read(stream: Any, parser_context: dict | None) -> str:
    data = _read_bytes(stream)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(f"the request body is not valid UTF-8 (byte {exc.start})") from None


class KubeJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        text = _read(stream, parser_context)
        if not text.strip():
            return None
        try:
            # Duplicate keys are remembered for fieldValidation (Strict refuses them).
            return load_json(text, object_pairs_hook=schemas.json_object)
        except ManifestError as exc:
            raise ParseError(f"the request body is not valid JSON: {exc}") from None


class KubeYAMLParser(BaseParser):
    media_type = "application/yaml"

    def parse(self, stream, media_type=None, parser_context=None):
        text = _read(stream, parser_context)
        if not text.strip():
            return None
        try:
            return load_one(text)
        except ManifestError as exc:
            raise ParseError(f"the request body is not valid YAML: {exc}") from None


class ApplyPatchParser(KubeYAMLParser):
    """Server-side apply: the configuration, in YAML (or JSON, which is YAML)."""

    media_type = "application/apply-patch+yaml"


class KubeProtobufParser(BaseParser):
    """``application/vnd.kubernetes.protobuf`` objects, decoded to their JSON-shaped dict so
    the rest of the server never sees protobuf."""

    media_type = protobuf.MEDIA_TYPE

    def parse(self, stream, media_type=None, parser_context=None):
        data = _read_bytes(stream)
        if not data:
            return None
        try:
            return protobuf.decode(data)
        except protobuf.ProtobufError as exc:
            raise ParseError(f"the request body is not a valid Kubernetes protobuf object: {exc}") from None


class MergePatchParser(KubeJSONParser):
    media_type = "application/merge-patch+json"


class JSONPatchParser(KubeJSONParser):
    media_type = "application/json-patch+json"


class StrategicMergePatchParser(KubeJSONParser):
    media_type = "application/strategic-merge-patch+json"


PARSERS = [
    KubeJSONParser, KubeYAMLParser, KubeProtobufParser, MergePatchParser, JSONPatchParser, StrategicMergePatchParser,
    ApplyPatchParser,
]
