"""The lesson loader: a lesson directory read into dataclasses, every problem with its line."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kubeviz.lessons.loader import MAX_LESSON_BYTES, MAX_STEPS, LessonError, lesson_load

GOOD = """\
title: A lesson
summary: What it teaches.
level: beginner
minutes: 5
template: single-node
steps:
  - title: Look
    text: intro.md
    clock: step
    focus: [apiserver, pod/web]
    hints: [Look at the diagram.]
  - title: Think
    text: |
      Which component **acts** next?
    question:
      kind: choice
      prompt: Who stores objects?
      options: [etcd, kubelet]
      answer: etcd
"""


def _lesson(tmp_path: Path, text: str, files: dict[str, str] | None = None, slug: str = "a-lesson") -> Path:
    directory = tmp_path / slug
    directory.mkdir()
    (directory / "lesson.yaml").write_text(textwrap.dedent(text))
    for name, content in {"intro.md": "# Hello\n", **(files or {})}.items():
        (directory / name).write_text(content)
    return directory


def test_a_good_lesson_loads_into_steps(tmp_path):
    lesson = lesson_load(str(_lesson(tmp_path, GOOD)))
    assert (lesson.slug, lesson.title, lesson.level, lesson.minutes, lesson.template) == (
        "a-lesson", "A lesson", "beginner", 5, "single-node")
    first, second = lesson.steps
    assert first.text == "# Hello\n" and first.clock == "step" and first.focus == ("apiserver", "pod/web")
    assert first.hints == ("Look at the diagram.",)
    assert second.text.startswith("Which component") and second.question.answer == "etcd"


@pytest.mark.parametrize(("change", "expected"), [
    (("level: beginner", "level: expert"), ":3: level: must be one of beginner, intermediate, advanced"),
    (("template: single-node", "template: nowhere"), ':5: template: no cluster template "nowhere"'),
    (("minutes: 5", "minutes: five"), ":4: minutes: must be an integer"),
    (("    clock: step", "    clock: fast"), ":9: steps[0].clock: must be one of live, paused, step"),
    (("    text: intro.md", "    text: missing.md"), ":8: steps[0].text: 'missing.md': no such file"),
    (("    text: intro.md", "    text: ../escape.md"), ":8: steps[0].text: '../escape.md': must be a file inside"),
    (("pod/web]", "pod/web, scheduller]"), ":10: steps[0].focus[2]: 'scheduller' is neither a component"),
    (("      answer: etcd", "      answer: api"), ":19: steps[1].question.answer: must be one of the options"),
    (("      kind: choice", "      kind: prediction"), ":15: steps[1].question: observe is required"),
    (("    hints:", "    hintz:"), ":11: steps[0].hintz: unknown key"),
    (("title: A lesson\n", ""), ":1: title is required"),
])
def test_every_problem_names_file_line_and_path(tmp_path, change, expected):
    old, new = change
    assert old in GOOD
    with pytest.raises(LessonError) as caught:
        lesson_load(str(_lesson(tmp_path, GOOD.replace(old, new, 1))))
    assert any(expected in str(p) for p in caught.value.problems), str(caught.value)
    assert all(str(p).startswith(("a-lesson/lesson.yaml", str(tmp_path))) for p in caught.value.problems)


def test_several_problems_are_reported_at_once(tmp_path):
    text = GOOD.replace("level: beginner", "level: expert").replace("    clock: step", "    clock: fast")
    with pytest.raises(LessonError) as caught:
        lesson_load(str(_lesson(tmp_path, text)))
    assert len(caught.value.problems) == 2


def test_limits_are_checked_before_parsing(tmp_path):
    with pytest.raises(LessonError, match=f"the limit is {MAX_LESSON_BYTES}"):
        lesson_load(str(_lesson(tmp_path, "# " + "x" * MAX_LESSON_BYTES + "\n")))
    steps = "".join(f"  - {{title: S{i}, text: hi}}\n" for i in range(MAX_STEPS + 1))
    head = GOOD.split("steps:")[0]
    with pytest.raises(LessonError, match=f"at most {MAX_STEPS}"):
        lesson_load(str(_lesson(tmp_path, head + "steps:\n" + steps, slug="many")))


def test_a_missing_lesson_and_bad_yaml(tmp_path):
    with pytest.raises(LessonError, match='no lesson "nowhere"'):
        lesson_load("nowhere")
    with pytest.raises(LessonError, match=r"lesson.yaml:2"):
        lesson_load(str(_lesson(tmp_path, "title: x\n  bad: [\n")))
