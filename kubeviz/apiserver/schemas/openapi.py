"""OpenAPI v2 and v3 documents built from the compact schemas, in the shape kubectl reads:
GVK-keyed definitions with ``x-kubernetes-group-version-kind`` (``kubectl explain``), and
one path per served resource whose PATCH lists ``fieldValidation`` (kubectl's check that
the server validates fields, cli-runtime's query-param verifier)."""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..patch import merge_key
from ..resources import all_resources
from ..strategy import Strategy
from . import SCALARS, Definition, definitions, for_strategy

_META = "io.k8s.apimachinery.pkg.apis.meta.v1"
# Built-in definitions the compact types map to, as Kubernetes names them.
_BUILTIN: dict[str, tuple[str, dict[str, Any]]] = {
    "quantity": ("io.k8s.apimachinery.pkg.api.resource.Quantity", {
        "type": "string", "description": "A number with an optional unit suffix (100m, 1Gi, 2)."}),
    "int-or-string": ("io.k8s.apimachinery.pkg.util.intstr.IntOrString", {
        "type": "string", "format": "int-or-string", "description": "Either a whole number or a string (such as 25%)."}),
    "time": (f"{_META}.Time", {
        "type": "string", "format": "date-time", "description": "A time in RFC 3339 form, to the second."}),
}
_SIMPLE = {
    "string": {"type": "string"},
    "integer": {"type": "integer", "format": "int32"},
    "number": {"type": "number", "format": "double"},
    "boolean": {"type": "boolean"},
    "object": {"type": "object"},
}
QUERY_PARAMS = {
    "dryRun": "When All, the request is checked and defaulted but nothing is stored.",
    "fieldManager": "The name of the actor making the change, recorded in managedFields.",
    "fieldValidation": "Ignore, Warn (the default) or Strict: what to do with unknown or duplicate fields.",
}
PATCH_TYPES = [
    "application/apply-patch+yaml", "application/json-patch+json",
    "application/merge-patch+json", "application/strategic-merge-patch+json",
]


def _ref(name: str, v3: bool) -> str:
    return f"#/components/schemas/{name}" if v3 else f"#/definitions/{name}"


def _type_schema(type_: str, v3: bool, field_name: str) -> dict[str, Any]:
    if type_.startswith("["):
        schema: dict[str, Any] = {"type": "array", "items": _type_schema(type_[1:-1], v3, "")}
        key = merge_key((field_name,)) if field_name else None
        if key and type_[1:-1] not in SCALARS:
            schema["x-kubernetes-patch-strategy"] = "merge"
            schema["x-kubernetes-patch-merge-key"] = key
        elif field_name == "finalizers":
            schema["x-kubernetes-patch-strategy"] = "merge"
        return schema
    if type_.startswith("{"):
        return {"type": "object", "additionalProperties": _type_schema(type_[1:-1], v3, "")}
    if type_ in _SIMPLE:
        return dict(_SIMPLE[type_])
    if type_ in _BUILTIN:
        return {"$ref": _ref(_BUILTIN[type_][0], v3)}
    return {"$ref": _ref(definitions()[type_].full_name, v3)}


def _property(type_: str, description: str, v3: bool, field_name: str) -> dict[str, Any]:
    schema = _type_schema(type_, v3, field_name)
    if "$ref" in schema and v3:
        # OpenAPI v3 ignores siblings of $ref: Kubernetes wraps it in allOf to keep them.
        return {"allOf": [schema], "description": description}
    return {**schema, "description": description}


def _definition(d: Definition, v3: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "description": d.description,
        "type": "object",
        "properties": {name: _property(f.type, f.description, v3, name) for name, f in sorted(d.fields.items())},
    }
    if d.required:
        schema["required"] = list(d.required)
    if d.gvk:
        group, version, kind = d.gvk
        schema["x-kubernetes-group-version-kind"] = [{"group": group, "kind": kind, "version": version}]
    return schema


