"""People and a class for the classroom tests: a teacher with a class on the ``demo``
template (three nodes), learners who join it through the join page."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kubeviz.accounts.roles import Identity
from kubeviz.accounts.services import teacher_create
from kubeviz.classes.models import Classroom, Membership
from kubeviz.classes.services import class_create

LESSON = "life-of-a-pod"
EXERCISE = "pods-stay-pending"


def browser(user: User | None = None) -> Client:
    b = Client()
    if user is not None:
        b.force_login(user)
    return b


def join(code: str, name: str, password: str = "") -> tuple[Client, Membership]:
    """A learner's browser that joined through the join page (signed in as the new account)."""
    b = Client()
    r = b.post(f"/join/{code}/", {"display_name": name, "password": password})
    assert r.status_code == 302, r.content.decode()[:500]
    return b, Membership.objects.select_related("user", "cluster").get(classroom__code=code.upper(), display_name=name)


@pytest.fixture
def teacher_user(db) -> User:
    return teacher_create(name="ms-rivera", password="projector-in-room-7")[0]


@pytest.fixture
def other_teacher(db) -> User:
    return teacher_create(name="mr-okafor", password="projector-in-room-9")[0]


@pytest.fixture
def classroom(teacher_user) -> Classroom:
    return class_create(identity=Identity(user=teacher_user), name="Pods 101", template="demo",
                        lessons=[LESSON], exercises=[EXERCISE])


@pytest.fixture
def room(classroom):
    """The class with two learners joined: (classroom, [(browser, membership), …])."""
    return classroom, [join(classroom.code, "Ada"), join(classroom.code, "Grace")]
