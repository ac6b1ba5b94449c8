"""Label and field selectors, parsed and matched as apimachinery's labels/fields packages."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import errors


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!"
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        has = self.key in labels
        val = labels.get(self.key)
        if self.op == "=":
            return has and val == self.values[0]
        if self.op == "!=":
            return not has or val != self.values[0]
        if self.op == "in":
            return has and val in self.values
        if self.op == "notin":
            return not has or val not in self.values
        if self.op == "exists":
            return has
        if self.op == "!":
            return not has
        return False


@dataclass(frozen=True)
class LabelSelector:
    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False

    def matches(self, labels: dict[str, str] | None) -> bool:
        if self.nothing:
            return False
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements and not self.nothing


EVERYTHING = LabelSelector()
NOTHING = LabelSelector(nothing=True)

_TOKEN = re.compile(r"\s*(\(|\)|,|!=|==|=|!|[^\s(),!=]+)")


def parse_label_selector(text: str) -> LabelSelector:
    """Parse ``app=web,tier!=db,env in (a,b),!legacy``; raise a 400 StatusError."""
    text = (text or "").strip()
    if not text:
        return EVERYTHING
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            break
        tokens.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1

    def fail(detail: str) -> errors.StatusError:
        return errors.bad_request(f'unable to parse requirement: {detail}: "{text}"')

    reqs: list[Requirement] = []
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        if tok == "!":
            if i + 1 >= n:
                raise fail("found '', expected: identifier")
            key = tokens[i + 1]
            reqs.append(Requirement(key, "!"))
            i += 2
        else:
            key = tok
            i += 1
            if i >= n or tokens[i] == ",":
                reqs.append(Requirement(key, "exists"))
            else:
                op = tokens[i]
                i += 1
                if op in ("=", "==", "!="):
                    if i < n and tokens[i] not in (",",):
                        value = tokens[i]
                        i += 1
                    else:
                        value = ""
                    reqs.append(Requirement(key, "!=" if op == "!=" else "=", (value,)))
                elif op in ("in", "notin"):  # keywords are case-sensitive, as in the Go lexer
                    if i >= n or tokens[i] != "(":
                        raise fail(f"found '{tokens[i] if i < n else ''}', expected: '('")
                    i += 1
                    values, i = _parse_values(tokens, i, fail)
                    reqs.append(Requirement(key, op, tuple(values)))
                else:
                    raise fail(f"found '{op}', expected: '=', '!=', '==', 'in', notin'")
        from .validation import label_value, qualified_name

        if qualified_name(key):
            raise errors.bad_request(
                f"unable to parse requirement: {qualified_name(key)[0]}"
            )
        for v in reqs[-1].values:
            if label_value(v):
                raise errors.bad_request(
                    f"unable to parse requirement: values[0][{key}]: Invalid value: "
                    f'"{v}": {label_value(v)[0]}'
                )
        if i < n:
            if tokens[i] != ",":
                raise fail(f"found '{tokens[i]}', expected: ',' or 'end of string'")
            i += 1
            if i >= n:
                raise fail("found '', expected: identifier after ','")
    return LabelSelector(tuple(reqs))


def _parse_values(
    tokens: list[str], i: int, fail: Callable[[str], errors.StatusError]
) -> tuple[list[str], int]:
    """The values of ``in (…)``/``notin (…)`` from just after "(", as apimachinery's
    parseValues: comma-separated identifiers; an empty slot ("()", "(a,)", "(,a)") is the
    empty value. Returns the values and the index just after ")"."""
    values: list[str] = []
    expect_value = True
    n = len(tokens)
    while i < n and tokens[i] != ")":
        t = tokens[i]
        if t == ",":
            if expect_value:
                values.append("")
            expect_value = True
        elif t in ("(", "!", "=", "==", "!="):
            raise fail(f"found '{t}', expected: ',', or identifier")
        elif not expect_value:
            raise fail(f"found '{t}', expected: ',' or ')'")
        else:
            values.append(t)
            expect_value = False
        i += 1
    if i >= n:
        raise fail("found '', expected: ')'")
    if expect_value:
        values.append("")
    return values, i + 1


def from_label_selector_object(sel: dict[str, Any] | None) -> LabelSelector:
    """A metav1.LabelSelector (matchLabels + matchExpressions). None selects nothing."""
    if sel is None:
        return NOTHING
    reqs = [Requirement(k, "=", (str(v),)) for k, v in (sel.get("matchLabels") or {}).items()]
    op_map = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expr in sel.get("matchExpressions") or []:
        op = op_map.get(expr.get("operator", ""))
        if op is None:
            return NOTHING
        reqs.append(Requirement(expr.get("key", ""), op, tuple(expr.get("values") or ())))
    return LabelSelector(tuple(reqs))


def selector_to_string(sel: dict[str, Any] | None) -> str:
    """Render a metav1.LabelSelector as kubectl/Scale show it (``app=web``)."""
    if not sel:
        return ""
    parts = [f"{k}={v}" for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for expr in sel.get("matchExpressions") or []:
        op = expr.get("operator")
        key = expr.get("key")
        vals = ",".join(sorted(expr.get("values") or []))
        if op == "In":
            parts.append(f"{key} in ({vals})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({vals})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


# ---- field selectors ---------------------------------------------------------------------

FieldGetter = Callable[[dict[str, Any]], Any]


def _path(*keys: str) -> FieldGetter:
    def get(obj: dict[str, Any]) -> Any:
        cur: Any = obj
        for k in keys:
            if not isinstance(cur, dict):
                return ""
            cur = cur.get(k)
        if cur is None:
            return ""
        if isinstance(cur, bool):
            return "true" if cur else "false"
        return str(cur)

    return get


COMMON_FIELDS: dict[str, FieldGetter] = {
    "metadata.name": _path("metadata", "name"),
    "metadata.namespace": _path("metadata", "namespace"),
}


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    op: str  # "=" or "!="
    value: str
    getter: FieldGetter

    def matches(self, obj: dict[str, Any]) -> bool:
        actual = self.getter(obj)
        return actual == self.value if self.op == "=" else actual != self.value


@dataclass(frozen=True)
class FieldSelector:
    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: dict[str, Any]) -> bool:
        return all(r.matches(obj) for r in self.requirements)

    def exact(self, field: str) -> str | None:
        """The value required by ``field=value``, for index lookups."""
        for r in self.requirements:
            if r.field == field and r.op == "=":
                return r.value
        return None


def parse_field_selector(
    text: str, supported: dict[str, FieldGetter], resource: str
) -> FieldSelector:
    text = (text or "").strip()
    if not text:
        return FieldSelector()
    reqs = []
    for part in _split_unescaped(text):
        part = part.strip()
        if not part:
            continue
        for op in ("!=", "==", "="):
            if op in part:
                field, value = part.split(op, 1)
                break
        else:
            raise errors.bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        field = field.strip()
        getter = supported.get(field)
        if getter is None:
            raise errors.bad_request(_unsupported_field(field, supported))
        reqs.append(FieldRequirement(field, "!=" if op == "!=" else "=", _unescape(value), getter))
    return FieldSelector(tuple(reqs))


def _unsupported_field(field: str, supported: dict[str, FieldGetter]) -> str:
    """Kubernetes' wording: kinds with their own field-label conversion (pods, nodes, events,
    namespaces, secrets, replicasets…) say "field label not supported"; the others use
    runtime.DefaultMetaV1FieldSelectorConversion."""
    if set(supported) != set(COMMON_FIELDS):
        return f"field label not supported: {field}"
    return f'"{field}" is not a known field selector: only "metadata.name", "metadata.namespace"'


def _split_unescaped(text: str) -> list[str]:
    parts, cur, esc = [], [], False
    for ch in text:
        if esc:
            cur.append("\\" + ch)
            esc = False
        elif ch == "\\":
            esc = True
        elif ch == ",":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def path_getter(*keys: str) -> FieldGetter:
    return _path(*keys)
