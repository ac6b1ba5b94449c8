"""Accounts through their pages and command: sign-up, log-in, log-out, teachers."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from kubeviz.accounts.roles import identity_of, is_teacher

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "kube-learner-42"


def test_signup_makes_a_learner_and_logs_them_in(client):
    r = client.post("/accounts/signup/", {"username": "ada", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/"
    user = User.objects.get(username="ada")
    assert not is_teacher(user)
    page = client.get("/").content.decode()
    assert "ada" in page and "Log out" in page and "teacher" not in page


@pytest.mark.parametrize(("form", "message"), [
    ({"username": "bo", "password1": "short", "password2": "short"}, "too short"),
    ({"username": "bo", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD + "x"}, "didn’t match"),
    ({"username": "has space", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}, "Enter a valid username"),
    ({"username": "ADA", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}, "That name is taken"),
    ({"username": "bo", "password1": "12345678901", "password2": "12345678901"}, "entirely numeric"),
])
def test_signup_refuses_bad_input_inline(client, form, message):
    User.objects.create_user(username="ada", password=GOOD_PASSWORD)
    r = client.post("/accounts/signup/", form)
    assert r.status_code == 400
    assert message in r.content.decode()
    assert User.objects.count() == 1


def test_login_and_logout(client):
    User.objects.create_user(username="ada", password=GOOD_PASSWORD)
    r = client.post("/accounts/login/", {"username": "ada", "password": "wrong-password"})
    assert r.status_code == 200 and "Please enter a correct username and password" in r.content.decode()
    r = client.post("/accounts/login/", {"username": "ada", "password": GOOD_PASSWORD, "next": "/clusters/demo/"})
    assert r.status_code == 302 and r["Location"] == "/clusters/demo/"
    assert client.get("/accounts/logout/").status_code == 405  # a link cannot log anybody out
    r = client.post("/accounts/logout/")
    assert r.status_code == 302
    assert "Log in" in client.get("/").content.decode()


def test_login_refuses_an_open_redirect(client):
    User.objects.create_user(username="ada", password=GOOD_PASSWORD)
    r = client.post("/accounts/login/", {"username": "ada", "password": GOOD_PASSWORD, "next": "https://evil.example/"})
    assert r["Location"] == "/"


def test_signup_escapes_the_name_it_shows(client):
    r = client.post("/accounts/signup/", {"username": "<b>", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert r.status_code == 400
    assert "<b>" not in r.content.decode().split("<main>")[1]


def test_createteacher_makes_a_teacher_who_can_log_in(client):
    call_command("createteacher", "grace", password="hopper-teaches-k8s")
    user = User.objects.get(username="grace")
    assert is_teacher(user) and not user.is_staff
    assert client.login(username="grace", password="hopper-teaches-k8s")
    assert ">teacher<" in client.get("/").content.decode()
    assert identity_of(user, {}).role == "teacher"


def test_createteacher_refuses_a_weak_password():
    with pytest.raises(CommandError, match="too short"):
        call_command("createteacher", "grace", password="abc")
    assert not User.objects.filter(username="grace").exists()


def test_createteacher_gives_an_existing_learner_the_role():
    User.objects.create_user(username="ada", password=GOOD_PASSWORD)
    call_command("createteacher", "ada", password="another-good-one", admin=True)
    user = User.objects.get(username="ada")
    assert is_teacher(user) and user.is_staff and user.check_password("another-good-one")


def test_admin_is_for_staff_only(client):
    assert client.get("/admin/").status_code == 302
    call_command("createteacher", "root", password="hopper-teaches-k8s", admin=True)
    client.login(username="root", password="hopper-teaches-k8s")
    page = client.get("/admin/auth/group/")
    assert page.status_code == 200 and "teachers" in page.content.decode()


@pytest.mark.parametrize(("user", "guest", "role"), [
    (None, None, "anonymous"),
    (None, "g1", "guest"),
])
def test_identity_roles_without_a_user(user, guest, role):
    session = {"kubeviz_guest": guest} if guest else {}
    assert identity_of(user, session).role == role