def _schemas(v3: bool) -> dict[str, dict[str, Any]]:
    out = {name: dict(schema) for name, schema in _BUILTIN.values()}
    for d in definitions().values():
        out[d.full_name] = _definition(d, v3)
    out[f"{_META}.Patch"] = {"type": "object", "description": "A patch in one of the PATCH media types."}
    out[f"{_META}.Status"] = {
        "type": "object", "description": "The result of an operation that returns no object, or an error.",
        "properties": {k: {"type": t} for k, t in (
            ("apiVersion", "string"), ("kind", "string"), ("status", "string"), ("message", "string"),
            ("reason", "string"), ("code", "integer"), ("details", "object"), ("metadata", "object"),
        )},
        "x-kubernetes-group-version-kind": [{"group": "", "kind": "Status", "version": "v1"}],
    }
    return out


def _paths_of(s: Strategy) -> tuple[str, str]:
    root = "/api/v1" if not s.group else f"/apis/{s.group}/{s.version}"
    ns = "/namespaces/{namespace}" if s.namespaced else ""
    return f"{root}{ns}/{s.plural}", f"{root}{ns}/{s.plural}/{{name}}"


def _operation(s: Strategy, d: Definition, action: str, method: str, v3: bool) -> dict[str, Any]:
    gvk = {"group": s.group, "kind": s.kind, "version": s.version}
    params: list[dict[str, Any]] = []
    if method in ("post", "put", "patch"):
        names = list(QUERY_PARAMS) + (["force"] if method == "patch" else [])
        for name in names:
            description = QUERY_PARAMS.get(name, "Take over fields other managers own (server-side apply only).")
            type_ = "boolean" if name == "force" else "string"
            params.append({"name": name, "in": "query", "description": description,
                           **({"schema": {"type": type_}} if v3 else {"type": type_, "uniqueItems": True})})
    body_schema = {"$ref": _ref(f"{_META}.Patch" if method == "patch" else d.full_name, v3)}
    result = {"$ref": _ref(d.full_name, v3)}
    op: dict[str, Any] = {
        "operationId": f"{action}{s.kind}",
        "description": f"{action} a {s.kind}",
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk,
        "parameters": params,
    }
    if v3:
        op["responses"] = {"200": {"description": "OK", "content": {"application/json": {"schema": result}}}}
        if method in ("post", "put", "patch"):
            types = PATCH_TYPES if method == "patch" else ["*/*"]
            op["requestBody"] = {"content": {t: {"schema": body_schema} for t in types}, "required": True}
    else:
        op["responses"] = {"200": {"description": "OK", "schema": result}}
        if method in ("post", "put", "patch"):
            op["parameters"].insert(0, {"name": "body", "in": "body", "required": True, "schema": body_schema})
        if method == "patch":
            op["consumes"] = list(PATCH_TYPES)
    return op


def _path_params(s: Strategy, named: bool, v3: bool) -> list[dict[str, Any]]:
    names = (["namespace"] if s.namespaced else []) + (["name"] if named else [])
    return [{"name": n, "in": "path", "required": True,
             **({"schema": {"type": "string"}} if v3 else {"type": "string", "uniqueItems": True})} for n in names]


@dataclass(frozen=True)
class _Aggregated:
    """A read-only resource another server serves through the aggregation layer
    (metrics-server's): listed in the documents so kubectl explain can find its kind."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool


AGGREGATED = [
    _Aggregated("metrics.k8s.io", "v1beta1", "NodeMetrics", "nodes", False),
    _Aggregated("metrics.k8s.io", "v1beta1", "PodMetrics", "pods", True),
]


def _by_kind(kind: str) -> Definition:
    return next(d for d in definitions().values() if d.gvk and d.gvk[2] == kind)


def _paths(served: list[Strategy], v3: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for a in AGGREGATED:
        if a in served:
            collection, item = _paths_of(a)  # type: ignore[arg-type]
            d = _by_kind(a.kind)
            paths[collection] = {"get": _operation(a, d, "list", "get", v3), "parameters": _path_params(a, False, v3)}  # type: ignore[arg-type]
            paths[item] = {"get": _operation(a, d, "get", "get", v3), "parameters": _path_params(a, True, v3)}  # type: ignore[arg-type]
    for s in served:
        if isinstance(s, _Aggregated):
            continue
        d = for_strategy(s)
        if d is None:
            continue
        collection, item = _paths_of(s)
        paths[collection] = {
            "get": _operation(s, d, "list", "get", v3),
            "post": _operation(s, d, "post", "post", v3),
            "parameters": _path_params(s, False, v3),
        }
        paths[item] = {
            "get": _operation(s, d, "get", "get", v3),
            "put": _operation(s, d, "put", "put", v3),
            "patch": _operation(s, d, "patch", "patch", v3),
            "delete": _operation(s, d, "delete", "delete", v3),
            "parameters": _path_params(s, True, v3),
        }
    return paths


_INFO = {"title": "Kubernetes", "version": "v1.32.0-kubeviz"}


@functools.cache
def v2_document() -> bytes:
    """The whole API as one Swagger 2.0 document (what /openapi/v2 answers in JSON)."""
    doc = {"swagger": "2.0", "info": _INFO, "paths": _paths([*all_resources(), *AGGREGATED], False),
           "definitions": _schemas(False)}
    return json.dumps(doc, sort_keys=True).encode()


def v3_group_versions() -> list[str]:
    """The group-version paths /openapi/v3 lists: api/v1, apis/apps/v1… and the aggregated
    metrics.k8s.io/v1beta1, whose kinds have schemas but no Strategy (metrics-server serves
    them), as kube-aggregator merges an APIService's document in."""
    out = {f"apis/{s.group}/{s.version}" if s.group else "api/v1" for s in all_resources() if for_strategy(s)}
    out |= {f"apis/{a.group}/{a.version}" for a in AGGREGATED}
    return sorted(out)


