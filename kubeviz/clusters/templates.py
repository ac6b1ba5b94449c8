"""Cluster templates: what a new cluster looks like (fixtures/clusters/<name>.yaml).

A template is read with the manifest form's YAML loader (no aliases, depth capped) and the
whole file is checked before anything is built: every problem is reported at once, each
with its line, so an author fixes a template in one pass. The format is documented for
authors in docs/cluster-templates.md.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings as django_settings

from kubeviz.apiserver import validation as v
from kubeviz.apiserver.apply import manifest_check
from kubeviz.apiserver.manifests import Located, ManifestError, load_located
from kubeviz.apiserver.quantity import QuantityError, parse_quantity
from kubeviz.content.files import UnreadableFile, read_text
from kubeviz.kubelet.registration import KUBELET_LABELS

BASE_DIR = Path(django_settings.BASE_DIR)
TEMPLATES_DIR = BASE_DIR / "fixtures" / "clusters"
MANIFESTS_DIR = BASE_DIR / "fixtures" / "manifests"

MAX_TEMPLATE_BYTES = 256 * 1024
# Node i gets the pod CIDR 10.244.i.0/24 and the address 192.168.49.(10+i), so a
# template stops well short of 245 nodes; larger clusters are built by the benchmarks.
MAX_NODES = 200
MAX_MANIFESTS = 50
MAX_PODS_PER_NODE = 1000
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
DEFAULT_ZONE = "zone-a"

_TOP = {"name", "description", "seed", "nodes", "settings", "manifests"}
_POOL = {"name", "count", "cpu", "memory", "pods", "labels", "taints", "zone", "zones"}
_TAINT = {"key", "value", "effect"}
# setting -> (lowest, highest, integers only); the timings are read by the components
# (kubeviz/engine/timings.py, the pod strategy), speed sets the clock, limits bound a sandbox.
_SETTINGS: dict[str, tuple[float, float, bool]] = {
    "nodeMonitorGracePeriod": (1, 3600, False),
    "nodeLeaseDurationSeconds": (1, 3600, True),
    "defaultTolerationSeconds": (0, 86400, True),
    "speed": (0.05, 100, False),
    "maxPods": (1, 100_000, True),
    "maxNodes": (1, 10_000, True),
}


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str


@dataclass(frozen=True)
class NodeSpec:
    """One node to register: what ``node_manifest`` takes."""

    name: str
    cpu: str
    memory: str
    pods: int
    zone: str
    labels: dict[str, str]
    taints: tuple[Taint, ...]


@dataclass(frozen=True)
class NodePool:
    name: str  # the nodes are <name>-1 … <name>-<count>
    count: int
    cpu: str = "4"
    memory: str = "8Gi"
    pods: int = 110
    labels: dict[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    zones: tuple[str, ...] = (DEFAULT_ZONE,)

    def nodes(self) -> list[NodeSpec]:
        """The pool's nodes, spread over its zones round-robin."""
        return [
            NodeSpec(f"{self.name}-{i}", self.cpu, self.memory, self.pods, self.zones[(i - 1) % len(self.zones)],
                     dict(self.labels), self.taints)
            for i in range(1, self.count + 1)
        ]


@dataclass(frozen=True)
class Settings:
    node_monitor_grace_period: float | None = None
    node_lease_duration_seconds: int | None = None
    default_toleration_seconds: int | None = None
    speed: float = 1.0
    max_pods: int | None = None
    max_nodes: int | None = None

    def cluster_settings(self) -> dict[str, Any]:
        """What the cluster stores and its components read (Cluster.settings); the clock's
        speed is a column of its own."""
        values = {
            "nodeMonitorGracePeriod": self.node_monitor_grace_period,
            "nodeLeaseDurationSeconds": self.node_lease_duration_seconds,
            "defaultTolerationSeconds": self.default_toleration_seconds,
            "maxPods": self.max_pods,
            "maxNodes": self.max_nodes,
        }
        return {k: val for k, val in values.items() if val is not None}


@dataclass(frozen=True)
class Manifest:
    """YAML applied at creation, as the manifest form applies it."""

    index: int  # its place in the template's manifests list
    label: str  # the file name, or "manifests[i]" for an object written in the template
    line: int  # where the entry is in the template
    text: str


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    seed: int
    pools: tuple[NodePool, ...]
    settings: Settings
    manifests: tuple[Manifest, ...]
    source: str  # the file, as shown in messages

    def nodes(self) -> list[NodeSpec]:
        return [node for pool in self.pools for node in pool.nodes()]


