"""Shared fixtures: an in-process demo cluster, and a real Daphne server for HTTP tests."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.liveserver import ClusterHandle, LiveServer


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
