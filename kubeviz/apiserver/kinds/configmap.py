"""ConfigMap and Secret (pkg/registry/core/configmap, secret)."""
from __future__ import annotations

import base64
import binascii

from .. import validation as v
from ..resources import register
from ..selectors import path_getter
from ..strategy import Context, Obj, Strategy

MAX_SIZE = 1024 * 1024


def _size(field: str, value: str) -> int:
    """Bytes, as ValidateConfigMap sums ``len(value)`` over Go strings and []byte: UTF-8
    bytes of data, decoded bytes of binaryData. Keys do not count in Kubernetes either."""
    if field == "binaryData":
        return len(value) * 3 // 4 - value[-2:].count("=")
    return len(value.encode("utf-8", "surrogatepass"))


def _validate_keys(obj: Obj, fields: tuple[str, ...]) -> list[v.FieldError]:
    errs: list[v.FieldError] = []
    seen: set[str] = set()
    total = 0
    for field in fields:
        data = obj.get(field)
        if data is None:
            continue
        if not isinstance(data, dict):
            errs.append(v.invalid(field, data, "must be a map of keys to values"))
            continue
        for key, value in data.items():
            for msg in v.config_key(key):
                errs.append(v.invalid(f"{field}[{key}]", key, msg))
            if key in seen:
                errs.append(v.invalid(f"{field}[{key}]", key, "duplicate of key present in another field"))
            seen.add(key)
            if not isinstance(value, str):
                errs.append(v.invalid(f"{field}[{key}]", value, "must be a string"))
            else:
                total += _size(field, value)
    if total > MAX_SIZE:
        errs.append(v.FieldError(v.TOO_LONG, "", None, f"must have at most {MAX_SIZE} bytes"))
    return errs


class ConfigMapStrategy(Strategy):
    def validate(self, obj: Obj) -> list[v.FieldError]:
        return _validate_keys(obj, ("data", "binaryData"))


class SecretStrategy(Strategy):
    def default(self, obj: Obj, ctx: Context) -> None:
        obj.setdefault("type", "Opaque")
        # stringData is write-only: merged into data, base64-encoded, then dropped.
        string_data = obj.pop("stringData", None)
        if isinstance(string_data, dict):
            data = obj.setdefault("data", {}) or {}
            obj["data"] = data
            for key, value in string_data.items():
                data[key] = base64.b64encode(str(value).encode()).decode()

    def validate(self, obj: Obj) -> list[v.FieldError]:
        errs = _validate_keys(obj, ("data",))
        for key, value in (obj.get("data") or {}).items():
            if isinstance(value, str):
                try:
                    base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    errs.append(v.invalid(f"data[{key}]", "<redacted>", "illegal base64 data"))
        return errs

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        if new.get("type") != old.get("type"):
            return [v.invalid("type", new.get("type"), "field is immutable")]
        return []


register(ConfigMapStrategy(
    kind="ConfigMap", plural="configmaps", singular="configmap", short_names=("cm",), subresources=(),
))
register(SecretStrategy(
    kind="Secret", plural="secrets", singular="secret", subresources=(),
    extra_fields={"type": path_getter("type")},
))
