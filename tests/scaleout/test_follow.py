"""Follow the teacher across two Daphnes: the teacher publishes on one, a follower on the
other gets each state (channel layer groups over Redis), and a learner who connects later
to the other Daphne gets the newest state at once (the cache entry is in Redis, not in the
publishing Daphne's memory)."""
from __future__ import annotations

import json

import pytest

websockets = pytest.importorskip("websockets")
from websockets.sync.client import connect  # noqa: E402

SETUP = """
from django.contrib.auth.models import User
from kubeviz.accounts.roles import Identity
from kubeviz.classes.models import Membership
from kubeviz.classes.services import class_create
classroom = class_create(identity=Identity(user=User.objects.get(username="teacher")), name="Follow", template="single-node")
for name in ("ada", "grace"):
    user = User.objects.create_user(name, password="follow-across-daphnes")
    Membership.objects.create(classroom=classroom, user=user, display_name=name)
print(classroom.pk)
"""

SCRUBBED = {"mode": "past", "seq": 7, "clock": "paused", "speed": 2}
EXPECTED = {"type": "player", "mode": "past", "seq": 7, "playing": False, "clock": "paused", "speed": 2.0}


def _socket(http: str, pk: int, cookies: dict[str, str]):
    return connect(http.replace("http://", "ws://") + f"/ws/classes/{pk}/broadcast/", origin=http, open_timeout=20,
                   additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})


def test_the_teacher_on_one_daphne_leads_followers_on_the_other(pg_server):
    pk = int(pg_server.manage("shell", "-c", SETUP).strip().splitlines()[-1])
    with pg_server.serving(daphnes=2):
        a, b = pg_server.http_all
        teacher = pg_server.login()
        ada, grace = (pg_server.login(name, "follow-across-daphnes") for name in ("ada", "grace"))
        with _socket(a, pk, teacher) as publisher, _socket(b, pk, ada) as follower:
            publisher.send(json.dumps(SCRUBBED))
            assert json.loads(follower.recv(timeout=20)) == EXPECTED
            with _socket(b, pk, grace) as late:
                assert json.loads(late.recv(timeout=20)) == EXPECTED
