"""Exercises: one YAML file each (fixtures/exercises/<slug>.yaml, format in docs/exercises.md).

A file is read with the manifest form's YAML loader (no aliases, depth capped) after its
size is checked, and the whole of it is checked before it is used: every problem at once,
each as ``file:line: path: problem``, so an author fixes an exercise in one pass. Checks
and actions are parsed by their own packages (kubeviz.checks, kubeviz.actions); the paths
of their problems are mapped back to lines of the file here.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings

from kubeviz.actions import Action, ActionError, parse_action
from kubeviz.apiserver.manifests import Located, ManifestError, load_located
from kubeviz.checks import Check, CheckError, parse_check
from kubeviz.clusters.templates import Problem, _Checker, _display, _dotted, _kind, template_names
from kubeviz.content.files import UnreadableFile, read_text

BASE_DIR = Path(django_settings.BASE_DIR)
EXERCISES_DIR = BASE_DIR / "fixtures" / "exercises"

MAX_FILE_BYTES = 128 * 1024
MAX_TASK_CHARS = 20_000
MAX_OBJECTIVES = 30
MAX_ACTIONS = 50  # per list: setup, solution, one wrong attempt
MAX_HINTS = 20
MAX_WRONG_ATTEMPTS = 10
MAX_WEIGHT = 100
MAX_MINUTES = 240

LEVELS = ("beginner", "intermediate", "advanced")
#: the curriculum's domains, then the exams an exercise prepares for
DOMAINS = ("pods", "namespaces", "labels", "deployments", "jobs", "config", "scheduling", "probes", "services",
           "workloads", "troubleshooting", "storage", "security")
EXAMS = ("CKAD", "CKA")
TAGS = DOMAINS + EXAMS

_TOP = {"title", "level", "tags", "minutes", "template", "task", "setup", "objectives", "hints", "solution",
        "wrong_attempts", "untouched_score"}
_REQUIRED = ("title", "level", "tags", "minutes", "template", "task", "objectives", "solution", "wrong_attempts")
_OBJECTIVE = {"title", "weight", "check", "message", "hidden"}
_WRONG = {"title", "actions", "score", "messages"}
_SLUG = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# "objectives[0].check.pods.count" -> ("objectives", 0, "check", "pods", "count")
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Objective:
    title: str
    weight: int
    check: Check
    message: str  # shown when it fails, before the check's own advice
    hidden: bool


@dataclass(frozen=True)
class WrongAttempt:
    title: str
    actions: tuple[Action, ...]
    score: int
    messages: tuple[str, ...]  # each a substring of some failing objective's message


@dataclass(frozen=True)
class Exercise:
    slug: str
    title: str
    level: str
    tags: tuple[str, ...]
    minutes: int
    template: str
    task: str  # Markdown (kubeviz.content.markdown.render_markdown)
    setup: tuple[Action, ...]
    objectives: tuple[Objective, ...]
    hints: tuple[str, ...]
    solution: tuple[Action, ...]
    wrong_attempts: tuple[WrongAttempt, ...]
    untouched_score: int
    source: str  # the file, as shown in messages

    @property
    def maximum(self) -> int:
        return sum(o.weight for o in self.objectives)

    @property
    def hidden_count(self) -> int:
        return sum(1 for o in self.objectives if o.hidden)


class ExerciseError(Exception):
    """An exercise that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# ---- finding and reading -------------------------------------------------------------------


def exercise_names() -> list[str]:
    """The shipped exercises, by slug."""
    return sorted(p.stem for p in EXERCISES_DIR.glob("*.yaml"))


def exercise_path(ref: str) -> Path:
    """An exercise by slug (fixtures/exercises/<slug>.yaml) or by path to a file."""
    if "/" in ref or ref.endswith((".yaml", ".yml")):
        return Path(ref)
    return EXERCISES_DIR / f"{ref}.yaml"


def exercise_load(ref: str) -> Exercise:
    """Read and check an exercise; raise ExerciseError listing every problem."""
    path = exercise_path(ref)
    source = _display(path)
    if not path.is_file():
        raise ExerciseError([Problem(source, None, "", f'no exercise "{ref}" (the exercises are: '
                                                       f'{", ".join(exercise_names()) or "none"})')])
    try:
        text = read_text(path, MAX_FILE_BYTES)
    except UnreadableFile as exc:
        raise ExerciseError([Problem(source, None, "", str(exc))]) from None
    return exercise_parse(text, source=source, slug=path.stem, base=path.parent)


