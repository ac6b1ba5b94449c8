"""The lifecycle buttons on / and on the dashboard, through the pages (POST with CSRF):
Try it, a new sandbox, clone, snapshot, restore, reset, delete, and adoption on sign-up."""
from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client

from kubeviz.accounts.roles import GUEST_SESSION_KEY
from kubeviz.apiserver import registry
from kubeviz.clusters.models import Cluster, Snapshot
from kubeviz.clusters.services import cluster_create
from tests.web.helpers import create

pytestmark = pytest.mark.django_db


def signed_in(name: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_user(name, password="pw"))
    return client


def csrf(client: Client, page: str = "/") -> str:
    """The CSRF token of a page, as a browser submitting one of its forms sends it."""
    html = client.get(page).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def post(client: Client, url: str, data: dict | None = None, page: str = "/"):
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": csrf(client, page)})


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def configmaps(cluster: Cluster) -> list[str]:
    return [o["metadata"]["name"] for o in registry.objects(cluster, "configmaps", "default")]


def test_try_it_makes_the_browser_a_guest_with_a_sandbox_of_the_demo():
    browser = Client(enforce_csrf_checks=True)
    assert b'id="try-it"' in browser.get("/").content
    r = post(browser, "/try/")
    [cluster] = Cluster.objects.all()
    assert r.status_code == 302 and r["Location"] == f"/clusters/{cluster.name}/"
    assert cluster.fixture == "demo" and cluster.owner_guest == browser.session[GUEST_SESSION_KEY]
    assert re.fullmatch(r"sandbox-[a-z0-9]{5}", cluster.name)
    page = browser.get(r["Location"])
    assert b"is ready" in page.content and b'id="cluster-delete"' in page.content


def test_try_it_without_the_csrf_token_is_refused():
    assert Client(enforce_csrf_checks=True).post("/try/").status_code == 403
    assert not Cluster.objects.exists()


def test_a_signed_in_user_picks_a_template():
    ann = signed_in("ann")
    page = ann.get("/").content.decode()
    assert 'id="sandbox-new"' in page and '<option value="big"' in page
    r = post(ann, "/sandboxes/new/", {"template": "single-node", "name": "anns", "public": "on"})
    assert r.status_code == 302 and r["Location"] == "/clusters/anns/"
    cluster = Cluster.objects.get(name="anns")
    assert cluster.owner.username == "ann" and cluster.public and cluster.fixture == "single-node"


@pytest.mark.parametrize(("data", "words"), [
    ({"template": "nope"}, 'no template "nope"'),
    ({"template": "demo", "name": "Bad Name"}, "RFC 1123"),
])
def test_a_refused_sandbox_says_why(data, words):
    ann = signed_in("ann")
    r = post(ann, "/sandboxes/new/", data)
    assert r.status_code == 302 and r["Location"] == "/"
    assert any(words in m for m in flash(r)) and not Cluster.objects.exists()


def test_a_learner_meets_their_limit_with_the_setting_named(settings):
    settings.KUBEVIZ_SANDBOXES_PER_LEARNER = 1
    ann = signed_in("ann")
    post(ann, "/sandboxes/new/", {"template": "single-node"})
    r = post(ann, "/try/")
    assert any("KUBEVIZ_SANDBOXES_PER_LEARNER=1" in m for m in flash(r))
    assert Cluster.objects.count() == 1


def test_own_rows_have_clone_and_delete_and_others_only_clone():
    cluster_create(name="demo", fixture="empty")
    ann = signed_in("ann")
    post(ann, "/sandboxes/new/", {"template": "empty", "name": "anns"})
    page = ann.get("/").content.decode()
    assert 'data-delete="anns"' in page and 'data-clone="anns"' in page
    assert 'data-clone="demo"' in page and 'data-delete="demo"' not in page
    assert 'data-confirm="Delete cluster anns?' in page


def test_delete_from_the_list_and_the_confirm_names_it():
    ann = signed_in("ann")
    post(ann, "/sandboxes/new/", {"template": "empty", "name": "anns"})
    r = post(ann, "/clusters/anns/delete/")
    assert r.status_code == 302 and r["Location"] == "/" and not Cluster.objects.filter(name="anns").exists()


def test_another_learner_cannot_delete_or_snapshot_and_a_private_one_is_404():
    ann, bob = signed_in("ann"), signed_in("bob")
    post(ann, "/sandboxes/new/", {"template": "empty", "name": "open", "public": "on"})
    post(ann, "/sandboxes/new/", {"template": "empty", "name": "closed"})
    r = post(bob, "/clusters/open/delete/")
    assert r.status_code == 302 and any("only the cluster's owner" in m for m in flash(r))
    assert post(bob, "/clusters/closed/delete/").status_code == 404
    assert post(bob, "/clusters/closed/clone/").status_code == 404
    assert post(bob, "/clusters/open/snapshots/", {"name": "x"}).status_code == 302
    assert Cluster.objects.filter(name__in=["open", "closed"]).count() == 2 and not Snapshot.objects.exists()
    r = post(bob, "/clusters/open/clone/")
    copy = Cluster.objects.get(owner__username="bob")
    assert r["Location"] == f"/clusters/{copy.name}/"


def test_the_dashboard_menu_snapshots_restores_resets_and_clones():
    ann = signed_in("ann")
    post(ann, "/sandboxes/new/", {"template": "single-node", "name": "anns"})
    cluster = Cluster.objects.get(name="anns")
    page = "/clusters/anns/"
    html = ann.get(page).content.decode()
    for button in ("cluster-clone", "cluster-reset", "cluster-delete", "snapshot-create"):
        assert f'id="{button}"' in html
    create(cluster, "configmaps", {"metadata": {"name": "kept", "namespace": "default"}})
    r = post(ann, "/clusters/anns/snapshots/", {"name": "before"}, page)
    assert r["Location"] == page and any("snapshot before keeps" in m for m in flash(r))
    assert "/clusters/anns/snapshots/before/restore/" in ann.get(page).content.decode()
    create(cluster, "configmaps", {"metadata": {"name": "extra", "namespace": "default"}})
    post(ann, "/clusters/anns/snapshots/before/restore/", page=page)
    assert configmaps(cluster) == ["kept"]
    post(ann, "/clusters/anns/reset/", page=page)
    assert configmaps(cluster) == []
    post(ann, "/clusters/anns/snapshots/before/delete/", page=page)
    assert not Snapshot.objects.exists()
    r = post(ann, "/clusters/anns/clone/", page=page)
    assert r.status_code == 302 and Cluster.objects.filter(owner__username="ann").count() == 2


def test_a_guest_who_signs_up_keeps_their_sandboxes():
    browser = Client()
    browser.post("/try/")
    made = Cluster.objects.get()
    r = browser.post("/accounts/signup/", {"username": "newbie", "password1": "a-long-pass-9", "password2": "a-long-pass-9"})
    assert r.status_code == 302, r.content
    made.refresh_from_db()
    assert made.owner.username == "newbie" and made.owner_guest == ""
    assert b'id="cluster-delete"' in browser.get(f"/clusters/{made.name}/").content
