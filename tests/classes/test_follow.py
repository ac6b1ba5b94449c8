"""Follow the teacher: the teacher's player state reaches every follower through
/ws/classes/<id>/broadcast/ (pause, step, scrub back, live), a late follower gets it at
once, only the class's teacher publishes, only its members listen; the follow and present
pages."""
from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from kubeviz.accounts.roles import Identity
from kubeviz.asgi import application
from kubeviz.classes.services import class_create, class_demo_ensure

from .conftest import browser, join

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")

#: what the teacher's dashboard publishes → what followers get
MOVES = [
    ("pause", {"mode": "live", "clock": "paused", "speed": 1},
     {"type": "player", "mode": "live", "seq": None, "playing": False, "clock": "paused", "speed": 1.0}),
    ("next step", {"mode": "live", "clock": "step", "speed": 1},
     {"type": "player", "mode": "live", "seq": None, "playing": False, "clock": "step", "speed": 1.0}),
    ("scrub back", {"mode": "past", "seq": 3, "clock": "step", "speed": 2},
     {"type": "player", "mode": "past", "seq": 3, "playing": False, "clock": "step", "speed": 2.0}),
    ("replay", {"mode": "past", "seq": 4, "playing": True, "clock": "step", "speed": 2},
     {"type": "player", "mode": "past", "seq": 4, "playing": True, "clock": "step", "speed": 2.0}),
    ("live", {"mode": "live", "seq": None, "clock": "live", "speed": 0.5},
     {"type": "player", "mode": "live", "seq": None, "playing": False, "clock": "live", "speed": 0.5}),
]


def _cookie(b: Client) -> bytes:
    return "; ".join(f"{k}={v.value}" for k, v in b.cookies.items()).encode()


def _socket(pk: int, b: Client) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/classes/{pk}/broadcast/", headers=[ORIGIN, (b"cookie", _cookie(b))])


@pytest.fixture
def presented(room, teacher_user):
    """The class with its demo cluster and two learners: (classroom, teacher's browser, [learners' browsers])."""
    classroom, learners = room
    class_demo_ensure(classroom=classroom, teacher=Identity(user=teacher_user))
    return classroom, browser(teacher_user), [b for b, _ in learners]


def test_every_follower_gets_pause_step_scrub_and_live(presented):
    classroom, teacher, learners = presented

    async def run() -> list[list[dict]]:
        publisher = _socket(classroom.pk, teacher)
        followers = [_socket(classroom.pk, b) for b in learners]
        for comm in [publisher, *followers]:
            assert (await comm.connect(timeout=5))[0]
        got = []
        for _, sent, _ in MOVES:
            await publisher.send_json_to(sent)
            got.append([await f.receive_json_from(timeout=5) for f in followers])
        assert await publisher.receive_nothing(timeout=0.2)  # the teacher's own tab knows its state
        for comm in [publisher, *followers]:
            await comm.disconnect()
        return got

    got = async_to_sync(run)()
    assert got == [[expected, expected] for _, _, expected in MOVES]


def test_a_late_follower_starts_where_the_teacher_is(presented):
    classroom, teacher, learners = presented
    scrubbed = {"mode": "past", "seq": 7, "clock": "paused", "speed": 1}

    async def run() -> tuple[dict, bool]:
        publisher = _socket(classroom.pk, teacher)
        assert (await publisher.connect(timeout=5))[0]
        await publisher.send_json_to(scrubbed)
        assert await publisher.receive_nothing(timeout=0.2)
        late = _socket(classroom.pk, learners[0])
        assert (await late.connect(timeout=5))[0]
        first = await late.receive_json_from(timeout=5)
        quiet = await late.receive_nothing(timeout=0.2)
        await late.disconnect()
        await publisher.disconnect()
        return first, quiet

    first, quiet = async_to_sync(run)()
    assert first == {"type": "player", "mode": "past", "seq": 7, "playing": False, "clock": "paused", "speed": 1.0}
    assert quiet


def test_a_learner_cannot_publish(presented):
    classroom, _, learners = presented

    async def run() -> tuple[dict, bool]:
        talker, listener = (_socket(classroom.pk, b) for b in learners)
        for comm in (talker, listener):
            assert (await comm.connect(timeout=5))[0]
        await talker.send_json_to({"mode": "past", "seq": 1, "clock": "paused", "speed": 1})
        answer = await talker.receive_json_from(timeout=5)
        heard = await listener.receive_nothing(timeout=0.3)
        for comm in (talker, listener):
            await comm.disconnect()
        return answer, heard

    answer, heard_nothing = async_to_sync(run)()
    assert answer == {"type": "error", "message": "only the class's teacher publishes: followers listen"}
    assert heard_nothing


