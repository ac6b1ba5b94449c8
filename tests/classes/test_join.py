"""Joining a class with its code: an account, a sandbox from the class's template, the
class's material; a wrong code, an archived or ended class: a clear message, nothing made."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from kubeviz.classes.models import Classroom, Membership
from kubeviz.classes.services import class_archive
from kubeviz.clusters.models import Cluster

from .conftest import browser, join

pytestmark = pytest.mark.django_db


def test_joining_makes_an_account_a_sandbox_and_shows_the_material(classroom):
    b, member = join(classroom.code.lower(), "Ada Lovelace")  # codes are read case-blind
    assert member.cluster.owner_id == member.user_id
    assert member.cluster.fixture == "demo"
    page = b.get(f"/classes/{classroom.pk}/").content.decode()
    assert "Ada Lovelace" in page and member.cluster.name in page
    assert "/lessons/life-of-a-pod/" in page and "/exercises/pods-stay-pending/" in page
    assert b.get(f"/clusters/{member.cluster.name}/").status_code == 200


def test_the_class_page_shows_the_code_the_link_and_an_inline_qr_code(classroom, teacher_user):
    page = browser(teacher_user).get(f"/classes/{classroom.pk}/").content.decode()
    assert classroom.code in page and f"/join/{classroom.code}/" in page
    assert '<svg role="img" aria-label="QR code of the join link"' in page
    assert "http" not in page.split('aria-label="QR code of the join link"')[1].split("</svg>")[0]


@pytest.mark.parametrize("case, status, message", [
    ("wrong", 404, "no class has the join code"),
    ("archived", 410, "archived"),
    ("ended", 410, "has ended"),
])
def test_a_wrong_code_or_a_closed_class_says_why_and_makes_nothing(classroom, case, status, message):
    code = classroom.code
    if case == "wrong":
        code = "ZZZZZZ"
    elif case == "archived":
        class_archive(classroom=classroom)
    else:
        Classroom.objects.filter(pk=classroom.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    users, clusters = User.objects.count(), Cluster.objects.count()
    r = browser().post(f"/join/{code}/", {"display_name": "Ada"})
    assert r.status_code == status
    assert message in r.content.decode()
    assert (User.objects.count(), Cluster.objects.count(), Membership.objects.count()) == (users, clusters, 0)


def test_a_password_brings_a_learner_back_from_another_device(classroom):
    _, first = join(classroom.code, "Ada", password="analytical-engine")
    again = browser().post(f"/join/{classroom.code}/", {"display_name": "ada", "password": "analytical-engine"})
    assert again.status_code == 302
    assert Membership.objects.filter(classroom=classroom).count() == 1
    taken = browser().post(f"/join/{classroom.code}/", {"display_name": "Ada", "password": "guess"})
    assert taken.status_code == 409 and "already in this class" in taken.content.decode()
    assert Cluster.objects.filter(owner=first.user).count() == 1


def test_a_signed_in_user_joins_as_themselves(classroom):
    user = User.objects.create_user("lin", password="lin-learns-pods")
    r = browser(user).post(f"/join/{classroom.code}/", {"display_name": "Lin"})
    assert r.status_code == 302
    assert Membership.objects.get(classroom=classroom).user == user


def test_learners_watch_the_teachers_demo_but_do_not_act_on_it(classroom, teacher_user):
    from kubeviz.accounts.roles import Identity
    from kubeviz.classes.services import class_update
    from kubeviz.clusters.services import sandbox_create

    demo = sandbox_create(identity=Identity(user=teacher_user), template="single-node")  # private, the teacher's
    class_update(classroom=classroom, demo_cluster=demo)
    b, _ = join(classroom.code, "Ada")
    assert f"/clusters/{demo.name}/" in b.get(f"/classes/{classroom.pk}/").content.decode()
    assert b.get(f"/clusters/{demo.name}/").status_code == 200
    assert b.post(f"/clusters/{demo.name}/actions/node-cordon/", {"name": "node-1"}, HTTP_HX_REQUEST="true").status_code == 403
    assert browser(User.objects.create_user("stranger", password="x-long-password")).get(
        f"/clusters/{demo.name}/").status_code == 404


def test_after_the_end_an_archived_class_hands_the_sandboxes_to_the_teacher(classroom, teacher_user):
    from kubeviz.clusters.sleep import sweep_run

    b, ada = join(classroom.code, "Ada")
    Classroom.objects.filter(pk=classroom.pk).update(ends_at=timezone.now() + timedelta(hours=1))
    class_archive(classroom=Classroom.objects.get(pk=classroom.pk))
    sweep_run()
    assert b.get(f"/clusters/{ada.cluster.name}/").status_code == 200  # until the class ends
    Classroom.objects.filter(pk=classroom.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    sweep_run()
    assert b.get(f"/clusters/{ada.cluster.name}/").status_code == 404
    assert browser(teacher_user).get(f"/clusters/{ada.cluster.name}/").status_code == 200
