"""Lessons 7–12 keep the shape the curriculum asks of them (loaded through the loader, as
the player loads them), and the one action meant to fail — lesson 11's stale write — is
refused with 409 Conflict and changes nothing (the play-through runs solutions only)."""
from __future__ import annotations

import pytest

from kubeviz.actions import ActionError, run_action
from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.services import cluster_create
from kubeviz.lessons.loader import lesson_load

LESSONS = [
    ("scheduling-choices", 7, "zones"),
    ("services", 8, "demo"),
    ("config-and-secrets", 9, "single-node"),
    ("daemonsets-statefulsets-jobs", 10, "demo"),
    ("etcd-and-watches", 11, "single-node"),
    ("namespaces-labels-gc", 12, "demo"),
]


@pytest.mark.parametrize(("slug", "order", "template"), LESSONS)
def test_lesson_has_the_curriculum_shape(slug, order, template):
    lesson = lesson_load(slug)
    assert (lesson.order, lesson.template) == (order, template)
    assert 5 <= len(lesson.steps) <= 9
    questions = [s.question for s in lesson.steps if s.question]
    assert len(questions) >= 2
    assert any("> **Simplified:**" in s.text for s in lesson.steps), "say where kubeviz simplifies"
    for step in lesson.steps:
        if step.wait is not None:
            assert step.solution, f"{step.title}: a wait needs a solution"
            assert step.hints, f"{step.title}: a wait needs hints"
        if step.actions:
            assert step.wait is not None, f"{step.title}: a step that acts waits for the result"


def test_a_stale_resource_version_is_refused_with_409_and_changes_nothing(db):
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
