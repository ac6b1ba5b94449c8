"""Who sees what: a learner sees their own clusters and their class, never another learner's
cluster, tile or attempt; a teacher sees everything in their classes and nothing in another
teacher's. Through pages, REST and the websockets."""
from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client, override_settings
from rest_framework.test import APIClient

from kubeviz.accounts.roles import Identity
from kubeviz.asgi import application
from kubeviz.exercises.services import attempt_start

from .conftest import EXERCISE, browser

pytestmark = pytest.mark.django_db(transaction=True)


def _api(b: Client) -> APIClient:
    api = APIClient()
    api.cookies = b.cookies
    return api


def _ws(path: str, b: Client) -> dict:
    """The first frame of the websocket at ``path`` for this browser: a message, or the close."""
    cookie = "; ".join(f"{k}={v.value}" for k, v in b.cookies.items())

    async def run() -> dict:
        comm = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://127.0.0.1:8000"),
                                                                 (b"cookie", cookie.encode())])
        connected, _ = await comm.connect(timeout=5)
        assert connected
        first = await comm.receive_output(timeout=5)
        await comm.disconnect()
        return first

    return async_to_sync(run)()


def _people(room, teacher_user, other_teacher):
    classroom, ((ada_b, ada), (grace_b, grace)) = room
    return classroom, ada_b, ada, grace_b, grace, browser(teacher_user), browser(other_teacher)


def test_a_learner_sees_their_own_cluster_and_not_anothers(room, teacher_user, other_teacher):
    classroom, ada_b, ada, grace_b, grace, teacher_b, other_b = _people(room, teacher_user, other_teacher)
    mine, theirs = ada.cluster.name, grace.cluster.name
    assert ada_b.get(f"/clusters/{mine}/").status_code == 200
    assert ada_b.get(f"/clusters/{theirs}/").status_code == 404
    assert _api(ada_b).get(f"/api/clusters/{theirs}/steps/").status_code == 404
    assert _ws(f"/ws/clusters/{theirs}/steps/", ada_b) == {"type": "websocket.close", "code": 4404}
    assert theirs not in ada_b.get("/").content.decode()


def test_a_learner_gets_the_class_page_not_the_room_and_no_tiles(room, teacher_user, other_teacher):
    classroom, ada_b, ada, grace_b, grace, teacher_b, other_b = _people(room, teacher_user, other_teacher)
    page = ada_b.get(f"/classes/{classroom.pk}/").content.decode()
    assert "Grace" not in page and grace.cluster.name not in page and 'id="room-grid"' not in page
    assert _api(ada_b).get(f"/api/classes/{classroom.pk}/room/").status_code == 404
    assert _api(ada_b).post(f"/api/classes/{classroom.pk}/actions/", {"action": "pause"}, format="json").status_code in (403, 404)
    assert ada_b.post(f"/classes/{classroom.pk}/actions/", {"action": "pause"}).status_code == 404
    assert ada_b.get(f"/classes/{classroom.pk}/grades.csv").status_code == 404
    assert _ws(f"/ws/classes/{classroom.pk}/room/", ada_b) == {"type": "websocket.close", "code": 4404}


def test_a_learner_cannot_read_anothers_attempt(room, teacher_user, other_teacher):
    classroom, ada_b, ada, grace_b, grace, teacher_b, other_b = _people(room, teacher_user, other_teacher)
    attempt = attempt_start(identity=Identity(user=grace.user), slug=EXERCISE)
    assert _api(ada_b).get(f"/api/attempts/{attempt.pk}/").status_code == 404
    assert [a["id"] for a in _api(ada_b).get("/api/attempts/").json()] == []
    assert _api(teacher_b).get(f"/api/attempts/{attempt.pk}/").status_code == 200
    assert _api(other_b).get(f"/api/attempts/{attempt.pk}/").status_code == 404
    assert _api(other_b).get("/api/attempts/").json() == []


def test_a_teacher_sees_their_class_and_nothing_of_another_teachers(room, teacher_user, other_teacher):
    classroom, ada_b, ada, grace_b, grace, teacher_b, other_b = _people(room, teacher_user, other_teacher)
    assert 'id="room-grid"' in teacher_b.get(f"/classes/{classroom.pk}/").content.decode()
    assert teacher_b.get(f"/clusters/{ada.cluster.name}/").status_code == 200
    assert other_b.get(f"/classes/{classroom.pk}/").status_code == 404
    assert other_b.get(f"/clusters/{ada.cluster.name}/").status_code == 404
    assert _api(other_b).get(f"/api/classes/{classroom.pk}/").status_code == 404
    assert _api(other_b).get("/api/classes/").json() == []
    assert _ws(f"/ws/classes/{classroom.pk}/room/", other_b) == {"type": "websocket.close", "code": 4404}
    assert ada.cluster.name not in other_b.get("/").content.decode()
    assert ada.cluster.name in teacher_b.get("/").content.decode()


def test_watching_over_a_shoulder_hides_every_button_that_would_change_the_cluster(room, teacher_user):
    classroom, ((_, ada), _) = room
    teacher_b = browser(teacher_user)
    acting = teacher_b.get(f"/clusters/{ada.cluster.name}/").content.decode()
    watching = teacher_b.get(f"/clusters/{ada.cluster.name}/?watch=1").content.decode()
    for control in ('id="btn-play"', 'id="btn-reset"', 'id="node-add"', 'id="node-cordon-node-1"'):
        assert control in acting
        assert control not in watching
    assert 'id="watch-only"' in watching


@override_settings(KUBEVIZ_ROOM_EVERY=0.05)
def test_the_room_websocket_sends_a_snapshot_then_what_changed(room, teacher_user):
    from kubeviz.classes.services import room_act

    classroom, _ = room
    teacher_b = browser(teacher_user)
    cookie = "; ".join(f"{k}={v.value}" for k, v in teacher_b.cookies.items())

    async def run() -> tuple[dict, dict]:
        import json

        from channels.db import database_sync_to_async

        comm = WebsocketCommunicator(application, f"/ws/classes/{classroom.pk}/room/",
                                     headers=[(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookie.encode())])
        await comm.connect(timeout=5)
        snapshot = json.loads(await comm.receive_from(timeout=5))
        await database_sync_to_async(room_act)(classroom=classroom, teacher=Identity(user=teacher_user),
                                               kind="fault", text="node-fail node-2")
        diff = json.loads(await comm.receive_from(timeout=5))
        await comm.disconnect()
        return snapshot, diff

    snapshot, diff = async_to_sync(run)()
    assert snapshot["type"] == "snapshot" and sorted(t["name"] for t in snapshot["tiles"]) == ["Ada", "Grace"]
    assert diff["type"] == "diff"
    assert all("node-2" in [n["name"] for n in t["nodes"] if n["failed"]] for t in diff["tiles"])


def test_a_foreign_origin_never_reaches_the_room(room, teacher_user):
    classroom, _ = room
    cookie = "; ".join(f"{k}={v.value}" for k, v in browser(teacher_user).cookies.items())

    async def run() -> bool:
        comm = WebsocketCommunicator(application, f"/ws/classes/{classroom.pk}/room/",
                                     headers=[(b"origin", b"http://evil.example"), (b"cookie", cookie.encode())])
        connected, _ = await comm.connect(timeout=5)
        return connected

    assert async_to_sync(run)() is False
