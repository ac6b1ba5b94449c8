"""Field errors and the validators of apimachinery, with Kubernetes' wording.

A ``FieldError`` is one cause of a 422 Invalid: its ``type`` is the cause reason
(``FieldValueRequired``…), ``body()`` the cause message and ``error()`` the
``field: body`` line joined into the Status message (k8s.io/apimachinery/pkg/util/validation/field).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .quantity import parse_quantity

REQUIRED = "FieldValueRequired"
INVALID = "FieldValueInvalid"
NOT_SUPPORTED = "FieldValueNotSupported"
DUPLICATE = "FieldValueDuplicate"
FORBIDDEN = "FieldValueForbidden"
TOO_LONG = "FieldValueTooLong"


def go_repr(value: Any) -> str:
    """Roughly how Go's ``%#v``/``%q`` prints a value inside an error message."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(str(k))}:{go_repr(v)}" for k, v in value.items())
        return "map[string]string{" + inner + "}"
    if isinstance(value, list):
        return "[]string{" + ", ".join(go_repr(v) for v in value) + "}"
    return str(value)


@dataclass(frozen=True)
class FieldError:
    type: str
    field: str
    value: Any = None
    detail: str = ""

    def body(self) -> str:
        if self.type == REQUIRED:
            return "Required value" + (f": {self.detail}" if self.detail else "")
        if self.type == NOT_SUPPORTED:
            return f"Unsupported value: {go_repr(self.value)}: supported values: {self.detail}"
        if self.type == DUPLICATE:
            return f"Duplicate value: {go_repr(self.value)}"
        if self.type == FORBIDDEN:
            return f"Forbidden: {self.detail}"
        if self.type == TOO_LONG:
            return f"Too long: {self.detail}"
        return f"Invalid value: {go_repr(self.value)}: {self.detail}"

    def error(self) -> str:
        return f"{self.field}: {self.body()}"


def required(field: str, detail: str = "") -> FieldError:
    return FieldError(REQUIRED, field, None, detail)


def invalid(field: str, value: Any, detail: str) -> FieldError:
    return FieldError(INVALID, field, value, detail)


def not_supported(field: str, value: Any, supported: list[str]) -> FieldError:
    return FieldError(NOT_SUPPORTED, field, value, ", ".join(json.dumps(s) for s in supported))


def forbidden(field: str, detail: str) -> FieldError:
    return FieldError(FORBIDDEN, field, None, detail)


def duplicate(field: str, value: Any) -> FieldError:
    return FieldError(DUPLICATE, field, value)


_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_IANA_SVC_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")

DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
    "regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
LABEL_NAME_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


def dns1123_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _DNS1123_LABEL.match(value):
        errs.append(DNS1123_LABEL_MSG)
    return errs


def dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append("must be no more than 253 characters")
    if not _DNS1123_SUBDOMAIN.match(value):
        errs.append(DNS1123_SUBDOMAIN_MSG)
    return errs


def qualified_name(value: str) -> list[str]:
    """A label or annotation key: an optional DNS subdomain prefix and a 63-char name."""
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            return ["prefix part must be non-empty"]
        errs = [f"prefix part {e}" for e in dns1123_subdomain(prefix)]
        if errs:
            return errs
    else:
        return [
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and "
            "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name', "
            " or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix "
            "and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        return ["name part must be non-empty"]
    errs = []
    if len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if not _LABEL_NAME.match(name):
        errs.append(LABEL_NAME_MSG)
    return errs


def label_value(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _LABEL_VALUE.match(value):
        errs.append(LABEL_VALUE_MSG)
    return errs


def validate_labels(labels: Any, field: str) -> list[FieldError]:
    if labels is None:
        return []
    if not isinstance(labels, dict):
        return [invalid(field, labels, "must be a map of string keys to string values")]
    errs: list[FieldError] = []
    for k, v in labels.items():
        for msg in qualified_name(str(k)):
            errs.append(invalid(field, k, msg))
        if not isinstance(v, str):
            errs.append(invalid(f"{field}[{k}]", v, "must be a string"))
            continue
        for msg in label_value(v):
            errs.append(invalid(field, v, msg))
    return errs


def validate_annotations(annotations: Any, field: str) -> list[FieldError]:
    if annotations is None:
        return []
    if not isinstance(annotations, dict):
        return [invalid(field, annotations, "must be a map of string keys to string values")]
    errs: list[FieldError] = []
    total = 0
    for k, v in annotations.items():
        for msg in qualified_name(str(k)):
            errs.append(invalid(field, k, msg))
        if not isinstance(v, str):
            errs.append(invalid(f"{field}[{k}]", v, "must be a string"))
            continue
        total += len(k) + len(v)
    if total > 256 * 1024:
        errs.append(FieldError(TOO_LONG, field, None, "must have at most 262144 bytes"))
    return errs


def config_key(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append("must be no more than 253 characters")
    if not _CONFIG_KEY.match(value):
        errs.append(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
            "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
            "'[-._a-zA-Z0-9]+')"
        )
    return errs


def port_name(value: str) -> list[str]:
    errs = []
    if len(value) > 15:
        errs.append("must be no more than 15 characters")
    if not _IANA_SVC_NAME.match(value) or "--" in value:
        errs.append(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
        )
    elif not re.search(r"[a-z]", value):
        errs.append("must contain at least one letter (a-z)")
    return errs


def port_number(value: Any, field: str) -> list[FieldError]:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        return [invalid(field, value, "must be between 1 and 65535, inclusive")]
    return []


def non_negative(value: Any, field: str) -> list[FieldError]:
    if isinstance(value, bool) or not isinstance(value, int):
        return [invalid(field, value, "must be an integer")]
    if value < 0:
        return [invalid(field, value, "must be greater than or equal to 0")]
    return []


QUANTITY_FORMAT_MSG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)


def quantity(value: Any, field: str) -> list[FieldError]:
    """A negative quantity is a field error. One that does not parse raises QuantityError:
    in Kubernetes the JSON decoder refuses it before validation, so it is a 400 BadRequest
    ("Pod in version "v1" cannot be handled as a Pod: quantities must match…"), not a 422."""
    q = parse_quantity(value)
    if q < 0:
        return [invalid(field, value, "must be greater than or equal to 0")]
    return []


def path_segment_name(value: str) -> list[str]:
    """ValidatePathSegmentName: RBAC's names (``system:basic-user``) are only path-safe."""
    if value in (".", ".."):
        return [f'may not be \'{value}\'']
    return [f'may not contain \'{c}\'' for c in ("/", "%") if c in value]


def object_name(name: Any, namespaced_kind_rule: str = "subdomain") -> list[str]:
    if not isinstance(name, str):
        return ["must be a string"]
    return dns1123_label(name) if namespaced_kind_rule == "label" else dns1123_subdomain(name)
