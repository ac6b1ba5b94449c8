"""Checks under load: ``python -m bench.exercises_load`` (issue 15: "fifty checks a second
from ten clients keep every other request's p99 under 100 ms").

Serves kubeviz as ``make run`` does (Daphne and the engine worker, SQLite) from a fresh
database, gives ten learners a personal API token and an attempt at "Pods stay Pending"
each, then for ``--seconds``:

- ten clients, one per learner, each ``POST /api/attempts/<id>/check/`` five times a
  second (paced: a late answer is followed at once by the next request), 50/s in all;
- one other client, paced at ``--other-rate`` per second, reads what learners and the
  dashboard read meanwhile: the exercise list, one attempt, a cluster's steps, the
  exercise page.

Prints ``name: value unit``: the checks' rate achieved and their p50/p99, the other
requests' p50/p99, and how many answers were not 2xx (should be 0). The machine is
shared: compare medians of several runs, not one run."""
from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.figures import percentile, print_figures
from tests.liveserver import LiveServer

LEARNERS = 10
SETUP = """
import json
from django.contrib.auth.models import User
from kubeviz.accounts.roles import Identity
from kubeviz.accounts.services import token_create
from kubeviz.exercises.services import attempt_start
out = []
for i in range({n}):
    user = User.objects.create_user(f"bench{{i}}", password="bench-learner-{{i}}")
    _, token = token_create(user=user, name="bench")
    attempt = attempt_start(identity=Identity(user=user), slug="pods-stay-pending")
    out.append({{"token": token, "attempt": attempt.pk, "cluster": attempt.cluster.name}})
print(json.dumps(out))
"""


def _paced(rate: float, until: float, call) -> None:
    """Call ``call()`` ``rate`` times a second until ``until`` (a late call is followed at once)."""
    interval, due = 1.0 / rate, time.perf_counter()
    while due < until:
        call()
        due += interval
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)


def _timed(session: requests.Session, method: str, url: str, out: list[float], bad: list[int]) -> None:
    started = time.perf_counter()
    r = session.request(method, url, timeout=30)
    out.append((time.perf_counter() - started) * 1000)
    if not r.ok:
        bad.append(r.status_code)


def run(seconds: float, check_rate: float, other_rate: float) -> dict[str, tuple[float, str]]:
    with tempfile.TemporaryDirectory(prefix="kubeviz-bench-") as root:
        server = LiveServer.prepare(Path(root))
        learners = json.loads(server.manage("shell", "-c", SETUP.format(n=LEARNERS)).strip().splitlines()[-1])
        with server.serving(workers=True):
            checks: list[float] = []
            others: list[float] = []
            bad: list[int] = []
            start = time.perf_counter()
            until = start + seconds
            threads = []
            for learner in learners:
                s = requests.Session()
                s.trust_env = False
                s.headers["Authorization"] = f"Bearer {learner['token']}"
                url = f"{server.http}/api/attempts/{learner['attempt']}/check/"
                threads.append(threading.Thread(target=_paced, args=(
                    check_rate / LEARNERS, until, lambda s=s, url=url: _timed(s, "POST", url, checks, bad))))
            reader = requests.Session()
            reader.trust_env = False
            reader.headers["Authorization"] = f"Bearer {learners[0]['token']}"
            urls = [f"{server.http}/api/exercises/", f"{server.http}/api/attempts/{learners[0]['attempt']}/",
                    f"{server.http}/api/clusters/{learners[0]['cluster']}/steps/?limit=50",
                    f"{server.http}/exercises/pods-stay-pending/"]
            turn = iter(range(10**9))
            threads.append(threading.Thread(target=_paced, args=(
                other_rate, until, lambda: _timed(reader, "GET", urls[next(turn) % len(urls)], others, bad))))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
    return {
        "exercises_load_checks_per_s": (len(checks) / elapsed, "/s"),
        "exercises_load_check_p50": (percentile(checks, 50), "ms"),
        "exercises_load_check_p99": (percentile(checks, 99), "ms"),
        "exercises_load_other_p50": (percentile(others, 50), "ms"),
        "exercises_load_other_p99": (percentile(others, 99), "ms"),
        "exercises_load_not_2xx": (len(bad), "answers"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--check-rate", type=float, default=50, help="checks a second, from ten clients in all")
    parser.add_argument("--other-rate", type=float, default=10, help="other requests a second")
    args = parser.parse_args(argv)
    print_figures(run(args.seconds, args.check_rate, args.other_rate))


if __name__ == "__main__":
    main()
