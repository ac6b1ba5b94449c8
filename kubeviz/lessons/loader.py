"""Read a lesson directory (fixtures/lessons/<slug>/) into typed, checked dataclasses.

The whole lesson is checked before it is used and every problem is reported at once, each
as ``file:line: path: problem`` (the check language's and the action runner's problems,
which name a path inside the lesson, are turned into lines too), so an author fixes a
lesson in one pass. Sizes are bounded before anything is parsed. The format is documented
for authors in docs/lessons.md.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings

from kubeviz.actions import ActionError, parse_action
from kubeviz.apiserver import validation as v
from kubeviz.apiserver.manifests import ManifestError, load_located
from kubeviz.apiserver.selectors import parse_label_selector
from kubeviz.checks import CheckError, parse_check
from kubeviz.clusters.templates import Problem, TemplateError, _Checker, template_load, template_names
from kubeviz.content.files import UnreadableFile, read_text

BASE_DIR = Path(django_settings.BASE_DIR)
LESSONS_DIR = BASE_DIR / "fixtures" / "lessons"
LESSON_FILE = "lesson.yaml"

MAX_LESSON_BYTES = 256 * 1024
MAX_TEXT_BYTES = 64 * 1024
MAX_STEPS = 60
MAX_ITEMS = 20  # actions, hints, options, solution actions per step
LEVELS = ("beginner", "intermediate", "advanced")
CLOCKS = ("live", "paused", "step")
QUESTION_KINDS = ("prediction", "choice")
#: who may act: the names a prediction's options and a step's focus use (no node names)
COMPONENTS = ("client", "apiserver", "etcd", "scheduler", "controller-manager", "kubelet", "runtime", "kube-proxy")
FOCUS_KINDS = {"pod": "Pod", "node": "Node", "deployment": "Deployment", "replicaset": "ReplicaSet",
               "service": "Service"}

_TOP = {"title", "summary", "level", "minutes", "order", "template", "steps"}
_STEP = {"title", "text", "clock", "focus", "actions", "wait", "question", "hints", "solution"}
_QUESTION = {"kind", "prompt", "options", "answer", "observe", "explain"}
_OBSERVE = {"kind", "name", "selector", "namespace"}


@dataclass(frozen=True)
class Observe:
    """The object a prediction is about: whose next recorded step answers it."""

    kind: str
    name: str = ""
    selector: str = ""
    namespace: str = "default"


@dataclass(frozen=True)
class Question:
    kind: str  # prediction | choice
    prompt: str
    options: tuple[str, ...]
    answer: str
    explain: str = ""
    observe: Observe | None = None


@dataclass(frozen=True)
class Step:
    index: int
    title: str
    text: str  # Markdown source
    line: int
    clock: str | None = None
    focus: tuple[str, ...] = ()
    actions: tuple[Any, ...] = ()  # kubeviz.actions Action
    wait: Any = None  # kubeviz.checks Check
    wait_spec: Any = None  # as written (shown to authors, kept for the REST API)
    question: Question | None = None
    hints: tuple[str, ...] = ()
    solution: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Lesson:
    slug: str
    title: str
    summary: str
    level: str
    minutes: int
    order: int
    template: str
    steps: tuple[Step, ...]
    directory: Path
    source: str  # lesson.yaml, as shown in messages


class LessonError(Exception):
    """A lesson that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# ---- finding ---------------------------------------------------------------------------------


def lesson_slugs() -> list[str]:
    """The shipped lessons, by directory name."""
    if not LESSONS_DIR.is_dir():
        return []
    return sorted(p.name for p in LESSONS_DIR.iterdir() if (p / LESSON_FILE).is_file())


def lesson_dir(ref: str) -> Path:
    """A lesson by slug (fixtures/lessons/<slug>/) or by path to its directory."""
    if "/" in ref or ref in (".", ".."):
        path = Path(ref)
        return path.parent if path.name == LESSON_FILE else path
    return LESSONS_DIR / ref


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(BASE_DIR.resolve()))
    except ValueError:
        return str(path)


