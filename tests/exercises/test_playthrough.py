"""Every shipped exercise, played in settle mode on a fresh cluster: the setup alone scores
``untouched_score``, the solution full marks, each wrong attempt its score and messages."""
from __future__ import annotations

import pytest
from django.core.management import call_command

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


@pytest.mark.django_db
def test_exercise_check_plays_and_reports(capsys):
    call_command("exercise_check", "pods-stay-pending")
    out = capsys.readouterr().out
    assert "pods-stay-pending: the setup alone: 0/5 ok" in out
    assert "pods-stay-pending: the solution: 5/5 ok" in out
    assert "pods-stay-pending: wrong attempt: Setting nodeName by hand bypasses the scheduler: 2/5 ok" in out
