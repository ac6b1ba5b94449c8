"""The exercise file format: a good file becomes typed data, a bad one lists every problem
with its line, through ``exercise_load`` and ``manage.py exercise_check --no-play``."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kubeviz.exercises.loader import MAX_FILE_BYTES, ExerciseError, exercise_load, exercise_names

GOOD = textwrap.dedent("""\
    title: Scale web
    level: beginner
    tags: [deployments, CKAD]
    minutes: 5
    template: demo
    task: Scale the Deployment `web` to five replicas.
    setup:
      - apply: manifests/web.yaml
    objectives:
      - title: Five replicas ready
        weight: 3
        check: {pods: {selector: app=web, ready: true, count: 5}}
        message: The Deployment does not have five ready pods.
      - title: Same Deployment
        hidden: true
        check: {objects: {kind: Deployment, count: 1}}
        message: A Deployment was added or removed.
    hints: [kubectl scale]
    solution:
      - {do: scale, name: web, replicas: 5}
    wrong_attempts:
      - title: Scaling to four
        actions: [{do: scale, name: web, replicas: 4}]
        score: 1
        messages: ["five ready"]
    untouched_score: 1
    """)


WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: nginx}]}
"""


def _write(tmp_path: Path, text: str, name: str = "scale-web.yaml") -> str:
    """The exercise, next to the manifest it applies (paths are relative to the file)."""
    (tmp_path / "manifests").mkdir(exist_ok=True)
    (tmp_path / "manifests" / "web.yaml").write_text(WEB)
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_good_file_becomes_an_exercise(tmp_path):
    exercise = exercise_load(_write(tmp_path, GOOD))
    assert (exercise.slug, exercise.title, exercise.level, exercise.tags) == (
        "scale-web", "Scale web", "beginner", ("deployments", "CKAD"))
    assert [(o.title, o.weight, o.hidden) for o in exercise.objectives] == [
        ("Five replicas ready", 3, False), ("Same Deployment", 1, True)]
    assert (exercise.maximum, exercise.hidden_count, exercise.untouched_score) == (4, 1, 1)
    assert len(exercise.setup) == len(exercise.solution) == 1
    assert exercise.wrong_attempts[0].score == 1 and exercise.wrong_attempts[0].messages == ("five ready",)


# (what is changed in GOOD, the problem's line, a part of its text)
BAD = [
    ("level: beginner", "level: expert", 2, "level: must be one of beginner, intermediate, advanced"),
    ("tags: [deployments, CKAD]", "tags: [deployment]", 3, "tags[0]: unknown tag 'deployment'"),
    ("tags: [deployments, CKAD]", "tags: [CKAD]", 3, "must name at least one domain"),
    ("template: demo", "template: nowhere", 5, "template: no cluster template 'nowhere'"),
    ("minutes: 5", "minutes: 0", 4, "minutes: must be between 1 and 240"),
    ("    weight: 3", "    weight: three", 11, "objectives[0].weight: must be an integer"),
    ("    check: {pods: {selector: app=web, ready: true, count: 5}}",
     "    check: {pods: {selector: app=web, readdy: true, count: 5}}", 12, "objectives[0].check.pods"),
    ("  - {do: scale, name: web, replicas: 5}", "  - explode: now", 20, "solution[0]"),
    ("  - {do: scale, name: web, replicas: 5}", "  - {kubectl: kubectl top pods, run: false}", 20,
     "solution[0]: is played by exercise_check and the tests: it must be an action kubeviz runs"),
    ("    score: 1", "    score: 4", 24, "wrong_attempts[0].score: a wrong attempt must score less than full marks"),
    ("untouched_score: 1", "untouched_score: 1\nsurprise: true", 27, "surprise: unknown key"),
    ("    message: The Deployment does not have five ready pods.\n", "", 10, "objectives[0]: message is required"),
]


@pytest.mark.parametrize(("old", "new", "line", "says"), BAD, ids=[b[3][:40] for b in BAD])
def test_each_problem_is_reported_with_its_line(tmp_path, old, new, line, says):
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ExerciseError) as caught:
        exercise_load(path)
    matching = [p for p in caught.value.problems if says in str(p)]
    assert matching, str(caught.value)
    assert matching[0].line == line
    assert f"scale-web.yaml:{line}: " in str(matching[0])


def test_every_problem_at_once(tmp_path):
    text = GOOD.replace("level: beginner", "level: expert").replace("minutes: 5", "minutes: -1")
    with pytest.raises(ExerciseError) as caught:
        exercise_load(_write(tmp_path, text))
    assert [p.path for p in caught.value.problems] == ["level", "minutes"]


def test_missing_wrong_attempts_and_solution_are_refused(tmp_path):
    text = GOOD[:GOOD.index("solution:")]
    with pytest.raises(ExerciseError) as caught:
        exercise_load(_write(tmp_path, text))
    said = str(caught.value)
    assert "solution is required" in said and "wrong_attempts is required" in said


def test_a_file_over_the_limit_is_refused_before_parsing(tmp_path):
    path = _write(tmp_path, "title: x\n" + "#" * MAX_FILE_BYTES + "\n")
    with pytest.raises(ExerciseError, match=f"the limit is {MAX_FILE_BYTES}"):
        exercise_load(path)


def test_a_manifest_file_that_is_missing_is_refused_at_its_line(tmp_path):
    text = GOOD.replace("manifests/web.yaml", "manifests/nowhere.yaml")
    with pytest.raises(ExerciseError) as caught:
        exercise_load(_write(tmp_path, text))
    assert [(p.path.split(".")[0], p.line) for p in caught.value.problems] == [("setup[0]", 8)]


def test_yaml_errors_have_their_line(tmp_path):
    with pytest.raises(ExerciseError) as caught:
        exercise_load(_write(tmp_path, GOOD.replace("minutes: 5", "minutes: [5")))
    assert caught.value.problems[0].line is not None


def test_exercise_check_command_lists_problems_and_fails(tmp_path, capsys):
    path = _write(tmp_path, GOOD.replace("level: beginner", "level: expert"))
    with pytest.raises(CommandError, match="1 problem"):
        call_command("exercise_check", path, "--no-play")
    assert "scale-web.yaml:2: level: must be one of" in capsys.readouterr().err


def test_every_shipped_exercise_parses(capsys):
    assert "pods-stay-pending" in exercise_names()
    call_command("exercise_check", "--no-play")
    out = capsys.readouterr().out
    assert all(f"{slug}: ok" in out for slug in exercise_names())
