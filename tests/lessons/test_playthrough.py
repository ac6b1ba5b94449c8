"""Every shipped lesson is played start to finish in settle mode (so none can silently rot),
and the play-through says what is wrong with a lesson that does not work."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kubeviz.lessons.loader import lesson_load, lesson_slugs
from kubeviz.lessons.playthrough import lesson_play


@pytest.mark.parametrize("slug", lesson_slugs())
def test_every_lesson_plays_through(db, slug):
    failures = lesson_play(lesson_load(slug))
    assert not failures, "\n".join(str(f) for f in failures)


BROKEN = """\
title: Broken
summary: A lesson whose solution and prediction are wrong.
level: beginner
minutes: 1
template: single-node
steps:
  - title: Create
    text: Create it.
    clock: step
    question:
      kind: prediction
      prompt: Who receives the request first?
      options: [apiserver, etcd]
      answer: etcd
      observe: {kind: Pod, selector: app=web}
    wait:
      pods: {selector: app=web, count: 2}
    solution:
      - apply: pod.yaml
"""

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec: {containers: [{name: web, image: nginx:1.27}]}
"""


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    directory = tmp_path / "broken"
    directory.mkdir()
    (directory / "lesson.yaml").write_text(textwrap.dedent(BROKEN))
    (directory / "pod.yaml").write_text(POD)
    return directory


def test_a_wrong_prediction_and_an_unmet_wait_are_reported_with_what_was_found(db, broken):
    failures = [str(f) for f in lesson_play(lesson_load(str(broken)))]
    assert len(failures) == 2, failures
    assert failures[0].startswith("steps[0] (Create): the prediction's answer is etcd, but the cluster recorded apiserver first")
    assert failures[1].startswith("steps[0] (Create): the wait does not hold after the solution: ")
    assert "app=web" in failures[1]


def test_lesson_check_names_the_file_and_line(db, broken, capsys):
    with pytest.raises(CommandError, match="2 problem"):
        call_command("lesson_check", str(broken))
    err = capsys.readouterr().err
    assert f"{broken}/lesson.yaml:7: steps[0] (Create): the prediction's answer is etcd" in err


def test_lesson_check_passes_a_good_lesson(db, capsys):
    call_command("lesson_check", "life-of-a-pod")
    assert capsys.readouterr().out.strip() == "life-of-a-pod: ok"
