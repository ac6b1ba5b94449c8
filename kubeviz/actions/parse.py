"""Reading an action spec (docs/actions.md) into an ``Action``, refusing every problem at
once with its path inside the lesson or exercise (``steps[1].actions[0].do``), so that the
content checkers can turn paths into line numbers."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubeviz.apiserver.apply import MAX_MANIFEST_BYTES, manifest_check
from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.selectors import parse_label_selector
from kubeviz.engine.control import COMPONENTS

KINDS = ("apply", "manifest", "do", "kubectl", "clock", "next", "settle")
CLOCK_MODES = ("live", "paused", "step")

#: the keys of each ``do:`` action: name → (type, required). ``namespace`` and ``label`` are
#: allowed everywhere; ``pod-delete`` and ``pod-crash`` take ``name`` or ``selector``.
DO_KEYS: dict[str, dict[str, tuple[type, bool]]] = {
    "scale": {"name": (str, True), "replicas": (int, True)},
    "set-image": {"name": (str, True), "image": (str, True), "container": (str, False)},
    "undo": {"name": (str, True), "to_revision": (int, False)},
    "pod-delete": {"name": (str, False), "selector": (str, False)},
    "pod-crash": {"name": (str, False), "selector": (str, False)},
    "node-fail": {"node": (str, True)},
    "node-recover": {"node": (str, True)},
    "node-cordon": {"node": (str, True)},
    "node-uncordon": {"node": (str, True)},
    "node-add": {"cpu": (str, False), "memory": (str, False)},
    "component-stop": {"component": (str, True)},
    "component-start": {"component": (str, True)},
    "traffic": {"service": (str, True), "requests": (int, False)},
    "delete": {"kind": (str, True), "name": (str, True)},
}
#: the limits of numbers an author may write (the services check them again)
MAX_NEXT = 1000
MAX_SETTLE = 86400


class ActionError(Exception):
    """Every problem with an action, each as (path, message); ``str()`` lists them."""

    def __init__(self, problems: list[tuple[str, str]] | str, where: str = ""):
        if isinstance(problems, str):
            problems = [(where, problems)]
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" if path else message for path, message in problems))


@dataclass(frozen=True)
class Action:
    """A parsed action. ``args`` holds the kind's own keys (for ``apply`` and ``manifest``
    the YAML text, read once when parsed; for ``kubectl`` the parsed command)."""

    kind: str
    label: str
    args: dict[str, Any] = field(default_factory=dict)
    where: str = ""
    #: kubectl only: False when the command is shown but not run by kubeviz (``run: false``)
    runnable: bool = True


def _type_name(kind: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}[kind]


def _is(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, kind)


def read_content_file(base: Path | str | None, relative: Any) -> str:
    """A file shipped with the lesson or exercise: a relative path inside ``base``, never
    ``..`` or absolute (content must not read the host's files). Raises ``ValueError``."""
    if base is None:
        raise ValueError("no content directory to read files from (pass base=)")
    if not isinstance(relative, str) or not relative.strip():
        raise ValueError("must be the path of a file shipped with the content")
    path = Path(relative)
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f'"{relative}" must be a path inside the content\'s own directory (no "..", not absolute)')
    root = Path(base).resolve()
    target = (root / path).resolve()
    if root not in target.parents:
        raise ValueError(f'"{relative}" leads outside the content\'s own directory')
    if not target.is_file():
        raise ValueError(f'no file "{relative}" next to the content')
    if target.stat().st_size > MAX_MANIFEST_BYTES:
        raise ValueError(f'"{relative}" is larger than {MAX_MANIFEST_BYTES} bytes (1 MiB)')
    try:
        return target.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f'"{relative}" is not UTF-8 text (byte {exc.start})') from None


def _manifest_problems(text: str) -> list[str]:
    return [str(e) for e in manifest_check(text)]