def lessons_all() -> list[Lesson]:
    """Every shipped lesson, in their ``order`` (then title); raises on the first broken one."""
    return sorted((lesson_load(slug) for slug in lesson_slugs()), key=lambda lesson: (lesson.order, lesson.title))


#: How long a lesson read from its files is served before they are looked at again: an
#: author sees an edit within it, and a class does not stat every file on every move.
RECHECK_SECONDS = 2.0
#: slug -> (newest mtime of its files, when that was looked at, the lesson)
_cache: dict[str, tuple[float, float, Lesson]] = {}


def lesson_get(slug: str) -> Lesson | None:
    """A shipped lesson by slug, or None; read again only when one of its files changes."""
    cached = _cache.get(slug)
    now = time.monotonic()
    if cached and now - cached[1] < RECHECK_SECONDS:
        return cached[2]
    if slug not in lesson_slugs():
        _cache.pop(slug, None)
        return None
    stamp = max(p.stat().st_mtime for p in (LESSONS_DIR / slug).rglob("*") if p.is_file())
    lesson = cached[2] if cached and cached[0] == stamp else lesson_load(slug)
    _cache[slug] = (stamp, now, lesson)
    return lesson


# ---- reading ---------------------------------------------------------------------------------


def lesson_load(ref: str) -> Lesson:
    """Read and check a lesson; raise LessonError listing every problem."""
    directory = lesson_dir(ref)
    path = directory / LESSON_FILE
    source = _display(path)
    if not path.is_file():
        known = ", ".join(lesson_slugs()) or "none"
        raise LessonError([Problem(source, None, "", f'no lesson "{ref}" (no {LESSON_FILE}; the lessons are: {known})')])
    try:
        text = read_text(path, MAX_LESSON_BYTES)
    except UnreadableFile as exc:
        raise LessonError([Problem(source, None, "", str(exc))]) from None
    try:
        located = load_located(text)
    except ManifestError as exc:
        raise LessonError([Problem(source, exc.line, "", exc.message)]) from None
    checker = _LessonChecker(source, located, directory.resolve())
    lesson = checker.lesson()
    if checker.problems:
        raise LessonError(sorted(checker.problems, key=lambda p: (p.source, p.line or 0)))
    assert lesson is not None
    return lesson


def _parts(path: str) -> tuple[str | int, ...]:
    """``steps[2].wait.pods.count`` → ("steps", 2, "wait", "pods", "count")."""
    out: list[str | int] = []
    for piece in path.replace("[", ".[").split("."):
        if not piece:
            continue
        if piece.startswith("[") and piece.endswith("]") and piece[1:-1].isdigit():
            out.append(int(piece[1:-1]))
        else:
            out.append(piece)
    return tuple(out)


def _problems_of(exc: Exception) -> list[tuple[str, str]]:
    """(path, message) pairs from a CheckError or ActionError: their problems name a path
    inside the spec (``steps[2].wait.pods.count``)."""
    found: list[tuple[str, str]] = []
    for item in getattr(exc, "problems", None) or [str(exc)]:
        if isinstance(item, tuple) and len(item) == 2:
            found.append((str(item[0]), str(item[1])))
            continue
        path = getattr(item, "path", None)
        message = getattr(item, "message", None)
        if path is None or message is None:
            text = str(item)
            path, _, message = text.partition(": ") if ": " in text else ("", "", text)
        found.append((str(path), str(message)))
    return found


