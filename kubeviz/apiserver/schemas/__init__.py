"""One schema per served kind, in a compact form of kubeviz's own (the YAML files here).

They are the one truth for two things that must agree: the OpenAPI documents kubectl
reads (``kubectl explain``, its check that the server validates fields) and the server's
own field validation (``fieldValidation=Strict|Warn|Ignore``). Fields kubeviz keeps but
does not model are typed ``object``: any content is accepted there, as it is stored.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import errors
from ..strategy import Strategy

_DIR = Path(__file__).parent
SCALARS = {"string", "integer", "number", "boolean", "time", "quantity", "int-or-string", "object"}


@dataclass(frozen=True)
class Field:
    type: str
    description: str


@dataclass
class Definition:
    name: str
    package: str
    description: str
    fields: dict[str, Field]
    required: list[str] = field(default_factory=list)
    gvk: tuple[str, str, str] | None = None
    openapi_name: str = ""

    @property
    def full_name(self) -> str:
        """The OpenAPI name Kubernetes uses (io.k8s.api.apps.v1.Deployment); ``name:`` in
        the YAML gives it where the short name must differ (both HPA versions' Spec)."""
        return f"{self.package}.{self.openapi_name or self.name}"


def _parse_field(spec: str) -> Field:
    type_, _, description = spec.partition("|")
    return Field(type_.strip(), description.strip())


@functools.cache
def definitions() -> dict[str, Definition]:
    """Every definition by its short name; names are unique across the files."""
    out: dict[str, Definition] = {}
    for path in sorted(_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for name, raw in doc["definitions"].items():
            package = doc["package"] + (f".{raw['pkg']}" if raw.get("pkg") else "")
            gvk = None
            if raw.get("gvk"):
                group_version, _, kind = raw["gvk"].rpartition("/")
                group, _, version = group_version.rpartition("/")
                gvk = (group, version, kind)
            if name in out:
                raise ValueError(f"schema {name} is defined twice")
            out[name] = Definition(
                name, package, raw["desc"], {k: _parse_field(v) for k, v in raw["fields"].items()},
                list(raw.get("required", [])), gvk, raw.get("name", ""),
            )
    for d in out.values():
        for f in d.fields.values():
            ref = element_type(f.type)
            if ref not in SCALARS and ref not in out:
                raise ValueError(f"schema {d.name} refers to unknown type {ref}")
    return out


def element_type(type_: str) -> str:
    """The innermost type of ``[T]``, ``{T}`` or ``T``."""
    while type_[:1] in "[{":
        type_ = type_[1:-1]
    return type_


def for_strategy(strategy: Strategy) -> Definition | None:
    """The top-level definition of a served kind; None for a kind without a schema yet,
    which is then neither in the OpenAPI documents nor field-validated."""
    return _by_gvk().get((strategy.group, strategy.version, strategy.kind))


@functools.cache
def _by_gvk() -> dict[tuple[str, str, str], Definition]:
    return {d.gvk: d for d in definitions().values() if d.gvk}


def unknown_fields(strategy: Strategy, obj: Any) -> list[str]:
    """Paths of the fields in ``obj`` its kind's schema does not know, and of the keys a
    JSON body gave twice, as the API server's strict decoder reports them
    (``unknown field "spec.replicass"``, ``duplicate field "spec.replicas"``)."""
    definition = for_strategy(strategy)
    problems: list[str] = []
    if definition is not None:
        _walk(obj, definition.name, "", problems)
    return problems


def _walk(value: Any, type_: str, path: str, out: list[str]) -> None:
    if type_.startswith("["):
        if isinstance(value, list):
            for i, item in enumerate(value):
                _walk(item, type_[1:-1], f"{path}[{i}]", out)
        return
    if type_.startswith("{"):
        if isinstance(value, dict):
            for k, item in value.items():
                _walk(item, type_[1:-1], f"{path}[{k}]" if path else k, out)
        return
    if type_ in SCALARS or not isinstance(value, dict):
        return
    for dup in getattr(value, "duplicates", ()):
        out.append(f'duplicate field "{path + "." if path else ""}{dup}"')
    fields = definitions()[type_].fields
    for k, item in value.items():
        if k.startswith("$"):
            continue  # a strategic-merge-patch directive, not a field
        where = f"{path}.{k}" if path else k
        f = fields.get(k)
        if f is None:
            out.append(f'unknown field "{where}"')
        else:
            _walk(item, f.type, where, out)


def drop_unknown(strategy: Strategy, obj: Any) -> None:
    """Remove, in place, the fields the schema does not know (Ignore and Warn keep the rest)."""
    definition = for_strategy(strategy)
    if definition is not None:
        _drop(obj, definition.name)


def _drop(value: Any, type_: str) -> None:
    if type_.startswith("[") and isinstance(value, list):
        for item in value:
            _drop(item, type_[1:-1])
    elif type_.startswith("{") and isinstance(value, dict):
        for item in value.values():
            _drop(item, type_[1:-1])
    elif type_ not in SCALARS and type_[:1] not in "[{" and isinstance(value, dict):
        fields = definitions()[type_].fields
        for k in [k for k in value if k not in fields and not k.startswith("$")]:
            del value[k]
        for k, item in value.items():
            if k in fields:
                _drop(item, fields[k].type)


class DuplicateKeys(dict):
    """A JSON object that named some keys more than once (the last value is kept, as Go's
    decoder keeps it); ``duplicates`` lists them for strict field validation."""

    duplicates: list[str]


def json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for ``json.loads`` that remembers duplicate keys."""
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    marked = DuplicateKeys(obj)
    marked.duplicates = []
    for k, _ in pairs:
        if k in seen and k not in marked.duplicates:
            marked.duplicates.append(k)
        seen.add(k)
    return marked


FIELD_VALIDATION = ("Ignore", "Warn", "Strict")


def fields_check(strategy: Strategy, body: Any, directive: str) -> list[str]:
    """Apply ``fieldValidation`` to a request body, in place: Strict refuses unknown and
    duplicate fields (400, as the strict decoder does), Warn drops them and returns one
    warning each, Ignore drops them silently. An absent directive means Warn, the API
    server's default; kubectl sends Strict."""
    directive = directive or "Warn"
    if directive not in FIELD_VALIDATION:
        raise errors.bad_request(
            f'fieldValidation must be one of "Ignore", "Warn" or "Strict", not "{directive}"'
        )
    problems = unknown_fields(strategy, body) if isinstance(body, dict) else []
    if not problems:
        return []
    if directive == "Strict":
        raise errors.bad_request(
            f'{strategy.kind} in version "{strategy.version}" cannot be handled as a {strategy.kind}: '
            f"strict decoding error: {', '.join(problems)}"
        )
    drop_unknown(strategy, body)
    return problems if directive == "Warn" else []
