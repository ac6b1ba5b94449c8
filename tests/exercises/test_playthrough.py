"""Every shipped exercise, played in settle mode on a fresh cluster: the setup alone scores
``untouched_score``, the solution full marks, each wrong attempt its score and messages."""
from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from kubeviz.exercises.loader import EXERCISES_DIR, exercise_load
from kubeviz.exercises.playthrough import playthrough

FILES = sorted(EXERCISES_DIR.glob("*.yaml"))


@pytest.mark.django_db
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_exercise_plays_as_it_says(path):
    exercise = exercise_load(str(path))
    plays = playthrough(exercise)
    assert [p.title for p in plays][:2] == ["the setup alone", "the solution"]
    assert len(plays) == 2 + len(exercise.wrong_attempts)
    problems = [f"{p.title}: {problem}" for p in plays for problem in p.problems]
    assert problems == []


BROKEN = """\
title: Two replicas
level: beginner
tags: [deployments]
minutes: 5
template: single-node
task: Scale `web` to two replicas.
setup:
  - manifest: |
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        replicas: 1
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec: {containers: [{name: nginx, image: nginx}]}
objectives:
  - title: Two ready
    check: {pods: {selector: app=web, ready: true, count: 2}}
    message: web does not have two ready pods.
solution:
  - {do: scale, name: web, replicas: 1}
wrong_attempts:
  - title: Scaling to zero
    actions: [{do: scale, name: web, replicas: 0}]
    score: 0
    messages: ["three ready pods"]
"""


@pytest.mark.django_db
def test_a_solution_short_of_full_marks_and_a_message_not_said_are_reported(tmp_path, capsys):
    path = tmp_path / "two-replicas.yaml"
    path.write_text(BROKEN)
    with pytest.raises(CommandError, match="2 problem"):
        call_command("exercise_check", str(path))
    out, err = capsys.readouterr()
    assert "two-replicas: the setup alone: 0/1 ok" in out
    assert "two-replicas: the solution: 0/1 FAILED" in out
    assert "the solution: scored 0/1, expected 1 (passed: none; failed: Two ready: " in err
    assert 'wrong attempt: Scaling to zero: no failing objective says "three ready pods"' in err
