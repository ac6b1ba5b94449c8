"""The three patch types of the Kubernetes API: JSON merge, JSON and strategic merge.

Strategic merge follows kubernetes/community's strategic-merge-patch.md: lists of objects
merge by a key (containers by ``name``, container ports by ``containerPort``…), lists
without one are replaced, and the ``$patch``, ``$retainKeys``, ``$setElementOrder`` and
``$deleteFromPrimitiveList`` directives are honoured.
"""
from __future__ import annotations

from typing import Any

from . import errors
from .jsoncopy import deep_copy

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (MERGE_PATCH, JSON_PATCH, STRATEGIC_MERGE_PATCH)


def apply_patch(original: dict[str, Any], patch_type: str, patch: Any) -> dict[str, Any]:
    if patch_type == MERGE_PATCH:
        if not isinstance(patch, dict):
            raise errors.bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
        return merge_patch(original, patch)
    if patch_type == JSON_PATCH:
        return json_patch(original, patch)
    if patch_type == STRATEGIC_MERGE_PATCH:
        if not isinstance(patch, dict):
            raise errors.bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
        result = strategic_merge(original, patch, ())
        return result if isinstance(result, dict) else {}
    raise errors.unsupported_media_type(patch_type)


# ---- RFC 7386 JSON merge patch ---------------------------------------------------------


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return deep_copy(patch)
    result = deep_copy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# ---- RFC 6902 JSON patch ---------------------------------------------------------------


def _unprocessable(detail: str) -> errors.StatusError:
    """A patch that decodes but cannot be applied: the API server answers 422 Invalid."""
    return errors.StatusError(422, "Invalid", f"the server rejected our request due to an error in our request: {detail}")


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _unprocessable(f'invalid JSON pointer "{path}"')
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc: Any, parts: list[str], path: str) -> Any:
    cur = doc
    for p in parts:
        if isinstance(cur, dict) and p in cur:
            cur = cur[p]
        elif isinstance(cur, list) and p.isdigit() and int(p) < len(cur):
            cur = cur[int(p)]
        else:
            raise errors.StatusError(
                422, "Invalid", f"the server rejected our request due to an error in our request: doc is missing path: \"{path}\"",
            )
    return cur


def json_patch(doc: dict[str, Any], ops: Any) -> dict[str, Any]:
    """RFC 6902. As in the API server, a body that does not decode as a patch is a 400 and an
    operation that cannot be applied (evanphx/json-patch's Apply errors) a 422."""
    if not isinstance(ops, list):
        raise errors.bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    if not all(isinstance(op, dict) for op in ops):
        raise errors.bad_request("json: cannot unmarshal into Go value of type jsonpatch.Operation")
    result = deep_copy(doc)
    for op in ops:
        kind = op.get("op", "unknown")
        path = op.get("path", "")
        if kind in ("add", "replace", "test") and "value" not in op:
            raise errors.bad_request(f'the server rejected our request due to an error in our request: missing value for "{kind}" operation')
        if kind == "add":
            result = _add(result, _pointer(path), deep_copy(op["value"]), path)
        elif kind == "remove":
            result = _remove(result, _pointer(path), path)[0]
        elif kind == "replace":
            if not _pointer(path):
                raise _unprocessable(f'replace operation does not apply: doc is missing path: "{path}"')
            _walk(result, _pointer(path), path)
            result = _remove(result, _pointer(path), path)[0]
            result = _add(result, _pointer(path), deep_copy(op["value"]), path)
        elif kind == "move":
            result, value = _remove(result, _pointer(op.get("from", "")), op.get("from", ""))
            result = _add(result, _pointer(path), value, path)
        elif kind == "copy":
            value = deep_copy(_walk(result, _pointer(op.get("from", "")), op.get("from", "")))
            result = _add(result, _pointer(path), value, path)
        elif kind == "test":
            if _walk(result, _pointer(path), path) != op["value"]:
                raise errors.StatusError(
                    422, "Invalid", f'the server rejected our request due to an error in our request: testing value {path} failed',
                )
        else:
            raise _unprocessable(f"Unexpected kind: {kind}")
    if not isinstance(result, dict):
        raise errors.bad_request("the patch must leave an object")
    return result