def parse_action(spec: Any, *, where: str = "", base: Path | str | None = None) -> Action:
    """Check ``spec`` and return its ``Action``; raise ``ActionError`` listing every
    problem by path. ``base`` is the content's directory, for ``apply`` and ``kubectl apply -f``."""
    problems: list[tuple[str, str]] = []

    def at(key: str) -> str:
        return f"{where}.{key}" if where else key

    if not isinstance(spec, dict):
        raise ActionError([(where, f"an action must be a mapping with one of {', '.join(KINDS)}")])
    kinds = [k for k in KINDS if k in spec]
    if len(kinds) != 1:
        found = f"found {', '.join(kinds)}" if kinds else f"found none (keys: {', '.join(map(str, spec)) or 'none'})"
        raise ActionError([(where, f"an action has exactly one of {', '.join(KINDS)}; {found}")])
    kind = kinds[0]
    value = spec[kind]
    label = spec.get("label")
    if label is not None and (not isinstance(label, str) or not label.strip()):
        problems.append((at("label"), "must be a non-empty string"))
        label = None
    allowed = {kind, "label"} | _OPTIONAL.get(kind, set())
    if kind == "do" and isinstance(value, str) and value in DO_KEYS:
        allowed |= set(DO_KEYS[value]) | {"namespace"}
    for key in spec:
        if key not in allowed:
            problems.append((at(str(key)), f"unknown key for a {kind} action" + (f" {value}" if kind == "do" else "")))

    args: dict[str, Any] = {}
    runnable = True
    if kind == "apply":
        try:
            args = {"path": value, "text": read_content_file(base, value)}
        except ValueError as exc:
            problems.append((at(kind), str(exc)))
        else:
            problems += [(at(kind), f"{value}: {p}") for p in _manifest_problems(args["text"])]
    elif kind == "manifest":
        if not isinstance(value, str) or not value.strip():
            problems.append((at(kind), "must be the YAML of one or more objects"))
        else:
            args = {"text": value}
            problems += [(at(kind), p) for p in _manifest_problems(value)]
    elif kind == "do":
        args, found = _do_args(spec, at)
        problems += found
    elif kind == "kubectl":
        run = spec.get("run", True)
        if not isinstance(run, bool):
            problems.append((at("run"), "must be true or false"))
            run = False  # whether to read the command is unknown: the problem above says so
        runnable = run
        if not isinstance(value, str) or not value.strip():
            problems.append((at(kind), "must be the command, as a learner would type it"))
        else:
            args = {"command": value.strip()}
            if runnable:
                from .kubectl import KubectlError, parse_kubectl

                try:
                    args["parsed"] = parse_kubectl(value, base=base)
                except KubectlError as exc:
                    problems.append((at(kind), str(exc)))
    elif kind == "clock":
        if value not in CLOCK_MODES:
            problems.append((at(kind), f"must be one of {', '.join(CLOCK_MODES)}"))
        speed = spec.get("speed")
        if speed is not None and not (_is(speed, float) and 0.05 <= speed <= 100):
            problems.append((at("speed"), "must be a number from 0.05 to 100"))
        args = {"mode": value, "speed": speed}
    elif kind == "next":
        if not (_is(value, int) and 1 <= value <= MAX_NEXT):
            problems.append((at(kind), f"must be a whole number of component actions from 1 to {MAX_NEXT}"))
        args = {"actions": value}
    elif kind == "settle":
        if not (_is(value, float) and 0 < value <= MAX_SETTLE):
            problems.append((at(kind), f"must be a number of simulated seconds, more than 0 and at most {MAX_SETTLE}"))
        args = {"seconds": value}
    if problems:
        raise ActionError(problems)
    action = Action(kind=kind, label="", args=args, where=where, runnable=runnable)
    return Action(kind=kind, label=label or default_label(action), args=args, where=where, runnable=runnable)


#: the keys other than the kind and ``label`` each kind allows
_OPTIONAL = {"clock": {"speed"}, "kubectl": {"run"}}


def _do_args(spec: dict, at: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    name = spec["do"]
    if name not in DO_KEYS:
        return {}, [(at("do"), f"unknown dashboard action {name!r}; kubeviz has {', '.join(DO_KEYS)}")]
    problems: list[tuple[str, str]] = []
    args: dict[str, Any] = {"do": name}
    namespace = spec.get("namespace", "default")
    if not isinstance(namespace, str) or not namespace:
        problems.append((at("namespace"), "must be a namespace's name"))
    args["namespace"] = namespace
    for key, (kind, required) in DO_KEYS[name].items():
        if key not in spec:
            if required:
                problems.append((at(key), f"is required by do: {name}"))
            continue
        if not _is(spec[key], kind) or (kind is str and not spec[key].strip()):
            problems.append((at(key), f"must be {_type_name(kind)}" + (" (not empty)" if kind is str else "")))
            continue
        args[key] = spec[key]
    if name in ("pod-delete", "pod-crash") and ("name" in spec) == ("selector" in spec):
        problems.append((at("do"), f"do: {name} names its pod by exactly one of name or selector"))
    if isinstance(args.get("selector"), str):
        try:
            parse_label_selector(args["selector"])
        except StatusError as exc:
            problems.append((at("selector"), exc.message))
    if name.startswith("component-") and args.get("component") not in (None, *COMPONENTS):
        problems.append((at("component"), f"must be one of {', '.join(COMPONENTS)}"))
    if name == "scale" and isinstance(args.get("replicas"), int) and not 0 <= args["replicas"] <= 1000:
        problems.append((at("replicas"), "must be from 0 to 1000"))
    if name == "traffic":
        args.setdefault("requests", 10)
    return args, problems


def default_label(action: Action) -> str:
    """The button's text when the author gave none."""
    a = action.args
    if action.kind == "apply":
        return f"Apply {a.get('path', '')}"
    if action.kind == "manifest":
        return "Apply the manifest"
    if action.kind == "kubectl":
        return "Run it"
    if action.kind == "clock":
        return {"live": "Play", "paused": "Pause", "step": "Step mode"}[a["mode"]]
    if action.kind == "next":
        return "Next step" if a["actions"] == 1 else f"Next {a['actions']} steps"
    if action.kind == "settle":
        return f"Let {a['seconds']:g} s pass"
    name = a["do"]
    target = a.get("name") or a.get("selector") or a.get("node") or a.get("component") or a.get("service") or ""
    words = {
        "scale": f"Scale {target} to {a.get('replicas')}", "set-image": f"Set the image of {target} to {a.get('image')}",
        "undo": f"Undo the rollout of {target}", "pod-delete": f"Delete pod {target}", "pod-crash": f"Crash pod {target}",
        "node-fail": f"Fail {target}", "node-recover": f"Recover {target}", "node-cordon": f"Cordon {target}",
        "node-uncordon": f"Uncordon {target}", "node-add": "Add a node", "component-stop": f"Stop the {target}",
        "component-start": f"Start the {target}", "traffic": f"Send {a.get('requests')} requests to {target}",
        "delete": f"Delete {a.get('kind')} {target}",
    }
    return words[name]
