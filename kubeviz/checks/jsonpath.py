"""The subset of kubectl's JSONPath that checks need, without a new dependency.

Supported: ``.a.b`` (``\\.`` escapes a dot in a key), ``['a.b']``, ``[0]``, ``[-1]``,
``[1:3]``, ``[*]`` / ``.*``, and filters ``[?(@.k=="v")]`` with ``==``, ``!=``, ``<``,
``<=``, ``>``, ``>=`` against a string, a number, ``true``/``false``, or with no operator
(``[?(@.k)]``: the key exists). Braces are optional. As kubectl, a path yields every
result, so ``[*]`` and filters can give several.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class JsonPathError(ValueError):
    """A path kubectl would refuse (or that uses JSONPath beyond the supported subset)."""


@dataclass(frozen=True)
class Key:
    name: str


@dataclass(frozen=True)
class Index:
    index: int


@dataclass(frozen=True)
class Slice:
    start: int | None
    stop: int | None


@dataclass(frozen=True)
class Wildcard:
    pass


@dataclass(frozen=True)
class Filter:
    keys: tuple[str, ...]
    op: str  # "" (exists), "==", "!=", "<", "<=", ">", ">="
    value: Any = None


Segment = Key | Index | Slice | Wildcard | Filter


@dataclass(frozen=True)
class JsonPath:
    text: str
    segments: tuple[Segment, ...]

    def find(self, obj: Any) -> list[Any]:
        """Every value the path reaches in ``obj`` (empty when none)."""
        current = [obj]
        for seg in self.segments:
            current = [v for item in current for v in _step(seg, item)]
            if not current:
                break
        return current

    @property
    def display(self) -> str:
        """The path as written, without braces (for sentences)."""
        return self.text


_KEY = re.compile(r"(?:\\.|[^.\[\]\\])+")
_FILTER = re.compile(
    r"""\?\(\s*@((?:\.(?:\\.|[^.\s=!<>()\\])+)+)\s*(?:(==|!=|<=|>=|<|>)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s)]+)\s*)?\)$"""
)


def parse(text: str) -> JsonPath:
    """Parse a path (``{.status.conditions[?(@.type=="Ready")].status}``); raise JsonPathError."""
    if not isinstance(text, str):
        raise JsonPathError("must be a string")
    body = text.strip()
    if body.startswith("{"):
        if not body.endswith("}"):
            raise JsonPathError(f"unclosed action: {text!r}")
        body = body[1:-1].strip()
    if body.startswith("$"):
        body = body[1:]
    if not body:
        raise JsonPathError("is empty")
    if not body.startswith((".", "[")):
        raise JsonPathError(f"must start with '.' or '[': {text!r}")
    segments: list[Segment] = []
    pos = 0
    while pos < len(body):
        ch = body[pos]
        if ch == ".":
            if body.startswith("..", pos):
                raise JsonPathError("recursive descent (..) is not supported")
            pos += 1
            if pos < len(body) and body[pos] == "*":
                segments.append(Wildcard())
                pos += 1
                continue
            m = _KEY.match(body, pos)
            if not m:
                if pos == len(body) and len(body) == 1:
                    break  # "{.}": the whole object
                raise JsonPathError(f"expected a key after '.' at {pos} in {text!r}")
            segments.append(Key(re.sub(r"\\(.)", r"\1", m.group(0))))
            pos = m.end()
        elif ch == "[":
            end = _closing(body, pos, text)
            segments.append(_bracket(body[pos + 1:end].strip(), text))
            pos = end + 1
        else:
            raise JsonPathError(f"unexpected {ch!r} at {pos} in {text!r}")
    return JsonPath(text=body, segments=tuple(segments))


def _closing(body: str, start: int, text: str) -> int:
    depth, quote = 0, ""
    for i in range(start, len(body)):
        c = body[i]
        if quote:
            if c == quote and body[i - 1] != "\\":
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
    raise JsonPathError(f"unterminated '[' in {text!r}")


def _bracket(inner: str, text: str) -> Segment:
    if inner == "*":
        return Wildcard()
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "\"'":
        return Key(inner[1:-1])
    if re.fullmatch(r"-?\d+", inner):
        return Index(int(inner))
    m = re.fullmatch(r"(-?\d*)\s*:\s*(-?\d*)", inner)
    if m:
        return Slice(int(m.group(1)) if m.group(1) else None, int(m.group(2)) if m.group(2) else None)
    m = _FILTER.match(inner)
    if m:
        keys = tuple(re.sub(r"\\(.)", r"\1", k) for k in re.findall(r"\.((?:\\.|[^.\\])+)", m.group(1)))
        op = m.group(2) or ""
        return Filter(keys, op, _literal(m.group(3), text) if op else None)
    raise JsonPathError(f"unsupported expression [{inner}] in {text!r}")


def _literal(raw: str, text: str) -> Any:
    if raw[0] in "\"'":
        return raw[1:-1]
    if raw in ("true", "false"):
        return raw == "true"
    try:
        return int(raw)
    except ValueError:
        try:
            return float(raw)
        except ValueError:
            raise JsonPathError(f"unrecognized filter value {raw} in {text!r}") from None


def _step(seg: Segment, item: Any) -> list[Any]:
    if isinstance(seg, Key):
        return [item[seg.name]] if isinstance(item, dict) and seg.name in item else []
    if isinstance(seg, Index):
        if isinstance(item, list) and -len(item) <= seg.index < len(item):
            return [item[seg.index]]
        return []
    if isinstance(seg, Slice):
        return list(item[seg.start:seg.stop]) if isinstance(item, list) else []
    if isinstance(seg, Wildcard):
        if isinstance(item, list):
            return list(item)
        return list(item.values()) if isinstance(item, dict) else []
    values = item if isinstance(item, list) else list(item.values()) if isinstance(item, dict) else []
    return [v for v in values if _holds(seg, v)]


def _holds(f: Filter, value: Any) -> bool:
    for k in f.keys:
        if not isinstance(value, dict) or k not in value:
            return False
        value = value[k]
    if not f.op:
        return True
    want = f.value
    if f.op in ("==", "!="):
        same = isinstance(value, bool) == isinstance(want, bool) and value == want
        return same if f.op == "==" else not same
    if isinstance(value, bool) or not isinstance(value, (int, float)) or isinstance(want, (str, bool)):
        return False
    return {"<": value < want, "<=": value <= want, ">": value > want, ">=": value >= want}[f.op]
