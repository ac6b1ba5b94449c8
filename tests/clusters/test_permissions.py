"""Who may watch and who may act, through every door: one table of roles × clusters (a
teacher oversees the site's clusters and their own learners', not another teacher's), and
each door (page, dashboard action, kubeconfig, REST read and write, websocket) answering
as the table says. Watching denied is a 404 (a private name does not leak); acting denied
on a cluster one may watch is a 403."""
from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from kubeviz.accounts.roles import GUEST_SESSION_KEY, Identity
from kubeviz.accounts.services import learner_create, teacher_create
from kubeviz.apiserver.tokens import cluster_token
from kubeviz.asgi import application
from kubeviz.classes.models import Membership
from kubeviz.classes.services import class_create
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.services import cluster_create

pytestmark = pytest.mark.django_db(transaction=True)

W, A = "watch", "act"

#: cluster → role → what the role may do. Written out by hand: the rule, not its code.
#: "teacher" teaches ada (a class of theirs), not bob; "rival" is another teacher; "admin" is staff.
EXPECTED = {
    "demo":        {"anonymous": {W}, "guest-1": {W}, "guest-2": {W}, "ada": {W}, "bob": {W}, "teacher": {W, A},
                    "rival": {W, A}, "admin": {W, A}},
    "ada-private": {"anonymous": set(), "guest-1": set(), "guest-2": set(), "ada": {W, A}, "bob": set(), "teacher": {W, A},
                    "rival": set(), "admin": {W, A}},
    "ada-public":  {"anonymous": {W}, "guest-1": {W}, "guest-2": {W}, "ada": {W, A}, "bob": {W}, "teacher": {W, A},
                    "rival": {W}, "admin": {W, A}},
    "guest-box":   {"anonymous": set(), "guest-1": {W, A}, "guest-2": set(), "ada": set(), "bob": set(), "teacher": set(),
                    "rival": set(), "admin": {W, A}},
    "ada-review":  {"anonymous": set(), "guest-1": set(), "guest-2": set(), "ada": {W}, "bob": set(), "teacher": {W, A},
                    "rival": set(), "admin": {W, A}},
    "bob-private": {"anonymous": set(), "guest-1": set(), "guest-2": set(), "ada": set(), "bob": {W, A}, "teacher": set(),
                    "rival": set(), "admin": {W, A}},
    "rival-box":   {"anonymous": set(), "guest-1": set(), "guest-2": set(), "ada": set(), "bob": set(), "teacher": set(),
                    "rival": {W, A}, "admin": {W, A}},
    # the teacher's private demo cluster, projected to their class: ada, a member, follows it
    "class-demo":  {"anonymous": set(), "guest-1": set(), "guest-2": set(), "ada": {W}, "bob": set(), "teacher": {W, A},
                    "rival": set(), "admin": {W, A}},
}
ROLES = ["anonymous", "guest-1", "guest-2", "ada", "bob", "teacher", "rival", "admin"]
USERS = ("ada", "bob", "teacher", "rival", "admin")


def _clusters() -> None:
    ada = learner_create(name="ada", password="ada-learns-pods")
    bob = learner_create(name="bob", password="bob-learns-pods")
    teacher = teacher_create(name="teacher", password="projector-in-room-7")[0]
    rival = teacher_create(name="rival", password="projector-in-room-9")[0]
    teacher_create(name="admin", password="runs-the-site-1", admin=True)
    classroom = class_create(identity=Identity(user=teacher), name="Pods 101", template="single-node")
    Membership.objects.create(classroom=classroom, user=ada, display_name="Ada")
    cluster_create(name="demo", fixture="single-node")
    cluster_create(name="ada-private", fixture="single-node", owner=ada)
    cluster_create(name="ada-public", fixture="single-node", owner=ada, public=True)
    cluster_create(name="guest-box", fixture="single-node", owner_guest="g1")
    review = cluster_create(name="ada-review", fixture="single-node", owner=ada)
    Cluster.objects.filter(pk=review.pk).update(read_only=True)
    cluster_create(name="bob-private", fixture="single-node", owner=bob)
    cluster_create(name="rival-box", fixture="single-node", owner=rival)
    classroom.demo_cluster = cluster_create(name="class-demo", fixture="single-node", owner=teacher)
    classroom.save()


def _browser(role: str, api: bool = False) -> Client:
    browser = APIClient() if api else Client()
    if role in USERS:
        browser.force_login(User.objects.get(username=role))
    elif role.startswith("guest"):
        session = browser.session
        session[GUEST_SESSION_KEY] = "g" + role[-1]
        session.save()
    return browser


def _expected(cluster: str, role: str, action: str, door: str = "") -> int:
    if door == "rest-write" and role == "anonymous":
        return 401  # the REST API asks for credentials before it looks for the cluster
    allowed = EXPECTED[cluster][role]
    if action in allowed:
        return 200
    return 403 if W in allowed else 404


