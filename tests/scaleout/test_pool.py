"""Daphne on PostgreSQL borrows pooled connections: many requests, a flat connection count."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg
import requests

REQUESTS = 1000
THREADS = 4


def _connections(database_url: str) -> int:
    name = database_url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                            (name,)).fetchone()[0]


def test_connection_count_stays_flat_over_1000_requests(pg_server):
    cluster = pg_server.new_cluster()
    url = pg_server.env["DATABASE_URL"]
    with pg_server.serving():
        def batch(n: int) -> list[int]:
            with requests.Session() as s:
                s.trust_env = False
                return [s.get(f"{pg_server.http}/api/clusters/{cluster.name}/steps/", params={"limit": 5}).status_code
                        for _ in range(n)]

        counts, statuses = [], []
        with ThreadPoolExecutor(THREADS) as pool:
            for _ in range(10):
                for result in pool.map(batch, [REQUESTS // 10 // THREADS] * THREADS):
                    statuses += result
                counts.append(_connections(url))
    assert statuses == [200] * REQUESTS
    # The pool (KUBEVIZ_DB_POOL_MAX, 8) bounds Daphne's connections; it does not grow with requests.
    assert max(counts) <= 8, counts
    assert counts[-1] <= counts[0] + 1, counts
