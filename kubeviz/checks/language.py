"""The check language's parser: a YAML-shaped spec in, a typed check out.

Every problem is collected with its path inside the spec (``steps[2].wait.pods.count``)
so that the lesson and exercise checkers can turn them all into line numbers at once,
rather than making an author fix one error per run.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubeviz.apiserver import errors as api_errors
from kubeviz.apiserver.quantity import QuantityError, parse_quantity
from kubeviz.apiserver.resources import by_kind
from kubeviz.apiserver.selectors import EVERYTHING, LabelSelector, parse_label_selector

from .jsonpath import JsonPath, JsonPathError
from .jsonpath import parse as parse_jsonpath


class CheckError(ValueError):
    """A spec that is not a check: ``problems`` lists (path, message) for every problem."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))


# ---- the typed checks ------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """``count`` (exactly), or ``min`` and/or ``max``."""

    exactly: int | None = None
    min: int | None = None
    max: int | None = None

    def holds(self, n: int) -> bool:
        if self.exactly is not None:
            return n == self.exactly
        return (self.min is None or n >= self.min) and (self.max is None or n <= self.max)

    @property
    def wanted(self) -> str:
        """The expectation in words: "exactly 3", "at least 1", "between 2 and 4"."""
        if self.exactly is not None:
            return f"exactly {self.exactly}"
        if self.min is not None and self.max is not None:
            return f"between {self.min} and {self.max}"
        if self.max is not None:
            return f"at most {self.max}"
        return f"at least {self.min}"


AT_LEAST_ONE = Count(min=1)


@dataclass(frozen=True)
class Check:
    """Common keys of every check."""

    title: str = field(default="", kw_only=True)
    advice: str = field(default="", kw_only=True)


@dataclass(frozen=True)
class Target:
    """Which objects: ``kind``, ``name`` or ``selector``, ``namespace``."""

    kind: str
    namespace: str = "default"
    name: str = ""
    selector: LabelSelector = EVERYTHING
    selector_text: str = ""


@dataclass(frozen=True)
class FieldCheck(Check):
    target: Target
    path: JsonPath
    op: str  # equals, not_equals, exists, contains, matches, gt, gte, lt, lte
    value: Any
    every: bool = False


@dataclass(frozen=True)
class PodsCheck(Check):
    namespace: str = "default"
    selector: LabelSelector = EVERYTHING
    selector_text: str = ""
    phase: str = ""
    ready: bool | None = None
    node: str | None = None
    terminating: bool = False
    count: Count = AT_LEAST_ONE


@dataclass(frozen=True)
class ObjectsCheck(Check):
    target: Target
    count: Count = AT_LEAST_ONE


@dataclass(frozen=True)
class EventCheck(Check):
    reason: str = ""
    kind: str = ""
    name: str = ""
    selector: LabelSelector | None = None
    selector_text: str = ""
    namespace: str = "default"
    type: str = ""
    message: str = ""
    count: Count = AT_LEAST_ONE


@dataclass(frozen=True)
class StepCheck(Check):
    target: Target
    number: int | None = None
    action: str = ""
    source: str = ""
    target_component: str = ""
    category: str = ""
    any: bool = False


@dataclass(frozen=True)
class LogCheck(Check):
    target: Target
    contains: str
    container: str = ""
    previous: bool = False


@dataclass(frozen=True)
class TrafficCheck(Check):
    service: str
    namespace: str = "default"
    node: str | None = None
    count: Count = AT_LEAST_ONE


@dataclass(frozen=True)
class ScheduledCheck(Check):
    target: Target
    by: str = "scheduler"


@dataclass(frozen=True)
class HistoryCheck(Check):
    target: Target
    path: JsonPath
    op: str  # never_below, never_above, ever_equals
    value: Any


@dataclass(frozen=True)
class AllCheck(Check):
    parts: tuple[Check, ...]


@dataclass(frozen=True)
class AnyCheck(Check):
    parts: tuple[Check, ...]


@dataclass(frozen=True)
class NotCheck(Check):
    part: Check


# ---- parsing ---------------------------------------------------------------------------

PHASES = ("Pending", "Running", "Succeeded", "Failed")
EVENT_TYPES = ("Normal", "Warning")
COMPARISONS = ("equals", "not_equals", "exists", "contains", "matches", "gt", "gte", "lt", "lte")
NUMERIC = ("gt", "gte", "lt", "lte")
HISTORY_OPS = ("never_below", "never_above", "ever_equals")
COMMON = ("title", "advice")


