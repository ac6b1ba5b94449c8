"""OpenAPI v2 and v3 documents built from the compact schemas, in the shape kubectl reads:
GVK-keyed definitions with ``x-kubernetes-group-version-kind`` (``kubectl explain``), and
one path per served resource whose PATCH lists ``fieldValidation`` (kubectl's check that
the server validates fields, cli-runtime's query-param verifier)."""
from __future__ import annotations

import functools
import hashlib
import json
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


def _paths(served: list[Strategy], v3: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for s in served:
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
    doc = {"swagger": "2.0", "info": _INFO, "paths": _paths(all_resources(), False), "definitions": _schemas(False)}
    return json.dumps(doc, sort_keys=True).encode()


def v3_group_versions() -> list[str]:
    """The group-version paths /openapi/v3 lists: api/v1, apis/apps/v1… and the aggregated
    metrics.k8s.io/v1beta1, whose kinds have schemas but no Strategy (metrics-server serves
    them), as kube-aggregator merges an APIService's document in."""
    out = {f"apis/{s.group}/{s.version}" if s.group else "api/v1" for s in all_resources() if for_strategy(s)}
    out |= {f"apis/{d.gvk[0]}/{d.gvk[1]}" for d in definitions().values() if d.gvk and d.gvk[0] == "metrics.k8s.io"}
    return sorted(out)


@functools.cache
def v3_document(group_version: str) -> bytes:
    """One group-version's OpenAPI 3.0 document; every definition is included so that
    references resolve within it."""
    served = [s for s in all_resources()
              if (f"apis/{s.group}/{s.version}" if s.group else "api/v1") == group_version]
    doc = {
        "openapi": "3.0.0", "info": _INFO, "paths": _paths(served, True),
        "components": {"schemas": _schemas(True)},
    }
    return json.dumps(doc, sort_keys=True).encode()


def v3_hash(group_version: str) -> str:
    """The content hash clients use to cache a group-version's document."""
    return hashlib.sha512(v3_document(group_version)).hexdigest()[:128].upper()
