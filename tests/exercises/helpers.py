"""What the exercise REST and page tests share: people, and solving Pods stay Pending."""
from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework.test import APIClient

from kubeviz.accounts.services import teacher_create, token_create
from kubeviz.clusters.models import Cluster
from kubeviz.engine.control import component_set
from kubeviz.engine.runner import settle_cluster

SLUG = "pods-stay-pending"


def learner(name: str) -> User:
    return User.objects.create_user(name, password=f"{name}-learns-pods")


def session_api(user: User) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def token_api(user: User) -> APIClient:
    """A script's client: the user's personal API token, no session, no CSRF."""
    _, token = token_create(user=user, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def teacher_api(*learners: User) -> APIClient:
    """A teacher's client; the teacher teaches ``learners`` (a teacher sees only their own)."""
    from tests.classes.helpers import teach

    teacher = teacher_create(name="teacher", password="projector-in-room-7")[0]
    if learners:
        teach(teacher, *learners)
    return session_api(teacher)


def solve(cluster_name: str) -> None:
    """What a learner does: start the stopped scheduler, and let the cluster settle."""
    cluster = Cluster.objects.get(name=cluster_name)
    component_set(cluster=cluster, component="scheduler", running=True)
    settle_cluster(cluster, horizon=120)