@pytest.mark.parametrize("who", ["anonymous", "a learner of another class", "another teacher"])
def test_outsiders_cannot_listen(presented, other_teacher, who):
    classroom = presented[0]
    if who == "anonymous":
        b = Client()
    elif who == "another teacher":
        b = browser(other_teacher)
    else:
        other = class_create(identity=Identity(user=other_teacher), name="Other", template="demo")
        b, _ = join(other.code, "Eve")

    async def run() -> dict:
        comm = _socket(classroom.pk, b)
        assert (await comm.connect(timeout=5))[0]
        closed = await comm.receive_output(timeout=5)
        await comm.disconnect()
        return closed

    assert async_to_sync(run)() == {"type": "websocket.close", "code": 4404}


@pytest.mark.parametrize("sent, message", [
    ('{"mode": "sideways"}', '"mode" must be "live" or "past"'),
    ('{"mode": "past"}', '"seq" must be an integer >= 0 when "mode" is "past"'),
    ('{"mode": "live", "clock": "fast"}', '"clock" must be "live", "paused" or "step"'),
    ('{"mode": "live", "speed": 0}', '"speed" must be a number above 0 and at most 100'),
    ('{"mode": "live", "playing": "yes"}', '"playing" must be true or false'),
    ('{"mode": "live", "html": "<b>"}', "unknown field 'html'"),
    ("[1, 2]", "send a JSON object"),
    ("not json", "the message is not valid JSON"),
])
def test_a_malformed_state_is_refused_and_not_passed_on(presented, sent, message):
    classroom, teacher, learners = presented

    async def run() -> tuple[dict, bool]:
        publisher, follower = _socket(classroom.pk, teacher), _socket(classroom.pk, learners[0])
        for comm in (publisher, follower):
            assert (await comm.connect(timeout=5))[0]
        await publisher.send_to(text_data=sent)
        answer = json.loads(await publisher.receive_from(timeout=5))
        quiet = await follower.receive_nothing(timeout=0.2)
        for comm in (publisher, follower):
            await comm.disconnect()
        return answer, quiet

    answer, quiet = async_to_sync(run)()
    assert answer == {"type": "error", "message": message}
    assert quiet


# ---- pages ---------------------------------------------------------------------------------


def test_presenting_makes_the_demo_cluster_once_and_shows_the_teachers_dashboard(room, teacher_user):
    classroom, learners = room
    teacher = browser(teacher_user)
    assert "Present to the class" in teacher.get(f"/classes/{classroom.pk}/").content.decode()
    r = teacher.post(f"/classes/{classroom.pk}/present/")
    assert r.status_code == 302 and r["Location"] == f"/classes/{classroom.pk}/broadcast/"
    classroom.refresh_from_db()
    demo = classroom.demo_cluster
    assert demo is not None and demo.owner_id == teacher_user.pk
    teacher.post(f"/classes/{classroom.pk}/present/")
    classroom.refresh_from_db()
    assert classroom.demo_cluster_id == demo.pk
    page = teacher.get(f"/classes/{classroom.pk}/broadcast/").content.decode()
    assert 'id="follow-data"' in page and '"role": "teacher"' in page and 'id="btn-pause"' in page
    # learners may not present
    assert learners[0][0].post(f"/classes/{classroom.pk}/present/").status_code == 404


def test_a_member_follows_the_demo_and_one_click_returns_to_their_sandbox(presented):
    classroom, _, learners = presented
    b = learners[0]
    assert f"/classes/{classroom.pk}/follow/" in b.get(f"/classes/{classroom.pk}/").content.decode()
    r = b.get(f"/classes/{classroom.pk}/follow/")
    page = r.content.decode()
    assert r.status_code == 200
    member = classroom.members.filter(user_id=int(b.session["_auth_user_id"])).select_related("cluster").get()
    assert classroom.demo_cluster.name in page and "ms-rivera" in page
    assert f'id="follow-back" href="/clusters/{member.cluster.name}/"' in page
    assert 'id="btn-pause"' not in page and "watching only" in page  # a follower watches
    # the follower may watch the demo through every read door while a member
    demo = classroom.demo_cluster.name
    assert b.get(f"/clusters/{demo}/").status_code == 200
    assert b.get(f"/api/clusters/{demo}/history/?at=1").status_code in (200, 410)


def test_only_members_and_the_teacher_open_the_follow_pages(presented, other_teacher):
    classroom, teacher, learners = presented
    assert Client().get(f"/classes/{classroom.pk}/follow/").status_code == 404
    assert browser(other_teacher).get(f"/classes/{classroom.pk}/follow/").status_code == 404
    assert browser(other_teacher).get(f"/classes/{classroom.pk}/broadcast/").status_code == 404
    assert learners[0].get(f"/classes/{classroom.pk}/broadcast/").status_code == 404
    assert teacher.get(f"/classes/{classroom.pk}/follow/").status_code == 404  # the teacher presents