@lru_cache(maxsize=256)
def _cached(ref: str, mtime: float) -> Exercise:
    return exercise_load(ref)


def exercise_get(slug: str) -> Exercise:
    """A shipped exercise by slug, parsed once per version of its file (the key carries the
    file's mtime). Unknown or broken: ExerciseError."""
    if not _SLUG.match(slug) or slug not in exercise_names():
        raise ExerciseError([Problem(slug, None, "", f'no exercise "{slug}"')])
    return _cached(slug, exercise_path(slug).stat().st_mtime)


def exercise_check(refs: Iterable[str] = ()) -> tuple[list[Exercise], list[Problem]]:
    """Check exercises (all shipped ones when ``refs`` is empty): those that passed, and
    every problem found in the others."""
    passed: list[Exercise] = []
    problems: list[Problem] = []
    for ref in list(refs) or exercise_names():
        try:
            passed.append(exercise_load(ref))
        except ExerciseError as exc:
            problems.extend(exc.problems)
    return passed, problems


def exercise_parse(text: str, *, source: str, slug: str, base: Path | None = None) -> Exercise:
    """Check an exercise's text; ``base`` is where its manifest files are looked up."""
    if len(text.encode()) > MAX_FILE_BYTES:
        raise ExerciseError([Problem(source, None, "", f"the text is over {MAX_FILE_BYTES} bytes")])
    try:
        located = load_located(text)
    except ManifestError as exc:
        raise ExerciseError([Problem(source, exc.line, "", exc.message)]) from None
    checker = _ExerciseChecker(source, located, base or EXERCISES_DIR)
    exercise = checker.exercise(slug)
    if checker.problems:
        raise ExerciseError(sorted(checker.problems, key=lambda p: (p.line or 0, p.path)))
    assert exercise is not None
    return exercise


# ---- checking --------------------------------------------------------------------------------


def _undotted(text: str) -> Path_:
    return tuple(int(index) if index else name for name, index in _PATH_PART.findall(text))


def _sub_problems(exc: CheckError | ActionError, where: str) -> list[tuple[str, str]]:
    """(path, message) of each problem a CheckError or ActionError carries."""
    return [(str(path) or where, str(message)) for path, message in exc.problems] or [(where, str(exc))]


