"""Shared fixtures: an in-process demo cluster, and a real Daphne server for HTTP tests."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.liveserver import ClusterHandle, LiveServer


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, closing PostgreSQL's connection pools before the test database is
    dropped (a pooled connection still open would keep it from being dropped)."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for conn in connections.all():
            if hasattr(conn, "close_pool"):
                conn.close_pool()


@pytest.fixture
def teacher(db):
    """A teacher: the site's clusters (such as the demo) are acted on by teachers only."""
    from kubeviz.accounts.services import teacher_create

    return teacher_create(name="teacher", password="projector-in-room-7")[0]


@pytest.fixture
def client(teacher):
    """A teacher's browser. Tests of who may do what make their own clients
    (tests/clusters/test_permissions.py)."""
    from django.test import Client

    browser = Client()
    browser.force_login(teacher)
    return browser


@pytest.fixture
def api_client(teacher):
    """A teacher's REST client (session authentication, CSRF not enforced)."""
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(teacher)
    return api


@pytest.fixture
def cluster(db):
    """A fresh ``demo``-shaped cluster in the test database."""
    from kubeviz.clusters.services import cluster_create

    return cluster_create(name="demo", fixture="demo")


def _serve(root: Path, *, workers: bool = False) -> Iterator[LiveServer]:
    """Daphne serving kubeviz (HTTP and HTTPS) in a subprocess with its own database; with
    ``workers``, ``manage.py runworkers`` runs every cluster's engine next to it."""
    with LiveServer.prepare(root).serving(workers=workers) as server:
        yield server


@pytest.fixture(scope="session")
def live_server_kv(tmp_path_factory) -> LiveServer:
    """A live server whose clusters stand still (no engine): requests and steps only."""
    yield from _serve(tmp_path_factory.mktemp("kubeviz-server"))


@pytest.fixture(scope="session")
def live_engine_server(tmp_path_factory) -> LiveServer:
    """A live server with the engine workers running, so its clusters act on requests."""
    yield from _serve(tmp_path_factory.mktemp("kubeviz-engine-server"), workers=True)


@pytest.fixture
def kv_cluster(live_server_kv) -> ClusterHandle:
    """A new cluster (demo fixture) on the live server, for one test."""
    return live_server_kv.new_cluster()


@pytest.fixture
def kubectl_bin():
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not on PATH")
    return shutil.which("kubectl")