def _add(doc: Any, parts: list[str], value: Any, path: str) -> Any:
    if not parts:
        return value
    parent = _walk(doc, parts[:-1], path)
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise errors.StatusError(422, "Invalid", f'the server rejected our request due to an error in our request: add operation does not apply: doc is missing path: "{path}"')
    else:
        raise errors.StatusError(422, "Invalid", f'the server rejected our request due to an error in our request: doc is missing path: "{path}"')
    return doc


def _remove(doc: Any, parts: list[str], path: str) -> tuple[Any, Any]:
    if not parts:
        raise _unprocessable(f'remove operation does not apply: doc is missing path: "{path}"')
    parent = _walk(doc, parts[:-1], path)
    last = parts[-1]
    if isinstance(parent, dict) and last in parent:
        return doc, parent.pop(last)
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return doc, parent.pop(int(last))
    raise errors.StatusError(422, "Invalid", f'the server rejected our request due to an error in our request: remove operation does not apply: doc is missing path: "{path}"')


# ---- strategic merge patch -------------------------------------------------------------

# Merge keys by field name (patchMergeKey in the Go types). Fields not listed are atomic
# lists and are replaced whole.
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "conditions": "type",
    "ownerReferences": "uid",
    "taints": "key",
    "addresses": "type",
    "podIPs": "ip",
    "secrets": "name",
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
}
# Lists of scalars with patchStrategy "merge": set union.
_PRIMITIVE_MERGE = {"finalizers"}


def merge_key(path: tuple[str, ...]) -> str | None:
    field = path[-1] if path else ""
    if field == "ports":
        # A Service's spec.ports merge by port; a container's ports by containerPort.
        if path == ("spec", "ports"):
            return "port"
        if len(path) >= 2 and path[-2] in ("subsets",):
            return None
        return "containerPort"
    return _MERGE_KEYS.get(field)


def strategic_merge(original: Any, patch: Any, path: tuple[str, ...]) -> Any:
    if not isinstance(patch, dict):
        return deep_copy(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: deep_copy(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    result = deep_copy(original) if isinstance(original, dict) else {}
    orders: dict[str, list[Any]] = {}
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$setElementOrder/"):
            orders[key.split("/", 1)[1]] = value or []
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list):
                result[field] = [v for v in result[field] if v not in (value or [])]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            merged = strategic_merge(result.get(key), value, path + (key,))
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, path + (key,))
        else:
            result[key] = value
    for field, order in orders.items():
        if isinstance(result.get(field), list):
            result[field] = _reorder(result[field], order, merge_key(path + (field,)))
    retain = patch.get("$retainKeys")
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _merge_list(original: Any, patch: list[Any], path: tuple[str, ...]) -> list[Any]:
    if any(isinstance(e, dict) and e.get("$patch") == "replace" for e in patch):
        return [_strip(e) for e in patch if not (isinstance(e, dict) and e.get("$patch") == "replace")]
    orig = deep_copy(original) if isinstance(original, list) else []
    if path and path[-1] in _PRIMITIVE_MERGE:
        return orig + [v for v in patch if v not in orig]
    key = merge_key(path)
    if key is None or not all(isinstance(e, dict) for e in patch):
        return [_strip(e) for e in patch]
    for element in patch:
        k = element.get(key)
        idx = next(
            (i for i, o in enumerate(orig) if isinstance(o, dict) and o.get(key) == k), None
        )
        if element.get("$patch") == "delete":
            if idx is not None:
                orig.pop(idx)
            continue
        if idx is None:
            orig.append(_strip(element))
        else:
            orig[idx] = strategic_merge(orig[idx], element, path)
    return orig


def _reorder(items: list[Any], order: list[Any], key: str | None) -> list[Any]:
    def ident(v: Any) -> Any:
        return v.get(key) if key and isinstance(v, dict) else v

    wanted = [ident(o) for o in order]
    listed = [i for i in items if ident(i) in wanted]
    listed.sort(key=lambda i: wanted.index(ident(i)))
    return listed + [i for i in items if ident(i) not in wanted]
