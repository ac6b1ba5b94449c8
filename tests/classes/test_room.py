"""The room: actions reach every learner's sandbox and report per learner; the grid and the
heatmap show the states the learners' clusters and progress are really in; the CSV matches
the attempts; archive and delete."""
from __future__ import annotations

import csv
import io
import json

import pytest

from kubeviz.accounts.roles import Identity
from kubeviz.apiserver import registry
from kubeviz.classes.room import room_state
from kubeviz.classes.services import class_delete, room_act
from kubeviz.clusters.models import Cluster
from kubeviz.engine.control import component_set
from kubeviz.engine.runner import settle_cluster
from kubeviz.exercises.services import attempt_start, attempt_submit
from kubeviz.lessons.services import lesson_start
from tests.web.helpers import deployment

from .conftest import EXERCISE, LESSON, browser

pytestmark = pytest.mark.django_db

WEB = json.dumps(deployment("web", replicas=2))  # JSON is YAML; the dashboard tests' one Deployment


def _act(room, teacher_user, kind: str, **fields) -> list[dict]:
    classroom, _ = room
    r = browser(teacher_user).post(f"/classes/{classroom.pk}/actions/", {"action": kind, **fields},
                                   HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content.decode()
    return r.content.decode()


def _clusters(room) -> list[Cluster]:
    return [Cluster.objects.get(pk=m.cluster_id) for _, m in room[1]]


def _tile(classroom, name: str) -> dict:
    return next(t for t in room_state(classroom)["tiles"] if t["name"] == name)


def test_pause_and_resume_reach_every_sandbox(room, teacher_user):
    page = _act(room, teacher_user, "pause")
    assert page.count('class="ok"') == 2 and "Ada" in page and "Grace" in page
    assert {c.clock_mode for c in _clusters(room)} == {"paused"}
    _act(room, teacher_user, "resume")
    assert {c.clock_mode for c in _clusters(room)} == {"live"}


def test_a_manifest_reaches_every_sandbox_and_the_tiles_count_its_pods(room, teacher_user):
    page = _act(room, teacher_user, "manifest", text=WEB)
    assert page.count("deployment.apps/web created") == 2
    for cluster in _clusters(room):
        settle_cluster(cluster, horizon=60)
        assert [d["metadata"]["name"] for d in registry.objects(cluster, "deployments")] == ["web"]
    tile = _tile(room[0], "Ada")
    assert tile["pods"] == {"Running": 2}
    assert [n["ready"] for n in tile["nodes"]] == [True, True, True]


def test_fail_node_2_everywhere_and_every_tile_shows_it(room, teacher_user):
    page = _act(room, teacher_user, "fault", text="node-fail node-2")
    assert page.count("node/node-2 failed") == 2
    for cluster in _clusters(room):
        settle_cluster(cluster, horizon=120)  # past the node monitor's grace period
    for _, member in room[1]:
        nodes = {n["name"]: n for n in _tile(room[0], member.display_name)["nodes"]}
        assert (nodes["node-2"]["failed"], nodes["node-2"]["ready"]) == (True, False)
        assert (nodes["node-1"]["failed"], nodes["node-1"]["ready"]) == (False, True)


def test_a_fault_that_cannot_be_read_is_refused_before_anything_runs(room, teacher_user):
    classroom, _ = room
    r = browser(teacher_user).post(f"/classes/{classroom.pk}/actions/", {"action": "fault", "text": "node-explode x"},
                                   HTTP_HX_REQUEST="true")
    assert r.status_code == 400 and "no action" in r.content.decode()


def test_reset_and_a_missing_node_report_per_learner(room, teacher_user):
    classroom, members = room
    results = room_act(classroom=classroom, teacher=Identity(user=teacher_user), kind="fault", text="node-fail node-9")
    assert [(o.learner, o.ok) for o in results] == [("Ada", False), ("Grace", False)]
    assert "node-9" in results[0].message
    _act(room, teacher_user, "manifest", text=WEB)
    results = room_act(classroom=classroom, teacher=Identity(user=teacher_user), kind="reset")
    assert all(o.ok for o in results)
    assert all(registry.objects(c, "deployments") == [] for c in _clusters(room))


def test_handing_out_the_next_step_moves_every_learner_in_the_lesson(room, teacher_user):
    classroom, members = room
    for _, m in members:
        lesson_start(identity=Identity(user=m.user), slug=LESSON)
    page = _act(room, teacher_user, "next-step", lesson=LESSON)
    assert page.count("step 1 → 2") == 2
    rows = {r["name"]: r["cells"] for r in room_state(classroom)["heatmap"]["rows"]}
    assert rows["Ada"][f"lesson:{LESSON}:0"] == "skipped"
    assert rows["Ada"][f"lesson:{LESSON}:1"] == "current"
    assert rows["Grace"][f"lesson:{LESSON}:2"] == "todo"
    assert "step 2/" in _tile(classroom, "Ada")["where"]


def test_the_heatmap_shows_each_objective_as_the_learners_cluster_stands(room):
    classroom, members = room
    (_, ada), (_, grace) = members
    ada_attempt = attempt_start(identity=Identity(user=ada.user), slug=EXERCISE)
    attempt_start(identity=Identity(user=grace.user), slug=EXERCISE)
    state = room_state(classroom)
    columns = [c["key"] for c in state["heatmap"]["columns"] if c["key"].startswith("exercise:")]
    assert columns
    rows = {r["name"]: r["cells"] for r in state["heatmap"]["rows"]}
    assert {rows["Grace"][k] for k in columns} >= {"failed"}
    # Ada solves it herself: starts the scheduler her exercise stopped, lets her cluster settle.
    component_set(cluster=ada_attempt.cluster, component="scheduler", running=True)
    settle_cluster(ada_attempt.cluster, horizon=120)
    rows = {r["name"]: r["cells"] for r in room_state(classroom)["heatmap"]["rows"]}
    assert {rows["Ada"][k] for k in columns} == {"passed"}
    assert _tile(classroom, "Ada")["score"].split("/")[0] == _tile(classroom, "Ada")["score"].split("/")[1]


def test_the_csv_matches_the_attempts(room, teacher_user):
    classroom, members = room
    (_, ada), (_, grace) = members
    attempt = attempt_start(identity=Identity(user=ada.user), slug=EXERCISE)
    grade = attempt_submit(attempt=attempt)
    lesson_start(identity=Identity(user=grace.user), slug=LESSON)
    r = browser(teacher_user).get(f"/classes/{classroom.pk}/grades.csv")
    assert r["Content-Type"].startswith("text/csv")
    rows = {row["learner"]: row for row in csv.DictReader(io.StringIO(r.content.decode()))}
    assert rows["Ada"][f"exercise {EXERCISE} score"] == str(grade.score)
    assert rows["Ada"][f"exercise {EXERCISE} maximum"] == str(grade.maximum)
    assert rows["Ada"][f"exercise {EXERCISE} status"] == "submitted"
    assert rows["Grace"][f"exercise {EXERCISE} score"] == ""
    assert (rows["Grace"][f"lesson {LESSON} step"], rows["Grace"][f"lesson {LESSON} done"]) == ("1", "no")
    assert rows["Ada"]["sandbox"] == ada.cluster.name


def test_archive_puts_sandboxes_to_sleep_read_only_and_learners_still_watch(room, teacher_user):
    classroom, members = room
    r = browser(teacher_user).post(f"/classes/{classroom.pk}/archive/")
    assert r.status_code == 302
    for c in _clusters(room):
        assert (c.read_only, c.asleep) == (True, True)
    learner_browser, ada = members[0]
    assert learner_browser.get(f"/clusters/{ada.cluster.name}/").status_code == 200
    refused = learner_browser.post(f"/clusters/{ada.cluster.name}/actions/node-cordon/", {"name": "node-1"},
                                   HTTP_HX_REQUEST="true")
    assert refused.status_code == 403


def test_delete_takes_the_sandboxes_and_keeps_the_accounts(room):
    classroom, members = room
    names = [m.cluster.name for _, m in members]
    assert class_delete(classroom=classroom) == 2
    assert not Cluster.objects.filter(name__in=names).exists()
    assert all(m.user.pk for _, m in members)


def test_room_state_diff_carries_only_what_changed(room, teacher_user):
    from kubeviz.classes.room import room_diff

    classroom, _ = room
    before = room_state(classroom)
    assert room_diff(before, room_state(classroom)) is None
    _act(room, teacher_user, "fault", text="node-fail node-2")
    diff = room_diff(before, room_state(classroom))
    assert sorted(t["name"] for t in diff["tiles"]) == ["Ada", "Grace"] and "heatmap" not in diff