@dataclass(frozen=True)
class Problem:
    source: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class TemplateError(Exception):
    """A template that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# ---- finding and reading -------------------------------------------------------------------


def template_names() -> list[str]:
    """The shipped templates, by name."""
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.yaml"))


def template_path(ref: str) -> Path:
    """A template by name (fixtures/clusters/<name>.yaml) or by path to a file."""
    if "/" in ref or ref.endswith((".yaml", ".yml")):
        return Path(ref)
    return TEMPLATES_DIR / f"{ref}.yaml"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(BASE_DIR.resolve()))
    except ValueError:
        return str(path)


def template_load(ref: str) -> Template:
    """Read and check a template; raise TemplateError listing every problem."""
    path = template_path(ref)
    source = _display(path)
    if not path.is_file():
        known = ", ".join(template_names())
        raise TemplateError([Problem(source, None, "", f'no template "{ref}" (the templates are: {known})')])
    try:
        text = read_text(path, MAX_TEMPLATE_BYTES)
    except UnreadableFile as exc:
        raise TemplateError([Problem(source, None, "", str(exc))]) from None
    return template_parse(text, source=source, stem=path.stem)


def template_check(refs: Iterable[str] = ()) -> tuple[list[str], list[Problem]]:
    """Check templates (all shipped ones when ``refs`` is empty): the names that passed, and
    every problem found in the others."""
    passed: list[str] = []
    problems: list[Problem] = []
    for ref in list(refs) or template_names():
        try:
            passed.append(template_load(ref).name)
        except TemplateError as exc:
            problems.extend(exc.problems)
    return passed, problems


def template_parse(text: str, *, source: str, stem: str | None = None) -> Template:
    """Check a template's text; ``stem``, the file's name, must match the template's name."""
    try:
        located = load_located(text)
    except ManifestError as exc:
        raise TemplateError([Problem(source, exc.line, "", exc.message)]) from None
    checker = _Checker(source, located)
    template = checker.template(stem)
    if checker.problems:
        raise TemplateError(sorted(checker.problems, key=lambda p: p.line or 0))
    assert template is not None
    return template


