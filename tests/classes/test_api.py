"""The classes' REST API: teachers make, change and delete their classes, read the room and
act on it; learners join as themselves; errors are the one Status body."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from kubeviz.classes.models import Classroom
from kubeviz.clusters.models import Cluster

from .conftest import EXERCISE, LESSON

pytestmark = pytest.mark.django_db


def _api(user: User | None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_login(user)
    return api


def test_a_teacher_makes_a_class_and_gets_a_join_code(teacher_user):
    r = _api(teacher_user).post("/api/classes/", {"name": "Pods 101", "template": "demo", "lessons": [LESSON],
                                                  "exercises": [EXERCISE]}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert len(body["code"]) == 6 and body["join_url"] == f"/join/{body['code']}/"
    assert (body["teacher"], body["members"], body["archived"]) == ("ms-rivera", 0, False)


@pytest.mark.parametrize("body, status, field", [
    ({"name": "x", "template": "no-such"}, 422, "template"),
    ({"name": "x", "template": "demo", "lessons": ["no-such"]}, 422, "lessons"),
    ({"name": "", "template": "demo"}, 400, "name"),
])
def test_a_class_with_unknown_material_is_refused_with_the_field_named(teacher_user, body, status, field):
    r = _api(teacher_user).post("/api/classes/", body, format="json")
    assert r.status_code == status
    assert r.json()["kind"] == "Status"
    assert field in {c["field"] for c in r.json()["details"]["causes"]}
    assert not Classroom.objects.exists()


def test_a_learner_may_not_make_a_class(db):
    learner = User.objects.create_user("ada", password="ada-learns-pods")
    r = _api(learner).post("/api/classes/", {"name": "mine", "template": "demo"}, format="json")
    assert r.status_code == 403 and r.json()["kind"] == "Status"
    assert _api(None).get("/api/classes/").status_code == 401


def test_change_regenerate_and_delete_only_ones_own(classroom, teacher_user, other_teacher):
    old = classroom.code
    r = _api(teacher_user).patch(f"/api/classes/{classroom.pk}/", {"name": "Pods 102", "regenerate_code": True},
                                 format="json")
    assert r.status_code == 200 and r.json()["name"] == "Pods 102" and r.json()["code"] != old
    for call in ("get", "patch", "delete"):
        assert getattr(_api(other_teacher), call)(f"/api/classes/{classroom.pk}/", {}, format="json").status_code == 404
    assert _api(teacher_user).delete(f"/api/classes/{classroom.pk}/").status_code == 204
    assert not Classroom.objects.exists()


def test_join_room_and_actions_through_rest(classroom, teacher_user):
    learner = User.objects.create_user("ada", password="ada-learns-pods")
    joined = _api(learner).post("/api/classes/join/", {"code": classroom.code, "display_name": "Ada"}, format="json")
    assert joined.status_code == 201
    sandbox = joined.json()["sandbox"]
    assert Cluster.objects.get(name=sandbox).owner == learner
    assert _api(learner).get("/api/classes/").json()[0]["id"] == classroom.pk
    wrong = _api(learner).post("/api/classes/join/", {"code": "ZZZZZZ", "display_name": "Ada"}, format="json")
    assert wrong.status_code == 404 and wrong.json()["kind"] == "Status"
    teacher = _api(teacher_user)
    room = teacher.get(f"/api/classes/{classroom.pk}/room/").json()
    assert [t["cluster"] for t in room["tiles"]] == [sandbox]
    acted = teacher.post(f"/api/classes/{classroom.pk}/actions/", {"action": "fault", "text": "node-fail node-2"},
                         format="json")
    assert acted.json() == [{"learner": "Ada", "cluster": sandbox, "ok": True,
                             "message": "node/node-2 failed (its kubelet stopped)"}]
    assert Cluster.objects.get(name=sandbox).settings["failed_nodes"] == ["node-2"]
    archived = teacher.post(f"/api/classes/{classroom.pk}/archive/")
    assert archived.json()["archived"] is True
    closed = _api(learner).post("/api/classes/join/", {"code": classroom.code, "display_name": "Ada 2"}, format="json")
    assert closed.status_code == 410 and "archived" in closed.json()["message"]
