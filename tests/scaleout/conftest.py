"""The scale-out layout under test: live servers on PostgreSQL and Redis.

They use the PostgreSQL and Redis named by ``DATABASE_URL`` and ``REDIS_URL`` when the
suite runs against them (``make test-postgres``), else start private ones for the session
(tests/backends.py); without PostgreSQL or Redis installed they are skipped.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from tests import backends
from tests.liveserver import LiveServer


@dataclass
class ScaleOut:
    database_url: str
    redis: backends.Redis | None  # None: an outside Redis (REDIS_URL), not ours to restart
    redis_url: str

    @property
    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url}


@pytest.fixture(scope="session")
def scaleout() -> Iterator[ScaleOut]:
    with ExitStack() as stack:
        database_url = os.environ.get("DATABASE_URL")
        if not database_url:
            if backends.available():
                pytest.skip(backends.available())
            database_url = stack.enter_context(backends.postgres()).url()
        redis = None
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            if backends.available():
                pytest.skip(backends.available())
            redis = stack.enter_context(backends.redis())
            redis_url = redis.url
        yield ScaleOut(database_url, redis, redis_url)


@pytest.fixture
def pg_server(scaleout, tmp_path) -> LiveServer:
    """A prepared (not yet serving) live server on a fresh PostgreSQL database and Redis."""
    return LiveServer.prepare(tmp_path, env=scaleout.env)