# ---- checking --------------------------------------------------------------------------------


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Checker:
    """Walks the document once, collecting every problem with the line of its field."""

    def __init__(self, source: str, located: Located):
        self.source = source
        self.value = located.value
        self.lines = located.lines
        self.problems: list[Problem] = []
        for path, line in located.duplicates:
            self.problems.append(Problem(source, line, _dotted(path), "given twice (each key may appear once)"))

    def error(self, path: tuple[str | int, ...], message: str) -> None:
        probe = path
        while probe not in self.lines and probe:
            probe = probe[:-1]
        self.problems.append(Problem(self.source, self.lines.get(probe), _dotted(path), message))

    def mapping(self, path: tuple[str | int, ...], value: Any, allowed: set[str],
                required: Iterable[str] = ()) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(path, f"must be a mapping (got {_kind(value)})")
            return None
        for key in value:
            if key not in allowed:
                self.error((*path, str(key)), f"unknown key (the keys are: {', '.join(sorted(allowed))})")
        for key in required:
            if key not in value:
                self.error(path, f"{key} is required")
        return value

    def string(self, path: tuple[str | int, ...], value: Any, check: Callable[[str], list[str]] | None = None) -> str | None:
        if not isinstance(value, str) or not value:
            self.error(path, f"must be a non-empty string (got {_kind(value)})")
            return None
        for message in check(value) if check else []:
            self.error(path, message)
        return value

    def number(self, path: tuple[str | int, ...], value: Any, low: float, high: float, *, integer: bool) -> Any:
        allowed = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, allowed):
            self.error(path, f"must be {'an integer' if integer else 'a number'} (got {_kind(value)})")
            return None
        if not low <= value <= high:
            self.error(path, f"must be between {_num(low)} and {_num(high)} (got {_num(value)})")
            return None
        return value

    def quantity(self, path: tuple[str | int, ...], value: Any, default: str) -> str:
        if value is None:
            return default
        try:
            amount = parse_quantity(value)
        except QuantityError:
            self.error(path, f"{_kind(value) if not isinstance(value, str) else repr(value)} is not a quantity: "
                             f"{v.QUANTITY_FORMAT_MSG} (e.g. 4, 500m, 8Gi)")
            return default
        if amount <= 0:
            self.error(path, "must be greater than 0")
        return str(value)

    # -- the parts of a template

    def template(self, stem: str | None) -> Template | None:
        doc = self.mapping((), self.value, _TOP, ("name", "description"))
        if doc is None:
            return None
        name = self.string(("name",), doc.get("name"), v.dns1123_label) if "name" in doc else None
        if name and stem is not None and name != stem:
            self.error(("name",), f'must match the file name ("{stem}")')
        description = self.string(("description",), doc.get("description")) if "description" in doc else None
        if description and "\n" in description.strip():
            self.error(("description",), "must be one line (it is shown in a picker)")
        seed = self.number(("seed",), doc.get("seed", 0), 0, 2**31 - 1, integer=True)
        settings = self.settings(doc.get("settings", {}))
        pools = self.pools(doc.get("nodes", []), settings)
        manifests = self.manifests(doc.get("manifests", []))
        if name is None or description is None:
            return None
        return Template(name, description.strip(), seed or 0, tuple(pools), settings, tuple(manifests), self.source)

    def settings(self, value: Any) -> Settings:
        conf = self.mapping(("settings",), value if value is not None else {}, set(_SETTINGS))
        if not conf:
            return Settings()
        got: dict[str, Any] = {}
        for key, (low, high, integer) in _SETTINGS.items():
            if key in conf:
                got[key] = self.number(("settings", key), conf[key], low, high, integer=integer)
        return Settings(
            node_monitor_grace_period=got.get("nodeMonitorGracePeriod"),
            node_lease_duration_seconds=got.get("nodeLeaseDurationSeconds"),
            default_toleration_seconds=got.get("defaultTolerationSeconds"),
            speed=float(got.get("speed") or 1.0),
            max_pods=got.get("maxPods"),
            max_nodes=got.get("maxNodes"),
        )

    def pools(self, value: Any, settings: Settings) -> list[NodePool]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(("nodes",), f"must be a list of node pools (got {_kind(value)})")
            return []
        built = [(i, self.pool(("nodes", i), item)) for i, item in enumerate(value)]
        pools = [pool for _, pool in built if pool]
        total = sum(p.count for p in pools)
        limit = min(MAX_NODES, settings.max_nodes or MAX_NODES)
        if total > limit:
            why = "settings.maxNodes" if limit == settings.max_nodes else "the most a template may have"
            self.error(("nodes",), f"{total} nodes in all; at most {limit} ({why})")
            return pools  # too many to name one by one
        seen: dict[str, int] = {}
        for i, pool in built:
            names = [node.name for node in pool.nodes()] if pool else []
            clash = next((n for n in names if n in seen), None)
            if clash:
                self.error(("nodes", i, "name"), f"node {clash} is also made by nodes[{seen[clash]}]; node names must be unique")
            for n in names:
                seen.setdefault(n, i)
        return pools

    def pool(self, path: tuple[str | int, ...], value: Any) -> NodePool | None:
        spec = self.mapping(path, value, _POOL, ("name", "count"))
        if spec is None:
            return None
        count = self.number((*path, "count"), spec["count"], 1, MAX_NODES, integer=True) if "count" in spec else None
        name = self.string((*path, "name"), spec["name"], v.dns1123_label) if "name" in spec else None
        if name and count and len(f"{name}-{count}") > 63:
            self.error((*path, "name"), f"too long: node {name}-{count} would be over 63 characters")
        pods = self.number((*path, "pods"), spec.get("pods", 110), 1, MAX_PODS_PER_NODE, integer=True)
        cpu = self.quantity((*path, "cpu"), spec.get("cpu"), "4")
        memory = self.quantity((*path, "memory"), spec.get("memory"), "8Gi")
        labels = self.labels((*path, "labels"), spec.get("labels"))
        taints = self.taints((*path, "taints"), spec.get("taints"))
        zones = self.zones(path, spec)
        if name is None or count is None or pods is None:
            return None
        return NodePool(name, count, cpu, memory, pods, labels, taints, zones)

    def labels(self, path: tuple[str | int, ...], value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(path, f"must be a mapping of label keys to values (got {_kind(value)})")
            return {}
        for key, val in value.items():
            here = (*path, str(key))
            for message in v.qualified_name(str(key)):
                self.error(here, f"key {key!r}: {message}")
            if key in KUBELET_LABELS:
                self.error(here, "the kubelet sets this label itself (use zone or zones for the zone)")
            if not isinstance(val, str):
                self.error(here, f"must be a string (got {_kind(val)}; quote it)")
                continue
            for message in v.label_value(val):
                self.error(here, message)
        return {str(k): val for k, val in value.items() if isinstance(val, str)}

    def taints(self, path: tuple[str | int, ...], value: Any) -> tuple[Taint, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(path, f"must be a list of taints (got {_kind(value)})")
            return ()
        taints: list[Taint] = []
        seen: set[tuple[str, str]] = set()
        for i, item in enumerate(value):
            here = (*path, i)
            spec = self.mapping(here, item, _TAINT, ("key", "effect"))
            if spec is None:
                continue
            key = self.string((*here, "key"), spec["key"], v.qualified_name) if "key" in spec else None
            val = spec.get("value", "")
            if not isinstance(val, str):
                self.error((*here, "value"), f"must be a string (got {_kind(val)}; quote it)")
                val = ""
            for message in v.label_value(val):
                self.error((*here, "value"), message)
            effect = spec.get("effect")
            if "effect" in spec and effect not in EFFECTS:
                self.error((*here, "effect"), f"must be one of {', '.join(EFFECTS)}")
                effect = None
            if key and effect:
                if (key, effect) in seen:
                    self.error(here, "taints must be unique by key and effect pair")
                seen.add((key, effect))
                taints.append(Taint(key, val, effect))
        return tuple(taints)

    def zones(self, path: tuple[str | int, ...], spec: dict[str, Any]) -> tuple[str, ...]:
        if "zone" in spec and "zones" in spec:
            self.error((*path, "zones"), "give zone or zones, not both")
        if "zone" in spec:
            zone = self.string((*path, "zone"), spec["zone"], v.label_value)
            return (zone,) if zone else (DEFAULT_ZONE,)
        if "zones" not in spec:
            return (DEFAULT_ZONE,)
        zones = spec["zones"]
        if not isinstance(zones, list) or not zones:
            self.error((*path, "zones"), f"must be a non-empty list of zone names (got {_kind(zones)})")
            return (DEFAULT_ZONE,)
        good = [z for i, z in enumerate(zones) if self.string((*path, "zones", i), z, v.label_value)]
        return tuple(good) or (DEFAULT_ZONE,)

    def manifests(self, value: Any) -> list[Manifest]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(("manifests",), f"must be a list of file names and objects (got {_kind(value)})")
            return []
        if len(value) > MAX_MANIFESTS:
            self.error(("manifests",), f"{len(value)} entries; at most {MAX_MANIFESTS}")
            return []
        found: list[Manifest] = []
        for i, item in enumerate(value):
            here: tuple[str | int, ...] = ("manifests", i)
            line = self.lines.get(here, 0)
            if isinstance(item, str):
                text = self.manifest_file(here, item)
                label = item
            elif isinstance(item, dict):
                text = yaml.safe_dump(item, sort_keys=False)
                label = f"manifests[{i}]"
            else:
                self.error(here, f"must be a file name in fixtures/manifests/ or an object (got {_kind(item)})")
                continue
            if text is None:
                continue
            for problem in manifest_check(text):
                # An inline object's own lines are the template's: only a file's are worth naming.
                self.error(here, f"{label}: {problem}" if isinstance(item, str) else problem.message)
            found.append(Manifest(i, label, line, text))
        return found

    def manifest_file(self, path: tuple[str | int, ...], name: str) -> str | None:
        root = MANIFESTS_DIR.resolve()
        file = (MANIFESTS_DIR / name).resolve()
        if not name or root not in file.parents:
            self.error(path, f"{name!r}: must be a file name inside fixtures/manifests/")
            return None
        if not file.is_file():
            self.error(path, f"{name!r}: no such file in fixtures/manifests/")
            return None
        try:
            return file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            self.error(path, f"{name!r}: not UTF-8 text (byte {exc.start})")
            return None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"{value!r}" if value else "an empty string"
    return repr(value)


def _num(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"
