"""Personal API tokens: made and revoked on the account page and through REST, used as
``Bearer kv_…`` or ``Token kv_…``, kept only as a hash, never able to mint more."""
from __future__ import annotations

import hashlib
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from kubeviz.accounts.models import PersonalToken
from kubeviz.accounts.services import token_create
from kubeviz.accounts.tokens import TOKEN_LENGTH, is_personal_token
from kubeviz.apiserver.tokens import cluster_token

pytestmark = pytest.mark.django_db

TOKENS = "/api/tokens/"


@pytest.fixture
def ada():
    return User.objects.create_user("ada", password="pw-ada-12345")


def browser(user: User) -> Client:
    page = Client()
    page.force_login(user)
    return page


def test_the_account_page_makes_a_token_shown_once_and_keeps_only_its_hash(ada):
    page = browser(ada)
    r = page.post("/accounts/tokens/", {"name": "grader <script>"})
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    html = r.content.decode()
    token = re.search(r"kv_[A-Za-z0-9_-]{43}", html).group(0)
    assert "grader &lt;script&gt;" in html and "<script>" not in html.split("<main>")[1]
    row = PersonalToken.objects.get(user=ada)
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert row.prefix == token[:7]
    assert not PersonalToken.objects.filter(digest__contains=token[3:]).exists()
    again = page.get("/accounts/").content.decode()
    assert token not in again and f"{row.prefix}…" in again


def test_the_account_page_refuses_a_nameless_token_and_strangers(ada):
    assert browser(ada).post("/accounts/tokens/", {"name": " "}).status_code == 400
    assert Client().get("/accounts/").status_code == 302  # to the log-in page
    assert PersonalToken.objects.count() == 0


@pytest.mark.parametrize("keyword", ["Bearer", "Token", "bearer"])
def test_a_token_authenticates_its_owner_and_notes_its_use(ada, keyword):
    _, token = token_create(user=ada, name="script")
    api = APIClient()
    r = api.post("/api/clusters/", {"template": "demo"}, format="json", HTTP_AUTHORIZATION=f"{keyword} {token}")
    assert r.status_code == 201, r.json()
    assert r.json()["owner"] == "ada"  # no CSRF needed: a browser never sends a token on its own
    assert PersonalToken.objects.get(user=ada).last_used is not None


def test_a_revoked_or_unknown_token_is_401(ada):
    row, token = token_create(user=ada, name="script")
    page = browser(ada)
    assert page.post(f"/accounts/tokens/{row.pk}/revoke/").status_code == 302
    r = APIClient().get("/api/clusters/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 401 and r.json()["reason"] == "Unauthorized"
    assert "not valid" in r.json()["message"]


def test_a_cluster_token_is_never_taken_for_a_personal_one(cluster, ada):
    token = cluster_token(cluster)
    assert len(token) != TOKEN_LENGTH and not is_personal_token(token)
    assert not is_personal_token("kv_" + token[3:])  # even one that happens to start with kv_
    r = APIClient().post("/api/clusters/demo/clock/", {"mode": "paused"}, format="json",
                         HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200


def test_rest_lists_creates_and_revokes_tokens_with_a_session(ada):
    api = APIClient()
    api.force_login(ada)
    r = api.post(TOKENS, {"name": "platform"}, format="json")
    assert r.status_code == 201
    made = r.json()
    assert made["token"].startswith(made["prefix"]) and len(made["token"]) == TOKEN_LENGTH
    listed = api.get(TOKENS).json()
    assert [t["name"] for t in listed] == ["platform"] and "token" not in listed[0]
    other = User.objects.create_user("bo", password="pw-bo-123456")
    theirs, _ = token_create(user=other, name="bo's")
    assert api.delete(f"{TOKENS}{theirs.pk}/").status_code == 404  # someone else's is none of yours
    assert api.delete(f"{TOKENS}{made['id']}/").status_code == 204
    assert api.get(TOKENS).json() == []
    assert PersonalToken.objects.filter(user=other).count() == 1


@pytest.mark.parametrize(("method", "url"), [("get", TOKENS), ("post", TOKENS), ("delete", f"{TOKENS}1/")])
def test_a_token_cannot_mint_list_or_revoke_tokens(ada, method, url):
    _, token = token_create(user=ada, name="script")
    r = getattr(APIClient(), method)(url, {"name": "more"}, format="json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 401 and "a token cannot make or revoke tokens" in r.json()["message"]
    assert PersonalToken.objects.count() == 1


def test_a_session_write_to_tokens_needs_csrf(ada):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(ada)
    r = api.post(TOKENS, {"name": "platform"}, format="json")
    assert r.status_code == 403 and "CSRF" in r.json()["message"]