DOORS = {
    "page": (W, lambda b, c: b.get(f"/clusters/{c}/")),
    "panel": (W, lambda b, c: b.get(f"/clusters/{c}/panels/nodes/")),
    "action": (A, lambda b, c: b.post(f"/clusters/{c}/actions/node-cordon/", {"name": "node-1"}, HTTP_HX_REQUEST="true")),
    "manifest": (A, lambda b, c: b.post(f"/clusters/{c}/manifest/", {"text": "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n"},
                                        HTTP_HX_REQUEST="true")),
    "kubeconfig": (A, lambda b, c: b.get(f"/clusters/{c}/kubeconfig")),
    "rest-read": (W, lambda b, c: b.get(f"/api/clusters/{c}/steps/")),
    "rest-write": (A, lambda b, c: b.post(f"/api/clusters/{c}/clock/", {"speed": 2}, format="json")),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("door", list(DOORS))
def test_every_door_answers_as_the_table_says(door, role):
    _clusters()
    action, call = DOORS[door]
    browser = _browser(role, api=door.startswith("rest"))
    answers = {name: call(browser, name).status_code for name in EXPECTED}
    assert answers == {name: _expected(name, role, action, door) for name in EXPECTED}


def _websocket(name: str, browser: Client) -> bool:
    """Whether the steps stream of ``name`` opens (a snapshot) for this browser's cookies."""
    cookie = "; ".join(f"{k}={v.value}" for k, v in browser.cookies.items())

    async def run() -> bool:
        comm = WebsocketCommunicator(application, f"/ws/clusters/{name}/steps/",
                                     headers=[(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookie.encode())])
        connected, _ = await comm.connect(timeout=5)
        assert connected
        first = await comm.receive_output(timeout=5)
        await comm.disconnect()
        return first["type"] == "websocket.send"

    return async_to_sync(run)()


@pytest.mark.parametrize("role", ROLES)
def test_the_websocket_opens_for_those_who_may_watch(role):
    _clusters()
    opened = {name: _websocket(name, _browser(role)) for name in EXPECTED}
    assert opened == {name: W in EXPECTED[name][role] for name in EXPECTED}


def test_a_token_opens_its_own_cluster_and_a_read_only_one_only_for_reading():
    _clusters()
    for name in ("ada-private", "ada-review", "demo"):
        token = cluster_token(Cluster.objects.get(name=name))
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        api = Client()
        assert api.get(f"/k8s/{name}/api/v1/nodes", **headers).status_code == 200
        write = api.post(f"/k8s/{name}/api/v1/namespaces", {"metadata": {"name": "mine"}}, content_type="application/json", **headers)
        assert write.status_code == (403 if name == "ada-review" else 201), name
        if name == "ada-review":
            body = write.json()
            assert body["kind"] == "Status" and body["reason"] == "Forbidden" and "read-only" in body["message"]
        other = "ada-public" if name != "ada-public" else "demo"
        assert api.get(f"/k8s/{other}/api/v1/nodes", **headers).status_code == 401


def test_the_list_of_clusters_shows_public_ones_and_ones_own():
    _clusters()
    shown = {
        role: sorted(c["name"] for c in _browser(role, api=True).get("/api/clusters/").json())
        for role in ROLES
    }
    public = ["ada-public", "demo"]
    assert shown == {
        "anonymous": public, "guest-1": sorted([*public, "guest-box"]), "guest-2": public,
        "ada": sorted([*public, "ada-private", "ada-review"]), "bob": sorted([*public, "bob-private"]),
        "teacher": sorted([*public, "ada-private", "ada-review", "class-demo"]), "rival": sorted([*public, "rival-box"]),
        "admin": sorted(EXPECTED),
    }
    page = _browser("bob").get("/").content.decode()
    assert "ada-private" not in page and "ada-public" in page


def test_refusals_say_what_would_be_needed():
    _clusters()
    r = _browser("bob", api=True).post("/api/clusters/demo/clock/", {"speed": 2}, format="json")
    assert r.json()["message"] == "only a teacher may change this shared cluster: make a sandbox of your own to try things"
    r = _browser("bob", api=True).post("/api/clusters/ada-public/clock/", {"speed": 2}, format="json")
    assert r.json()["message"] == "only the cluster's owner or their teacher may change it"
    r = _browser("ada", api=True).post("/api/clusters/ada-review/clock/", {"speed": 2}, format="json")
    assert r.json()["message"] == "this cluster is read-only (kept for review)"
    r = _browser("anonymous", api=True).post("/api/clusters/ada-public/clock/", {"speed": 2}, format="json")
    assert r.status_code == 401
    assert r.json()["message"] == "log in (or press Try it) to change a cluster, or send the cluster's bearer token"