class _LessonChecker(_Checker):
    """The template checker's walk (lines, mappings, strings, numbers), for a lesson."""

    def __init__(self, source: str, located: Any, directory: Path):
        super().__init__(source, located)
        self.directory = directory

    def foreign(self, exc: Exception) -> None:
        for path, message in _problems_of(exc):
            self.error(_parts(path), message)

    def lesson(self) -> Lesson | None:
        doc = self.mapping((), self.value, _TOP, ("title", "summary", "level", "minutes", "template", "steps"))
        if doc is None:
            return None
        slug = self.directory.name
        for message in v.dns1123_label(slug):
            self.error((), f"the directory name {slug!r} is the lesson's slug: {message}")
        title = self.string(("title",), doc.get("title")) if "title" in doc else None
        summary = self.string(("summary",), doc.get("summary")) if "summary" in doc else None
        level = doc.get("level")
        if "level" in doc and level not in LEVELS:
            self.error(("level",), f"must be one of {', '.join(LEVELS)} (got {level!r})")
        minutes = self.number(("minutes",), doc.get("minutes"), 1, 600, integer=True) if "minutes" in doc else None
        order = self.number(("order",), doc.get("order", 1000), 0, 100_000, integer=True)
        template = self.template_ref(doc.get("template")) if "template" in doc else None
        steps = self.steps(doc.get("steps")) if "steps" in doc else []
        if None in (title, summary, minutes, template) or level not in LEVELS or not steps:
            return None
        return Lesson(slug, title.strip(), summary.strip(), level, minutes, order or 0, template, tuple(steps),
                      self.directory, self.source)

    def template_ref(self, value: Any) -> str | None:
        name = self.string(("template",), value)
        if name is None:
            return None
        if name not in template_names():
            self.error(("template",), f'no cluster template "{name}" (the templates are: {", ".join(template_names())})')
            return None
        try:
            template_load(name)
        except TemplateError as exc:
            self.error(("template",), f"the template {name} is broken: {exc.problems[0]}")
            return None
        return name

    def steps(self, value: Any) -> list[Step]:
        if not isinstance(value, list) or not value:
            self.error(("steps",), "must be a non-empty list of steps")
            return []
        if len(value) > MAX_STEPS:
            self.error(("steps",), f"{len(value)} steps; at most {MAX_STEPS}")
            return []
        built = [self.step(i, item) for i, item in enumerate(value)]
        return [s for s in built if s is not None] if all(built) else []

    def step(self, i: int, value: Any) -> Step | None:
        here: tuple[str | int, ...] = ("steps", i)
        spec = self.mapping(here, value, _STEP, ("title", "text"))
        if spec is None:
            return None
        title = self.string((*here, "title"), spec["title"]) if "title" in spec else None
        text = self.text((*here, "text"), spec["text"]) if "text" in spec else None
        clock = spec.get("clock")
        if clock is not None and clock not in CLOCKS:
            self.error((*here, "clock"), f"must be one of {', '.join(CLOCKS)} (got {clock!r})")
        focus = self.focus((*here, "focus"), spec.get("focus"))
        actions = self.actions((*here, "actions"), spec.get("actions"))
        solution = self.actions((*here, "solution"), spec.get("solution"))
        wait = self.wait((*here, "wait"), spec["wait"]) if "wait" in spec else None
        question = self.question((*here, "question"), spec["question"]) if "question" in spec else None
        hints = self.strings((*here, "hints"), spec.get("hints"))
        if title is None or text is None:
            return None
        return Step(i, title, text, self.lines.get(here, 0), clock, focus, actions, wait, spec.get("wait"), question,
                    hints, solution)

    def text(self, path: tuple[str | int, ...], value: Any) -> str | None:
        """Inline Markdown, or the name of a .md file in the lesson's directory."""
        text = self.string(path, value)
        if text is None:
            return None
        if "\n" in text.strip() or not text.strip().endswith(".md"):
            return text
        name = text.strip()
        file = (self.directory / name).resolve()
        if self.directory not in file.parents:
            self.error(path, f"{name!r}: must be a file inside the lesson's directory")
            return None
        if not file.is_file():
            self.error(path, f"{name!r}: no such file in the lesson's directory")
            return None
        if file.stat().st_size > MAX_TEXT_BYTES:
            self.error(path, f"{name!r}: {file.stat().st_size} bytes; the limit is {MAX_TEXT_BYTES}")
            return None
        try:
            return file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            self.error(path, f"{name!r}: not UTF-8 text (byte {exc.start})")
            return None

    def items(self, path: tuple[str | int, ...], value: Any, what: str) -> list[Any]:
        """A list of at most MAX_ITEMS entries (nothing: empty)."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, f"must be a list of {what} (got {_kind(value)})")
            return []
        if len(value) > MAX_ITEMS:
            self.error(path, f"{len(value)} entries; at most {MAX_ITEMS}")
            return []
        return value

    def strings(self, path: tuple[str | int, ...], value: Any) -> tuple[str, ...]:
        items = self.items(path, value, "strings")
        return tuple(s for j, s in enumerate(items) if self.string((*path, j), s) is not None)

    def focus(self, path: tuple[str | int, ...], value: Any) -> tuple[str, ...]:
        names = self.strings(path, value)
        for j, name in enumerate(value if names else []):
            if not isinstance(name, str):
                continue
            kind, slash, target = name.partition("/")
            if not slash and name in COMPONENTS:
                continue
            if slash and kind in FOCUS_KINDS and target:
                continue
            self.error((*path, j), f"{name!r} is neither a component ({', '.join(COMPONENTS)}) nor "
                                   f"an object ({', '.join(k + '/<name>' for k in FOCUS_KINDS)})")
        return names

    def actions(self, path: tuple[str | int, ...], value: Any) -> tuple[Any, ...]:
        parsed = []
        for j, spec in enumerate(self.items(path, value, "actions")):
            try:
                parsed.append(parse_action(spec, where=_dotted((*path, j)), base=self.directory))
            except ActionError as exc:
                self.foreign(exc)
        return tuple(parsed)

    def wait(self, path: tuple[str | int, ...], value: Any) -> Any:
        try:
            return parse_check(value, where=_dotted(path))
        except CheckError as exc:
            self.foreign(exc)
            return None

    def question(self, path: tuple[str | int, ...], value: Any) -> Question | None:
        spec = self.mapping(path, value, _QUESTION, ("kind", "prompt", "options", "answer"))
        if spec is None:
            return None
        kind = spec.get("kind")
        if "kind" in spec and kind not in QUESTION_KINDS:
            self.error((*path, "kind"), f"must be one of {', '.join(QUESTION_KINDS)} (got {kind!r})")
            kind = None
        prompt = self.string((*path, "prompt"), spec["prompt"]) if "prompt" in spec else None
        options = self.strings((*path, "options"), spec.get("options"))
        if "options" in spec and len(options) < 2:
            self.error((*path, "options"), "give at least two options")
        if len(set(options)) != len(options):
            self.error((*path, "options"), "each option may appear once")
        answer = spec.get("answer")
        if "answer" in spec and answer not in options:
            self.error((*path, "answer"), f"must be one of the options (got {answer!r})")
        explain = spec.get("explain", "")
        if explain and not isinstance(explain, str):
            self.error((*path, "explain"), f"must be Markdown text (got {_kind(explain)})")
            explain = ""
        observe = None
        if kind == "prediction":
            for j, option in enumerate(options):
                if option not in COMPONENTS:
                    self.error((*path, "options", j), f"a prediction's options are components ({', '.join(COMPONENTS)})")
            if "observe" not in spec:
                self.error(path, "observe is required for a prediction (the object whose next step answers it)")
            else:
                observe = self.observe((*path, "observe"), spec["observe"])
        elif "observe" in spec:
            self.error((*path, "observe"), "only a prediction observes an object")
        if kind is None or prompt is None or answer not in options or (kind == "prediction" and observe is None):
            return None
        return Question(kind, prompt, options, answer, explain, observe)

    def observe(self, path: tuple[str | int, ...], value: Any) -> Observe | None:
        spec = self.mapping(path, value, _OBSERVE, ("kind",))
        if spec is None:
            return None
        kind = self.string((*path, "kind"), spec["kind"]) if "kind" in spec else None
        name, selector = spec.get("name", ""), spec.get("selector", "")
        if bool(name) == bool(selector):
            self.error(path, "give name or selector (one of them)")
            return None
        if selector:
            try:
                parse_label_selector(str(selector))
            except Exception as exc:  # noqa: BLE001 (the parser's own error type varies by problem)
                self.error((*path, "selector"), f"not a label selector: {exc}")
                return None
        namespace = spec.get("namespace", "default")
        if kind is None or not isinstance(namespace, str):
            return None
        return Observe(kind, str(name), str(selector), namespace)


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)
