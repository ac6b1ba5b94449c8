"""Every shipped lesson keeps the authoring rules of issue 14 that a play-through cannot
see: its place in /lessons/ and its template, enough steps and questions, a hint for every wait and a
solution for every step that asks for work, the kubectl command beside each change a button makes, and a word
on where kubeviz simplifies. (The play-through itself is test_playthrough.py.)"""
from __future__ import annotations

import pytest

from kubeviz.actions import ActionError, run_action
from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.services import cluster_create
from kubeviz.lessons.loader import lesson_load

LESSONS = [
    # slug, order, template
    ("life-of-a-pod", 1, None),
    ("desired-state", 2, "demo"),
    ("self-healing", 3, "demo"),
    ("node-failure", 4, "demo"),
    ("bin-packing", 5, "demo"),
    ("rolling-update", 6, "demo"),
    ("scheduling-choices", 7, "zones"),
    ("services", 8, "demo"),
    ("config-and-secrets", 9, "single-node"),
    ("daemonsets-statefulsets-jobs", 10, "demo"),
    ("etcd-and-watches", 11, "single-node"),
    ("namespaces-labels-gc", 12, "demo"),
    ("autoscaling", 13, None),
    ("rbac", 14, "single-node"),
    ("network-policies", 15, "single-node"),
]
#: the kubectl verb (kubeviz's reading) that does what each button does
KUBECTL_FOR = {"apply": "apply", "scale": "scale", "set-image": "set image", "undo": "rollout undo"}


@pytest.mark.parametrize(("slug", "order", "template"), LESSONS)
def test_lesson_is_placed_and_sized_as_planned(slug, order, template):
    lesson = lesson_load(slug)
    assert lesson.order == order
    assert template is None or lesson.template == template
    assert 5 <= len(lesson.steps) <= 9
    assert sum(step.question is not None for step in lesson.steps) >= 2
    assert any("> **Simplified:**" in step.text for step in lesson.steps), "say where kubeviz simplifies"


@pytest.mark.parametrize(("slug", "order", "template"), LESSONS)
def test_every_wait_has_hints_and_every_step_that_asks_for_work_a_solution(slug, order, template):
    """(A wait that already holds when its step opens, as lesson 1's "who writes to etcd?"
    does, needs no solution: the play-through checks it holds with none.)"""
    for step in lesson_load(slug).steps:
        if step.wait is not None:
            assert step.hints, f"{slug} step {step.index} ({step.title}) has a wait but no hint"
        if step.wait is not None and any(a.runnable for a in step.actions):
            assert step.solution, f"{slug} step {step.index} ({step.title}) asks for work but has no solution"


@pytest.mark.parametrize(("slug", "order", "template"), LESSONS)
def test_every_change_a_button_makes_has_its_kubectl_command(slug, order, template):
    for step in lesson_load(slug).steps:
        verbs = {a.args["parsed"].verb for a in step.actions if a.kind == "kubectl" and a.runnable}
        for action in step.actions:
            button = action.args.get("do") if action.kind == "do" else action.kind
            if button in KUBECTL_FOR:
                assert KUBECTL_FOR[button] in verbs, (
                    f"{slug} step {step.index} ({step.title}): {action.label} has no kubectl {KUBECTL_FOR[button]}")


def test_a_stale_resource_version_is_refused_with_409_and_changes_nothing(db):
    """Lesson 11's one action meant to fail (the play-through runs solutions only)."""
    lesson = lesson_load("etcd-and-watches")
    cluster = cluster_create(name="stale-write", fixture=lesson.template)
    for action in lesson.steps[0].solution:
        run_action(cluster, action)
    stale = next(a for a in lesson.steps[3].actions if a.label == "Write with a stale resourceVersion")

    with pytest.raises(ActionError) as refused:
        run_action(cluster, stale)

    assert "Conflict" in str(refused.value)
    assert "the object has been modified; please apply your changes to the latest version" in str(refused.value)
    counter = registry.get(cluster, by_plural("configmaps"), "default", "counter")
    assert counter["data"] == {"count": "1"}
