"""Lessons 2–6 keep the authoring rules of issue 14 that a play-through cannot see: their
place in /lessons/, enough steps and questions, a hint and a solution for every wait, a
runnable kubectl command next to each change a button makes, and a word on where kubeviz simplifies."""
from __future__ import annotations

import pytest

from kubeviz.lessons.loader import lesson_load

LESSONS = [
    # slug, order, template
    ("desired-state", 2, "demo"),
    ("self-healing", 3, "demo"),
    ("node-failure", 4, "demo"),
    ("bin-packing", 5, "demo"),
    ("rolling-update", 6, "demo"),
]
#: the kubectl verb (kubeviz's reading) that does what each button does
KUBECTL_FOR = {"apply": "apply", "scale": "scale", "set-image": "set image", "undo": "rollout undo"}

@pytest.mark.parametrize(("slug", "order", "template"), LESSONS)
def test_lesson_is_placed_and_sized_as_planned(slug, order, template):
    lesson = lesson_load(slug)
    assert (lesson.order, lesson.template) == (order, template)
    assert 5 <= len(lesson.steps) <= 9
    assert sum(step.question is not None for step in lesson.steps) >= 2


@pytest.mark.parametrize(("slug", "order", "template"), LESSONS)
def test_every_wait_has_hints_and_a_solution(slug, order, template):
    for step in lesson_load(slug).steps:
        if step.wait is not None:
            assert step.hints, f"{slug} step {step.index} ({step.title}) has a wait but no hint"
            assert step.solution, f"{slug} step {step.index} ({step.title}) has a wait but no solution"


@pytest.mark.parametrize(("slug", "order", "template"), LESSONS)
def test_every_change_a_button_makes_has_its_runnable_kubectl_command(slug, order, template):
    for step in lesson_load(slug).steps:
        verbs = {a.args["parsed"].verb for a in step.actions if a.kind == "kubectl" and a.runnable}
        for action in step.actions:
            button = action.args.get("do") if action.kind == "do" else action.kind
            if button in KUBECTL_FOR:
                assert KUBECTL_FOR[button] in verbs, (
                    f"{slug} step {step.index} ({step.title}): {action.label} has no kubectl {KUBECTL_FOR[button]}")


@pytest.mark.parametrize(("slug", "order", "template"), LESSONS)
def test_lesson_says_where_kubeviz_simplifies(slug, order, template):
    assert any("> **Simplified:**" in step.text for step in lesson_load(slug).steps)