@functools.cache
def v3_document(group_version: str) -> bytes:
    """One group-version's OpenAPI 3.0 document; every definition is included so that
    references resolve within it."""
    served = [s for s in [*all_resources(), *AGGREGATED]
              if (f"apis/{s.group}/{s.version}" if s.group else "api/v1") == group_version]
    doc = {
        "openapi": "3.0.0", "info": _INFO, "paths": _paths(served, True),
        "components": {"schemas": _schemas(True)},
    }
    return json.dumps(doc, sort_keys=True).encode()


def v3_hash(group_version: str) -> str:
    """The content hash clients use to cache a group-version's document."""
    return hashlib.sha512(v3_document(group_version)).hexdigest()[:128].upper()


# gnostic's openapi_v2 protobuf (github.com/google/gnostic, openapiv2/OpenAPIv2.proto), the
# form client-go's OpenAPISchema asks /openapi/v2 for: kubectl explain --output
# plaintext-openapiv2 and older kubectls' explain read it. Only what they read is encoded:
# the document's swagger and info, and every definition.
_SCHEMA_FIELDS = {"$ref": 1, "format": 2, "description": 4}


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _message(number: int, payload: bytes) -> bytes:
    """A length-delimited field (a string or an embedded message)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _text(number: int, value: str) -> bytes:
    return _message(number, value.encode())


def _pb_schema(schema: dict[str, Any]) -> bytes:
    out = b""
    for key, number in _SCHEMA_FIELDS.items():
        if key in schema:
            out += _text(number, schema[key])
    for name in schema.get("required", ()):
        out += _text(19, name)
    if isinstance(schema.get("additionalProperties"), dict):
        out += _message(21, _message(1, _pb_schema(schema["additionalProperties"])))
    if "type" in schema:
        out += _message(22, _text(1, schema["type"]))
    if "items" in schema:
        out += _message(23, _message(1, _pb_schema(schema["items"])))
    for part in schema.get("allOf", ()):
        out += _message(24, _pb_schema(part))
    if "properties" in schema:
        named = b"".join(_message(1, _text(1, k) + _message(2, _pb_schema(v))) for k, v in schema["properties"].items())
        out += _message(25, named)
    for key, value in schema.items():
        if key.startswith("x-"):
            # NamedAny{name, Any{yaml}}: JSON is YAML, which is what the reader parses.
            out += _message(31, _text(1, key) + _message(2, _text(2, json.dumps(value, sort_keys=True))))
    return out


@functools.cache
def v2_protobuf() -> bytes:
    """The definitions of the v2 document as a gnostic openapi_v2.Document."""
    definitions = json.loads(v2_document())["definitions"]
    named = b"".join(_message(1, _text(1, name) + _message(2, _pb_schema(schema)))
                     for name, schema in sorted(definitions.items()))
    info = _text(1, _INFO["title"]) + _text(2, _INFO["version"])
    return _text(1, "2.0") + _message(2, info) + _message(9, named)