class _ExerciseChecker(_Checker):
    """The cluster templates' checker (one walk, every problem with the line of its field),
    with the parts of an exercise."""

    def __init__(self, source: str, located: Located, base: Path):
        super().__init__(source, located)
        self.base = base

    def text(self, path: Path_, value: Any, *, limit: int = 200, one_line: bool = True) -> str:
        if not isinstance(value, str) or not value.strip():
            self.error(path, f"must be a non-empty string (got {_kind(value)})")
            return ""
        if len(value) > limit:
            self.error(path, f"is {len(value)} characters; the limit is {limit}")
        if one_line and "\n" in value.strip():
            self.error(path, "must be one line")
        return value.strip()

    def integer(self, path: Path_, value: Any, low: int, high: int) -> int:
        """A whole number in range (``low`` stands in for a wrong one, so checking goes on)."""
        got = self.number(path, value, low, high, integer=True)
        return low if got is None else got

    def items(self, path: Path_, value: Any, limit: int, *, required: bool = True) -> list[Any]:
        if not isinstance(value, list):
            self.error(path, f"must be a list (got {_kind(value)})")
            return []
        if required and not value:
            self.error(path, "must list at least one")
        if len(value) > limit:
            self.error(path, f"lists {len(value)}; the limit is {limit}")
            return []
        return value

    def located(self, exc: Exception, where: str) -> None:
        for path, message in _sub_problems(exc, where):
            self.error(_undotted(path), message)

    # -- the parts of an exercise

    def exercise(self, slug: str) -> Exercise | None:
        doc = self.mapping((), self.value, _TOP, _REQUIRED)
        if doc is None:
            return None
        if not _SLUG.match(slug):
            self.error((), f'the file name "{slug}" must be a slug (lowercase letters, digits and -)')
        title = self.text(("title",), doc.get("title"))
        level = doc.get("level")
        if "level" in doc and level not in LEVELS:
            self.error(("level",), f"must be one of {', '.join(LEVELS)} (got {level!r})")
        tags = self.tags(doc.get("tags", []))
        minutes = self.integer(("minutes",), doc.get("minutes", 1), 1, MAX_MINUTES)
        template = doc.get("template")
        if "template" in doc and template not in template_names():
            self.error(("template",), f"no cluster template {template!r} (the templates are: "
                                      f"{', '.join(template_names())})")
        task = self.text(("task",), doc.get("task"), limit=MAX_TASK_CHARS, one_line=False) if "task" in doc else ""
        setup = self.actions(("setup",), doc.get("setup", []), required=False)
        objectives = self.objectives(doc.get("objectives", []))
        hints = tuple(self.text(("hints", i), hint, limit=1000, one_line=False)
                      for i, hint in enumerate(self.items(("hints",), doc.get("hints", []), MAX_HINTS, required=False)))
        solution = self.actions(("solution",), doc.get("solution", []), required="solution" in doc)
        maximum = sum(o.weight for o in objectives)
        wrong = self.wrong_attempts(doc.get("wrong_attempts", []), maximum)
        untouched = self.integer(("untouched_score",), doc.get("untouched_score", 0), 0, max(maximum, 0))
        return Exercise(slug, title, level or "", tags, minutes, template or "", task, setup, objectives, hints,
                        solution, wrong, untouched, self.source)

    def tags(self, value: Any) -> tuple[str, ...]:
        tags = self.items(("tags",), value, len(TAGS))
        for i, tag in enumerate(tags):
            if tag not in TAGS:
                self.error(("tags", i), f"unknown tag {tag!r} (the tags are: {', '.join(TAGS)})")
        if tags and not any(tag in DOMAINS for tag in tags):
            self.error(("tags",), f"must name at least one domain ({', '.join(DOMAINS)})")
        return tuple(t for t in tags if t in TAGS)

    def actions(self, path: Path_, value: Any, *, required: bool) -> tuple[Action, ...]:
        out = []
        for i, spec in enumerate(self.items(path, value, MAX_ACTIONS, required=required)):
            where = _dotted((*path, i))
            try:
                action = parse_action(spec, where=where, base=self.base)
            except ActionError as exc:
                self.located(exc, where)
                continue
            if not action.runnable:
                self.error((*path, i), "is played by exercise_check and the tests: it must be an action kubeviz "
                                       "runs (not run: false)")
            out.append(action)
        return tuple(out)

    def objectives(self, value: Any) -> tuple[Objective, ...]:
        out = []
        for i, spec in enumerate(self.items(("objectives",), value, MAX_OBJECTIVES)):
            path: Path_ = ("objectives", i)
            doc = self.mapping(path, spec, _OBJECTIVE, ("title", "check", "message"))
            if doc is None:
                continue
            title = self.text((*path, "title"), doc.get("title"))
            weight = self.integer((*path, "weight"), doc.get("weight", 1), 1, MAX_WEIGHT)
            message = self.text((*path, "message"), doc.get("message"), limit=1000, one_line=False)
            hidden = doc.get("hidden", False)
            if not isinstance(hidden, bool):
                self.error((*path, "hidden"), f"must be true or false (got {_kind(hidden)})")
            if "check" not in doc:
                continue
            where = _dotted((*path, "check"))
            try:
                check = parse_check(doc["check"], where=where)
            except CheckError as exc:
                self.located(exc, where)
                continue
            out.append(Objective(title, weight, check, message, hidden is True))
        if value and isinstance(value, list) and all(isinstance(o, dict) and o.get("hidden") is True for o in value):
            self.error(("objectives",), "at least one objective must be visible (not hidden)")
        return tuple(out)

    def wrong_attempts(self, value: Any, maximum: int) -> tuple[WrongAttempt, ...]:
        out = []
        for i, spec in enumerate(self.items(("wrong_attempts",), value, MAX_WRONG_ATTEMPTS)):
            path: Path_ = ("wrong_attempts", i)
            doc = self.mapping(path, spec, _WRONG, ("title", "actions", "score"))
            if doc is None:
                continue
            title = self.text((*path, "title"), doc.get("title"))
            actions = self.actions((*path, "actions"), doc.get("actions", []), required=True)
            score = self.integer((*path, "score"), doc.get("score", 0), 0, max(maximum, 0))
            if maximum and score >= maximum:
                self.error((*path, "score"), f"a wrong attempt must score less than full marks ({maximum})")
            messages = tuple(self.text((*path, "messages", j), text, limit=200) for j, text in
                             enumerate(self.items((*path, "messages"), doc.get("messages", []), 20, required=False)))
            out.append(WrongAttempt(title, actions, score, messages))
        return tuple(out)