class _Parser:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    # -- the values of keys --

    def mapping(self, spec: Any, path: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(spec, dict):
            self.fail(path, f"must be a mapping, not {_type_name(spec)}")
            return {}
        for key in spec:
            if key not in allowed:
                self.fail(f"{path}.{key}", f"unknown key (allowed: {', '.join(allowed)})")
        return spec

    def text(self, spec: dict[str, Any], key: str, path: str, *, required: bool = False, default: str = "") -> str:
        if key not in spec:
            if required:
                self.fail(f"{path}.{key}", "is required")
            return default
        value = spec[key]
        if not isinstance(value, str):
            self.fail(f"{path}.{key}", f"must be a string, not {_type_name(value)}")
            return default
        return value

    def boolean(self, spec: dict[str, Any], key: str, path: str) -> bool | None:
        if key not in spec:
            return None
        value = spec[key]
        if not isinstance(value, bool):
            self.fail(f"{path}.{key}", f"must be true or false, not {_type_name(value)}")
            return None
        return value

    def integer(self, spec: dict[str, Any], key: str, path: str, *, low: int = 0, high: int | None = None) -> int | None:
        if key not in spec:
            return None
        value = spec[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{path}.{key}", f"must be a whole number, not {_type_name(value)}")
            return None
        if value < low or (high is not None and value > high):
            self.fail(f"{path}.{key}", f"must be {low} or more" if high is None else f"must be from {low} to {high}")
            return None
        return value

    def choice(self, spec: dict[str, Any], key: str, path: str, options: tuple[str, ...]) -> str:
        value = self.text(spec, key, path)
        if value and value not in options:
            self.fail(f"{path}.{key}", f"must be one of {', '.join(options)}, not {value!r}")
            return ""
        return value

    def selector(self, spec: dict[str, Any], path: str) -> tuple[LabelSelector | None, str]:
        text = self.text(spec, "selector", path)
        if "selector" not in spec or not isinstance(spec["selector"], str):
            return None, ""
        try:
            return parse_label_selector(text), text
        except api_errors.StatusError as exc:
            self.fail(f"{path}.selector", exc.message)
            return None, ""

    def kind(self, spec: dict[str, Any], path: str, *, required: bool = True) -> str:
        kind = self.text(spec, "kind", path, required=required)
        if kind:
            try:
                by_kind(kind)
            except api_errors.StatusError:
                self.fail(f"{path}.kind", f'no kind "{kind}" is served by kubeviz (kinds are capitalised: Deployment, Pod)')
                return ""
        return kind

    def target(self, spec: dict[str, Any], path: str, *, kind: str | None = None, name_required: bool = False,
               one_of_name_selector: bool = False) -> Target:
        kind = kind if kind is not None else self.kind(spec, path)
        name = self.text(spec, "name", path, required=name_required)
        selector, selector_text = self.selector(spec, path) if "selector" in spec else (None, "")
        if name and "selector" in spec:
            self.fail(f"{path}.selector", "give name or selector, not both")
        if one_of_name_selector and not name and "selector" not in spec:
            self.fail(path, "name or selector is required")
        namespace = self.text(spec, "namespace", path, default="default") or "default"
        return Target(kind=kind, namespace=namespace, name=name, selector=selector or EVERYTHING, selector_text=selector_text)

    def count(self, spec: dict[str, Any], path: str, *, exact_key: str = "count") -> Count:
        exactly = self.integer(spec, exact_key, path)
        low = self.integer(spec, "min", path)
        high = self.integer(spec, "max", path)
        if exactly is not None and (low is not None or high is not None):
            self.fail(f"{path}.{exact_key}", f"give {exact_key}, or min and/or max, not both")
        if low is not None and high is not None and low > high:
            self.fail(f"{path}.min", f"is more than max ({low} > {high})")
        if exactly is None and low is None and high is None:
            return AT_LEAST_ONE
        return Count(exactly=exactly, min=low, max=high)

    def jsonpath(self, spec: dict[str, Any], path: str) -> JsonPath | None:
        text = self.text(spec, "path", path, required=True)
        if not text:
            return None
        try:
            return parse_jsonpath(text)
        except JsonPathError as exc:
            self.fail(f"{path}.path", f"is not a JSONPath kubectl takes: {exc}")
            return None

    def number(self, value: Any, path: str) -> None:
        try:
            parse_quantity(value)
        except QuantityError:
            self.fail(path, f"must be a number or a quantity such as 500m or 1Gi, not {value!r}")

    # -- the kinds --

    def check(self, spec: Any, path: str) -> Check | None:
        if not isinstance(spec, dict):
            self.fail(path, f"must be a mapping with one check kind, not {_type_name(spec)}")
            return None
        kinds = [k for k in spec if k in _KINDS]
        unknown = [k for k in spec if k not in _KINDS and k not in COMMON]
        for key in unknown:
            self.fail(f"{path}.{key}", f"unknown check kind (kinds: {', '.join(_KINDS)})")
        if len(kinds) > 1:
            self.fail(path, f"has {len(kinds)} check kinds ({', '.join(kinds)}): give exactly one, or combine them with all")
            return None
        if not kinds:
            if not unknown:
                self.fail(path, f"needs a check kind (one of {', '.join(_KINDS)})")
            return None
        common = {key: self.text(spec, key, path) for key in COMMON}
        kind = kinds[0]
        return _KINDS[kind](self, spec[kind], f"{path}.{kind}" if path else kind, common)

    def field(self, spec: Any, path: str, common: dict[str, str]) -> Check | None:
        spec = self.mapping(spec, path, ("kind", "name", "namespace", "path", "all", *COMPARISONS))
        target = self.target(spec, path, name_required=True)
        jp = self.jsonpath(spec, path)
        ops = [k for k in COMPARISONS if k in spec]
        if len(ops) != 1:
            self.fail(path, f"needs exactly one comparison ({', '.join(COMPARISONS)})" + (f", not {len(ops)}" if ops else ""))
            return None
        op = ops[0]
        value = spec[op]
        if op == "exists" and not isinstance(value, bool):
            self.fail(f"{path}.exists", "must be true or false")
        elif op in NUMERIC:
            self.number(value, f"{path}.{op}")
        elif op == "matches" and not isinstance(value, str):
            self.fail(f"{path}.matches", "must be a glob pattern (a string)")
        every = bool(self.boolean(spec, "all", path))
        if jp is None:
            return None
        return FieldCheck(target=target, path=jp, op=op, value=value, every=every, **common)

    def pods(self, spec: Any, path: str, common: dict[str, str]) -> Check | None:
        spec = self.mapping(spec, path, ("namespace", "selector", "phase", "ready", "node", "terminating", "count", "min", "max"))
        selector, selector_text = self.selector(spec, path)
        node: str | None = None
        if "node" in spec:
            node = self.text(spec, "node", path)
        return PodsCheck(
            namespace=self.text(spec, "namespace", path, default="default") or "default",
            selector=selector or EVERYTHING, selector_text=selector_text,
            phase=self.choice(spec, "phase", path, PHASES), ready=self.boolean(spec, "ready", path),
            node=node, terminating=bool(self.boolean(spec, "terminating", path)),
            count=self.count(spec, path), **common,
        )

    def objects(self, spec: Any, path: str, common: dict[str, str]) -> Check | None:
        spec = self.mapping(spec, path, ("kind", "name", "namespace", "selector", "count", "min", "max"))
        return ObjectsCheck(target=self.target(spec, path), count=self.count(spec, path), **common)

    def event(self, spec: Any, path: str, common: dict[str, str]) -> Check | None:
        spec = self.mapping(spec, path, ("reason", "kind", "name", "selector", "namespace", "type", "message", "count", "min", "max"))
        selector, selector_text = self.selector(spec, path)
        if selector is not None and not spec.get("kind"):
            self.fail(f"{path}.selector", "needs kind (whose objects the selector picks)")
        if not any(k in spec for k in ("reason", "kind", "name", "message", "type")):
            self.fail(path, "needs reason, kind, name, type or message to say which Events")
        return EventCheck(
            reason=self.text(spec, "reason", path), kind=self.kind(spec, path, required=False),
            name=self.text(spec, "name", path), selector=selector, selector_text=selector_text,
            namespace=self.text(spec, "namespace", path, default="default") or "default",
            type=self.choice(spec, "type", path, EVENT_TYPES), message=self.text(spec, "message", path),
            count=self.count(spec, path), **common,
        )

    def step(self, spec: Any, path: str, common: dict[str, str]) -> Check | None:
        spec = self.mapping(spec, path, ("number", "action", "source", "target", "category", "kind", "name", "selector", "namespace", "any"))
        number = self.integer(spec, "number", path, low=1, high=9)
        if not any(k in spec for k in ("number", "action", "source", "target", "category")):
            self.fail(path, "needs number, action, source, target or category to say which steps")
        return StepCheck(
            target=self.target(spec, path, one_of_name_selector=True), number=number,
            action=self.text(spec, "action", path), source=self.text(spec, "source", path),
            target_component=self.text(spec, "target", path), category=self.text(spec, "category", path),
            any=bool(self.boolean(spec, "any", path)), **common,
        )

    def log(self, spec: Any, path: str, common: dict[str, str]) -> Check | None:
        spec = self.mapping(spec, path, ("name", "selector", "namespace", "container", "previous", "contains"))
        return LogCheck(
            target=self.target(spec, path, kind="Pod", one_of_name_selector=True),
            contains=self.text(spec, "contains", path, required=True), container=self.text(spec, "container", path),
            previous=bool(self.boolean(spec, "previous", path)), **common,
        )

    def traffic(self, spec: Any, path: str, common: dict[str, str]) -> Check | None:
        spec = self.mapping(spec, path, ("service", "namespace", "node", "reaches", "min"))
        count = self.count(spec, path, exact_key="reaches")
        if "reaches" not in spec and "min" not in spec:
            self.fail(path, "needs reaches (exactly) or min")
        node = self.text(spec, "node", path) if "node" in spec else None
        return TrafficCheck(
            service=self.text(spec, "service", path, required=True),
            namespace=self.text(spec, "namespace", path, default="default") or "default",
            node=node or None, count=count, **common,
        )

    def scheduled(self, spec: Any, path: str, common: dict[str, str]) -> Check | None:
        spec = self.mapping(spec, path, ("name", "selector", "namespace", "by"))
        by = self.choice(spec, "by", path, ("scheduler", "nodeName"))
        if "by" not in spec:
            self.fail(f"{path}.by", "is required (scheduler or nodeName)")
        return ScheduledCheck(target=self.target(spec, path, kind="Pod", one_of_name_selector=True), by=by or "scheduler", **common)

    def history(self, spec: Any, path: str, common: dict[str, str]) -> Check | None:
        spec = self.mapping(spec, path, ("kind", "name", "namespace", "path", *HISTORY_OPS))
        target = self.target(spec, path, name_required=True)
        jp = self.jsonpath(spec, path)
        ops = [k for k in HISTORY_OPS if k in spec]
        if len(ops) != 1:
            self.fail(path, f"needs exactly one of {', '.join(HISTORY_OPS)}")
            return None
        op = ops[0]
        if op != "ever_equals":
            self.number(spec[op], f"{path}.{op}")
        if jp is None:
            return None
        return HistoryCheck(target=target, path=jp, op=op, value=spec[op], **common)

    def combine(self, spec: Any, path: str, common: dict[str, str], cls: type[AllCheck] | type[AnyCheck]) -> Check | None:
        if not isinstance(spec, list) or not spec:
            self.fail(path, "must be a non-empty list of checks")
            return None
        parts = [self.check(part, f"{path}[{i}]") for i, part in enumerate(spec)]
        if any(p is None for p in parts):
            return None
        return cls(parts=tuple(p for p in parts if p is not None), **common)

    def all_(self, spec: Any, path: str, common: dict[str, str]) -> Check | None:
        return self.combine(spec, path, common, AllCheck)

    def any_(self, spec: Any, path: str, common: dict[str, str]) -> Check | None:
        return self.combine(spec, path, common, AnyCheck)

    def not_(self, spec: Any, path: str, common: dict[str, str]) -> Check | None:
        part = self.check(spec, path)
        return NotCheck(part=part, **common) if part is not None else None


_KINDS: dict[str, Callable[[_Parser, Any, str, dict[str, str]], Check | None]] = {
    "field": _Parser.field, "pods": _Parser.pods, "objects": _Parser.objects, "event": _Parser.event,
    "step": _Parser.step, "log": _Parser.log, "traffic": _Parser.traffic, "scheduled": _Parser.scheduled,
    "history": _Parser.history, "all": _Parser.all_, "any": _Parser.any_, "not": _Parser.not_,
}


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "a mapping"}.get(
        type(value), type(value).__name__
    )


def parse_check(spec: Any, where: str = "") -> Check:
    """A typed check from its spec; raise CheckError listing every problem by its path
    (prefixed with ``where``, the check's place in a lesson or an exercise)."""
    parser = _Parser()
    check = parser.check(spec, where)
    if parser.problems or check is None:
        raise CheckError(parser.problems or [(where, "is not a check")])
    return check
