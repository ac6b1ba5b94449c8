"""Checks run in a lane of their own (kubeviz/lanes.py), through the real ASGI application:
the same answers and permissions as anywhere else; a slow check holds only its lane. Other
requests answered whole are served in a shared pool, with the same answers; streams are
not."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from django.conf import settings
from django.contrib.auth.models import User
from django.core.asgi import get_asgi_application

from kubeviz.accounts.roles import Identity
from kubeviz.accounts.services import token_create
from kubeviz.exercises import services
from kubeviz.exercises.services import attempt_start, attempt_submit
from kubeviz.lanes import Lanes
from tests.exercises.helpers import SLUG, learner

pytestmark = pytest.mark.django_db(transaction=True)

#: long enough for a request that should answer to answer on a loaded machine
ANSWER = 30


def _app(threads: int = 1, general: int = 0) -> Lanes:
    return Lanes(get_asgi_application(), settings.KUBEVIZ_LANE_URLS, threads, general)


def _headers(token: str | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"host", b"127.0.0.1")]
    return headers + [(b"authorization", f"Bearer {token}".encode())] if token else headers


def _request(app: Lanes, method: str, path: str, token: str | None) -> HttpCommunicator:
    return HttpCommunicator(app, method, path, headers=_headers(token))


async def _send(comm: HttpCommunicator) -> HttpCommunicator:
    """The request, sent without waiting for its answer."""
    await comm.send_input({"type": "http.request", "body": b""})
    comm.sent_request = True
    return comm


async def _answer(comm: HttpCommunicator) -> tuple[int, dict]:
    response = await comm.get_response(timeout=ANSWER)
    return response["status"], json.loads(response["body"])


@pytest.fixture
def people() -> dict[str, object]:
    """Ada with an open attempt; Bob, another learner."""
    ada, bob = learner("ada"), learner("bob")
    return {"ada": token_create(user=ada, name="t")[1], "bob": token_create(user=bob, name="t")[1],
            "open": attempt_start(identity=Identity(user=ada), slug=SLUG).pk}


@pytest.fixture
def gate(monkeypatch) -> Iterator[threading.Event]:
    """The first grading waits until the event is set: a slow check, held as long as a
    test likes; later ones grade at once."""
    opened, calls = threading.Event(), []
    grade = services.grade

    def slow(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            assert opened.wait(ANSWER), "the test never let grading go on"
        return grade(*args, **kwargs)

    monkeypatch.setattr(services, "grade", slow)
    yield opened
    opened.set()


#: who checks which attempt → the answer's status and reason (None: a grade)
CASES = [
    ("ada", "open", 200, None),
    ("bob", "open", 404, "NotFound"),  # someone else's attempt: as if it did not exist
    ("ada", "closed", 409, "Conflict"),
    (None, "open", 401, "Unauthorized"),
]


def test_a_check_in_its_lane_answers_as_everywhere(people):
    closed = attempt_start(identity=Identity(user=User.objects.get(username="ada")), slug=SLUG)
    attempt_submit(attempt=closed)
    attempts = {"open": people["open"], "closed": closed.pk}
    app = _app()

    async def run() -> list[tuple[int, dict]]:
        return [await _answer(_request(app, "POST", f"/api/attempts/{attempts[attempt]}/check/",
                                       people[who] if who else None)) for who, attempt, _, _ in CASES]

    for (who, attempt, status, reason), (code, body) in zip(CASES, async_to_sync(run)(), strict=True):
        assert code == status, (who, attempt, body)
        if reason:
            assert (body["kind"], body["reason"], body["code"]) == ("Status", reason, status)
        else:
            assert (body["score"], body["maximum"], body["final"]) == (0, 5, False)


def test_a_slow_check_holds_its_lane_and_nothing_else(people, gate):
    app, check = _app(threads=1), f"/api/attempts/{people['open']}/check/"

    async def run() -> list[int]:
        first = await _send(_request(app, "POST", check, people["ada"]))
        # While the first check grades, other requests answer...
        status, body = await _answer(_request(app, "GET", f"/api/attempts/{people['open']}/", people["ada"]))
        assert (status, body["status"]) == (200, "open")
        # ...and a second check waits for the lane.
        second = await _send(_request(app, "POST", check, people["ada"]))
        assert await second.receive_nothing(timeout=0.5)
        gate.set()
        return [(await _answer(comm))[0] for comm in (first, second)]

    assert async_to_sync(run)() == [200, 200]


def test_a_check_answers_while_a_long_request_is_in_flight(people, monkeypatch):
    from kubeviz.api import exercises as api

    opened, listing = threading.Event(), api.exercises_list

    def slow_list(**kwargs):
        assert opened.wait(ANSWER), "the test never let the listing go on"
        return listing(**kwargs)

    monkeypatch.setattr(api, "exercises_list", slow_list)
    app = _app(threads=1)

    async def run() -> tuple[int, int]:
        long = await _send(_request(app, "GET", "/api/exercises/", people["ada"]))
        assert await long.receive_nothing(timeout=0.2)
        status, body = await _answer(_request(app, "POST", f"/api/attempts/{people['open']}/check/", people["ada"]))
        assert (status, body["score"]) == (200, 0)
        opened.set()
        return status, (await _answer(long))[0]

    try:
        assert async_to_sync(run)() == (200, 200)
    finally:
        opened.set()


#: requests of every door, each answered the same in the pool as on Django's own path
DOORS = [
    ("GET", "/api/exercises/", "ada"),
    ("GET", "/api/attempts/{open}/", "bob"),  # someone else's: 404 with a Status
    ("GET", "/api/exercises/", None),
    ("GET", "/k8s/demo/api/v1/namespaces/default/configmaps", "cluster"),
    ("GET", "/k8s/demo/api/v1/namespaces/default/configmaps/missing", "cluster"),
    ("POST", "/k8s/demo/api/v1/namespaces/default/configmaps", "cluster"),  # no body: 400/422
    ("GET", "/k8s/demo/api/v1/namespaces/default/configmaps", "ada"),  # not the cluster's token
    ("GET", "/no/such/page/", None),
]


def test_the_pool_answers_every_door_as_django_does(people, cluster):
    from kubeviz.apiserver.tokens import cluster_token

    tokens = {**people, "cluster": cluster_token(cluster)}

    async def answers(app: Lanes) -> list[tuple[int, bytes]]:
        out = []
        for method, path, who in DOORS:
            comm = _request(app, method, path.format(open=people["open"]), tokens[who] if who else None)
            response = await comm.get_response(timeout=ANSWER)
            out.append((response["status"], response["body"]))
        return out

    pooled = async_to_sync(answers)(_app(threads=0, general=2))
    plain = async_to_sync(answers)(_app(threads=0, general=0))
    assert [status for status, _ in pooled] == [status for status, _ in plain]
    assert len({status for status, _ in pooled}) >= 4, pooled  # the table reaches several answers
    for (status, body), (_, expected) in zip(pooled, plain, strict=True):
        if status != 200:
            assert body == expected  # the same Status or page, word for word
    assert [json.loads(body)["kind"] for status, body in pooled[3:4]] == ["ConfigMapList"]


@pytest.mark.parametrize(("method", "path", "query", "streams"), [
    ("GET", "/k8s/demo/api/v1/pods", b"watch=1", True),
    ("GET", "/k8s/demo/api/v1/namespaces/default/pods", b"labelSelector=a%3Db&watch=true", True),
    ("GET", "/k8s/demo/api/v1/namespaces/default/pods/web/log", b"follow=true&container=c", True),
    ("GET", "/k8s/demo/api/v1/watch/pods", b"", True),
    ("GET", "/k8s/demo/api/v1/pods", b"limit=500", False),
    ("GET", "/k8s/demo/api/v1/pods", b"allowWatchBookmarks=true", False),
    ("POST", "/k8s/demo/api/v1/namespaces/default/pods", b"watch=1", False),
    ("GET", "/api/clusters/", b"watch=1", False),  # only the Kubernetes API streams
])
def test_what_streams(method, path, query, streams):
    from kubeviz.lanes import streams as is_stream

    assert is_stream({"type": "http", "method": method, "path": path, "query_string": query}) is streams


def test_a_watch_streams_beside_a_full_pool(people, cluster, monkeypatch):
    """With the pool's one thread held, a plain request waits for it while a watch, which
    keeps Django's own path, opens at once."""
    from kubeviz.api import exercises as api
    from kubeviz.apiserver.tokens import cluster_token

    opened, listing = threading.Event(), api.exercises_list

    def slow_list(**kwargs):
        assert opened.wait(ANSWER), "the test never let the listing go on"
        return listing(**kwargs)

    monkeypatch.setattr(api, "exercises_list", slow_list)
    app, token = _app(threads=0, general=1), cluster_token(cluster)

    async def run() -> tuple[int, int, int]:
        held = await _send(_request(app, "GET", "/api/exercises/", people["ada"]))
        assert await held.receive_nothing(timeout=0.2)
        queued = await _send(_request(app, "GET", "/k8s/demo/api/v1/namespaces/default/configmaps", token))
        watch = HttpCommunicator(app, "GET", "/k8s/demo/api/v1/namespaces/default/configmaps?watch=1",
                                 headers=_headers(token))
        await _send(watch)
        start = await watch.receive_output(timeout=ANSWER)  # the watch's headers, while the pool is full
        assert await queued.receive_nothing(timeout=0.3)  # the plain request waits for the thread
        opened.set()
        answers = (await _answer(held))[0], (await _answer(queued))[0]
        watch.stop(exceptions=False)  # the client goes away
        return start["status"], *answers

    try:
        assert async_to_sync(run)() == (200, 200, 200)
    finally:
        opened.set()
