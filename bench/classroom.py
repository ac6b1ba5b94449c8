"""A class of thirty on one machine: ``python -m bench.classroom`` (issue 16, "Capacity
on one machine").

Serves kubeviz as ``make run`` does on the embedded default (SQLite, Channels' in-memory
layer, one Daphne, one engine worker) from a fresh database, makes a teacher with a class
and ``--learners`` learners (30) in it, each with a sandbox and a logged-in browser
session, and then for ``--seconds`` (300):

- every learner keeps a websocket viewer on their sandbox's steps stream, as the
  dashboard does;
- every learner calls their sandbox's Kubernetes API as kubectl would, every 5 s
  (``GET /k8s/<sandbox>/api/v1/namespaces/default/pods`` over HTTPS with the sandbox's
  bearer token);
- every learner takes a lesson step every 20 s in "The life of a pod" (started for them,
  so their sandbox is the lesson's): the player's move through the lesson page (htmx
  ``POST /lessons/<slug>/skip/``, ``back/`` once at the end), then the write a step's "Run
  it" makes (``kubectl apply`` of a Pod, a ``POST`` to ``/k8s/<sandbox>/``), whose step is
  timed from the request being sent to the step's arrival on the learner's websocket
  ("step delivery": the commit happens in between, so this bounds commit → browser
  from above, API time included);
- the teacher keeps the class's room view websocket open (the learners are the class's
  members, with the lesson's sandbox as their class sandbox); the time from a learner's
  lesson step to the room's first update with that learner's tile changed is the room
  view's latency (the room is recomputed every ``KUBEVIZ_ROOM_EVERY`` seconds, 2).

Starts are spread over the first interval so that the learners do not all fire at once.
Prints ``name: value unit``: p50/p99 of API answers (``/k8s/``), of the lesson player's
moves, of step delivery and of the room view's updates, the CPU the server processes
used (percent of one core), errors (non-2xx answers, steps never delivered), websocket
drops (a socket the server closed or lost: the viewer reconnects with ``{"after": N}``
and goes on, as the dashboard does) and the sandboxes that fell behind (a viewer still
missing, two seconds after the run, a step its sandbox had recorded). The host is
shared: compare medians of runs.

``--scaleout`` (``make bench-classroom-scaleout``: 200 learners, 10 minutes) runs the
same class on the scale-out layout instead (issue 19): a private PostgreSQL and Redis
(tests/backends.py), two Daphnes and two engine workers. There is no load balancer in
front: the load generator deals the learners round-robin over the Daphnes (learner i's
API calls, lesson page and websocket all go to Daphne i mod 2), as a balancer with
sticky sessions would. It also reports the CPU of PostgreSQL and Redis.

The load generator is one asyncio process (aiohttp and websockets, no threads) so that on
a small host it is not the bottleneck; it reports the CPU it used itself."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import ssl
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.figures import percentile, print_figures
from tests import backends
from tests.liveserver import TEACHER, LiveServer

API_EVERY = 5.0
STEP_EVERY = 20.0
GRACE = 2.0
LESSON = "life-of-a-pod"
#: the bench's browsers' CSRF cookie (Django accepts any 32-character secret it is sent)
CSRF = "b" * 32
SEQ = re.compile(r'"seq":(\d+)')
NAME = re.compile(r'"name":"([^"]*)"')
#: what differs between two reports of the same problem (addresses, names, numbers)
DETAIL = re.compile(r"https?://\S+|sandbox-\w+|\d+")
#: websockets opening at once (learners arrive over a minute, not in the same millisecond)
OPENING = 20

SETUP = """
import json
from django.contrib.auth.models import User
from kubeviz.accounts.roles import Identity
from kubeviz.apiserver.tokens import cluster_token
from kubeviz.lessons.services import lesson_require, lesson_start
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from importlib import import_module
Store = import_module(settings.SESSION_ENGINE).SessionStore
def browser(user):  # a logged-in browser's cookies (session and CSRF)
    session = Store()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{{settings.SESSION_COOKIE_NAME}}={{session.session_key}}; csrftoken={csrf}"
from kubeviz.classes.models import Membership
from kubeviz.classes.services import class_create
teacher = User.objects.get(username="{teacher}")
classroom = class_create(identity=Identity(user=teacher), name="Load test", template="single-node", lessons=["{lesson}"])
out = []
for i in range({n}):
    user = User.objects.create_user(f"learner{{i}}")
    cluster = lesson_start(identity=Identity(user=user), slug="{lesson}").cluster
    # a member as joining makes one, with the lesson's sandbox as their class sandbox
    Membership.objects.create(classroom=classroom, user=user, display_name=f"learner{{i}}", cluster=cluster)
    out.append({{"user": user.username, "cookies": browser(user), "cluster": cluster.name,
                 "token": cluster_token(cluster), "steps": len(lesson_require("{lesson}").steps)}})
print(json.dumps({{"learners": out, "room": {{"ws": f"/ws/classes/{{classroom.pk}}/room/", "cookies": browser(teacher)}}}}))
"""


def pod(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "lesson"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}


@dataclass
class Figures:
    api: list[float] = field(default_factory=list)
    moves: list[float] = field(default_factory=list)
    delivery: list[float] = field(default_factory=list)
    room: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: websockets that closed without the load generator closing them
    drops: list[str] = field(default_factory=list)
    #: every timed request: (seconds into the run, milliseconds, path's first segment), for
    #: the slowest windows printed at the end (where a tail comes from)
    timeline: list[tuple[float, float, str]] = field(default_factory=list)


@dataclass
class Learner:
    user: str
    cookies: str
    cluster: str
    token: str
    #: how many steps the lesson has; the learner walks them forth and back
    steps: int
    #: which Daphne this learner's browser and kubectl talk to (round-robin)
    daphne: int = 0
    step: int = 0
    forward: bool = True
    #: the newest step seq the viewer has received
    seen: int = 0
    #: pod name -> when its create was sent (perf_counter), until its step arrives
    waiting: dict[str, float] = field(default_factory=dict)


def _print_slowest_windows(timeline: list[tuple[float, float, str]], start: float, width: float = 10.0) -> None:
    """The three windows of ``width`` seconds with the slowest requests, as comments: a
    tail spread evenly is the host's; one packed into a window is a stall worth finding."""
    windows: dict[int, list[tuple[float, str]]] = {}
    for at, took, kind in timeline:
        windows.setdefault(int((at - start) // width), []).append((took, kind))
    worst = sorted(windows.items(), key=lambda w: -max(took for took, _ in w[1]))[:3]
    for index, calls in sorted(worst):
        slow = Counter(kind for took, kind in calls if took > 250)
        print(f"# {index * width:.0f}-{(index + 1) * width:.0f} s: {len(calls)} requests, max "
              f"{max(took for took, _ in calls):.0f} ms, over 250 ms: {dict(slow) or 'none'}", flush=True)


def _cpu(pid: int) -> float:
    """CPU seconds used by process ``pid`` and its reaped children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid``, its reaped children and its live children (PostgreSQL's
    backends are children of the postmaster, which reaps them when they exit)."""
    total = _cpu(pid)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                total += _cpu(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return total


class Run:
    def __init__(self, server: LiveServer, learners: list[Learner], seconds: float, room: dict[str, Any],
                 backend_pids: list[int] | None = None):
        self.learners = learners
        self.seconds = seconds
        self.room = room
        self.figures = Figures()
        # every Daphne's addresses (read while serving); learner i goes to Daphne i mod n
        self.http = list(server.http_all)
        self.https = list(server.https_all)
        for i, learner in enumerate(learners):
            learner.daphne = i % len(self.http)
        self.server_pids = {name: proc.pid for name, proc in server.processes.items()}
        self.backend_pids = backend_pids or []
        self.ssl = ssl.create_default_context(cafile=str(server.ca))
        self.stopping = False
        self.sockets: set[Any] = set()
        self.opening = asyncio.Semaphore(OPENING)
        # learner name -> when their oldest lesson step not yet shown in the room was sent
        self.room_waiting: dict[str, float] = {}
        self.web: aiohttp.ClientSession | None = None

    # ---- HTTP --------------------------------------------------------------------------------

    async def _call(self, method: str, url: str, headers: dict[str, str], out: list[float] | None = None,
                    body: Any = None) -> bool:
        """One request, timed from sending to the whole answer read; False if it failed."""
        assert self.web is not None
        started = time.perf_counter()
        try:
            async with self.web.request(method, url, headers=headers, json=body) as r:
                await r.read()
                status = r.status
        except (aiohttp.ClientError, TimeoutError) as e:
            self.figures.errors.append(f"{method} {url}: {type(e).__name__}: {e}")
            return False
        took = (time.perf_counter() - started) * 1000
        (self.figures.api if out is None else out).append(took)
        self.figures.timeline.append((started, took, url.split("/", 4)[3]))
        if not 200 <= status < 300:
            self.figures.errors.append(f"{method} {url}: HTTP {status}")
            return False
        return True

    def _pods_url(self, learner: Learner) -> str:
        return f"{self.https[learner.daphne]}/k8s/{learner.cluster}/api/v1/namespaces/default/pods"

    async def kubectl_loop(self, learner: Learner, offset: float, until: float) -> None:
        headers = {"Authorization": f"Bearer {learner.token}"}
        await asyncio.sleep(offset)
        due = time.perf_counter()
        while due < until:
            await self._call("GET", self._pods_url(learner), headers)
            due += API_EVERY
            await asyncio.sleep(max(0.0, due - time.perf_counter()))

    async def lesson_loop(self, learner: Learner, offset: float, until: float) -> None:
        # the learner's browser on the lesson player (its cookies, htmx's headers) and kubectl
        browser = {"Cookie": learner.cookies, "X-CSRFToken": CSRF, "HX-Request": "true"}
        kubectl = {"Authorization": f"Bearer {learner.token}"}
        await asyncio.sleep(offset)
        due = time.perf_counter()
        while due < until:
            # the player's move (Skip forward, Back at the end), then the step's kubectl apply
            if learner.step in (0, learner.steps - 1):
                learner.forward = learner.step == 0
            move = "skip" if learner.forward else "back"
            self.room_waiting.setdefault(learner.user, time.perf_counter())
            if await self._call("POST", f"{self.http[learner.daphne]}/lessons/{LESSON}/{move}/", browser,
                                self.figures.moves):
                learner.step += 1 if learner.forward else -1
            name = f"step-{uuid.uuid4().hex[:8]}"
            learner.waiting[name] = time.perf_counter()
            if not await self._call("POST", self._pods_url(learner), kubectl, body=pod(name)):
                learner.waiting.pop(name, None)
            due += STEP_EVERY
            await asyncio.sleep(max(0.0, due - time.perf_counter()))

    # ---- websockets ------------------------------------------------------------------------

    def _frame(self, learner: Learner, raw: str) -> None:
        now = time.perf_counter()
        if not raw.startswith('{"type":"steps"'):
            return
        seqs = [int(s) for s in SEQ.findall(raw)]
        if seqs:
            learner.seen = max(learner.seen, max(seqs))
        for name in NAME.findall(raw):
            sent = learner.waiting.pop(name, None)
            if sent is not None:
                self.figures.delivery.append((now - sent) * 1000)

    async def _socket(self, what: str, url: str, origin: str, cookies: str, ready: asyncio.Event,
                      opened: Any, frame: Any) -> None:
        """Keep one websocket open until the run stops: ``opened(ws, again)`` after each
        connect, ``frame(raw)`` for each frame. A socket that closes or fails before the
        run stops is a drop; it reconnects (a second later if connecting failed)."""
        from websockets.asyncio.client import connect

        connected, failures = False, 0
        while not self.stopping:
            ws = None
            try:
                async with self.opening:
                    ws = await connect(url, origin=origin, additional_headers={"Cookie": cookies}, max_size=None,
                                       open_timeout=30)
                    self.sockets.add(ws)
                    await opened(ws, connected)
                connected = True
                ready.set()
                async for raw in ws:
                    frame(raw)
                if not self.stopping:
                    self.figures.drops.append(f"{what}: closed {ws.close_code} {ws.close_reason}")
            except Exception as e:  # noqa: BLE001 - any failure of a socket is a drop (or an error)
                if self.stopping:
                    break
                if connected:
                    self.figures.drops.append(f"{what}: {type(e).__name__}: {e}")
                else:  # a failed first connect: the dashboard tries again, so do we (5 times)
                    self.figures.errors.append(f"{what}: {type(e).__name__}: {e}")
                    failures += 1
                    if failures == 5:
                        break
                await asyncio.sleep(1)
            finally:
                if ws is not None:
                    self.sockets.discard(ws)
                    await ws.close()
        ready.set()

    async def viewer(self, learner: Learner, ready: asyncio.Event) -> None:
        async def opened(ws: Any, again: bool) -> None:
            first = json.loads(await ws.recv())
            if first.get("type") != "snapshot":
                raise RuntimeError(f"first frame {first.get('type')}")
            if again:  # the dashboard's reconnect: the steps missed, then live
                await ws.send(json.dumps({"after": learner.seen}))
            else:
                learner.seen = first["seq"]

        http = self.http[learner.daphne]
        await self._socket(f"viewer {learner.cluster}", f"{http.replace('http://', 'ws://')}/ws/clusters/{learner.cluster}/steps/",
                           http, learner.cookies, ready, opened, lambda raw: self._frame(learner, raw))

    async def room_viewer(self, ready: asyncio.Event) -> None:
        """The teacher's room view: a learner's changed tile in an update closes the wait
        of their latest lesson step (sent → shown in the room)."""
        async def opened(ws: Any, again: bool) -> None:
            return None

        def frame(raw: str) -> None:
            now = time.perf_counter()
            for tile in json.loads(raw).get("tiles", []):
                sent = self.room_waiting.pop(tile["name"], None)
                if sent is not None:
                    self.figures.room.append((now - sent) * 1000)

        http = self.http[0]
        await self._socket("room view", http.replace("http://", "ws://") + self.room["ws"], http,
                           self.room["cookies"], ready, opened, frame)

    # ---- the run -----------------------------------------------------------------------------

    def _usage(self) -> tuple[dict[str, float], float, float]:
        """CPU seconds so far: each of kubeviz's processes, PostgreSQL and Redis, this process."""
        return ({name: _tree_cpu(pid) for name, pid in self.server_pids.items()},
                sum(_tree_cpu(pid) for pid in self.backend_pids), time.process_time())

    async def _progress(self, start: float) -> None:
        """A line a minute on stderr, so that a long run can be watched."""
        while not self.stopping:
            await asyncio.sleep(60)
            f = self.figures
            print(f"# {time.perf_counter() - start:.0f} s: {len(f.api)} API calls, p99 {percentile(f.api, 99):.0f} ms, "
                  f"delivery p99 {percentile(f.delivery, 99):.0f} ms, {len(f.errors)} errors, {len(f.drops)} drops, "
                  f"load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)

    async def main(self) -> dict[str, tuple[float, str]]:
        connector = aiohttp.TCPConnector(limit=0, ssl=self.ssl)
        async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                         timeout=aiohttp.ClientTimeout(total=30)) as self.web:
            return await self._main()

    async def _main(self) -> dict[str, tuple[float, str]]:
        readies = [asyncio.Event() for _ in self.learners]
        viewers = [asyncio.create_task(self.viewer(learner, ready))
                   for learner, ready in zip(self.learners, readies, strict=True)]
        room_ready = asyncio.Event()
        viewers.append(asyncio.create_task(self.room_viewer(room_ready)))
        readies.append(room_ready)
        for ready in readies:
            await ready.wait()
        before = self._usage()
        start = time.perf_counter()
        progress = asyncio.create_task(self._progress(start))
        until = start + self.seconds
        n = len(self.learners)
        loops = []
        for i, learner in enumerate(self.learners):
            loops.append(self.kubectl_loop(learner, API_EVERY * i / n, until))
            loops.append(self.lesson_loop(learner, STEP_EVERY * i / n, until))
        await asyncio.gather(*loops)
        elapsed = time.perf_counter() - start
        after = self._usage()
        each = {name: after[0][name] - before[0].get(name, 0.0) for name in after[0]}
        server, database, loadgen = sum(each.values()), after[1] - before[1], after[2] - before[2]
        behind = await self._behind()
        self.stopping = True
        progress.cancel()
        await asyncio.gather(*(ws.close() for ws in list(self.sockets)), return_exceptions=True)
        await asyncio.gather(*viewers)
        undelivered = sum(len(learner.waiting) for learner in self.learners)
        f = self.figures
        figures = {
            "classroom_learners": (n, "learners"),
            "classroom_daphnes": (len(self.http), "Daphnes (learners dealt round-robin)"),
            "classroom_api_calls": (len(f.api), "calls"),
            "classroom_api_p50": (percentile(f.api, 50), "ms"),
            "classroom_api_p99": (percentile(f.api, 99), "ms"),
            "classroom_lesson_moves": (len(f.moves), "moves"),
            "classroom_lesson_move_p50": (percentile(f.moves, 50), "ms"),
            "classroom_lesson_move_p99": (percentile(f.moves, 99), "ms"),
            "classroom_step_delivery_p50": (percentile(f.delivery, 50), "ms"),
            "classroom_step_delivery_p99": (percentile(f.delivery, 99), "ms"),
            "classroom_room_update_p50": (percentile(f.room, 50), "ms"),
            "classroom_room_update_p99": (percentile(f.room, 99), "ms"),
            "classroom_server_cpu": (100 * server / elapsed, "% of one core"),
            **{f"classroom_cpu_{name.replace('-', '_')}": (100 * used / elapsed, "% of one core")
               for name, used in sorted(each.items()) if len(each) > 1},
        }
        if self.backend_pids:
            figures["classroom_postgres_redis_cpu"] = (100 * database / elapsed, "% of one core")
        figures.update({
            "classroom_loadgen_cpu": (100 * loadgen / elapsed, "% of one core"),
            "classroom_errors": (len(f.errors) + undelivered, "errors"),
            "classroom_ws_drops": (len(f.drops), "drops"),
            "classroom_sandboxes_behind": (behind, "sandboxes"),
            "classroom_host_load_1min": (os.getloadavg()[0], f"load on {os.cpu_count()} cpus"),
        })
        _print_slowest_windows(f.timeline, start)
        kinds = Counter(DETAIL.sub("…", problem) for problem in f.errors + f.drops)
        for kind, count in kinds.most_common(8):
            print(f"# {count} × {kind}", flush=True)
        return figures

    async def _head(self, learner: Learner) -> int:
        """A sandbox's newest recorded step seq, read through REST."""
        assert self.web is not None
        url = f"{self.http[learner.daphne]}/api/clusters/{learner.cluster}/steps/"
        async with self.web.get(url, params={"after": learner.seen, "limit": 5000},
                                headers={"Authorization": f"Bearer {learner.token}"}) as r:
            steps = await r.json() if r.ok else []
        return steps[-1]["seq"] if steps else learner.seen

    async def _behind(self) -> int:
        """Sandboxes whose viewer has not received, within ``GRACE`` seconds, every step
        its sandbox had recorded when the run ended."""
        heads = await asyncio.gather(*(self._head(learner) for learner in self.learners))
        deadline = time.perf_counter() + GRACE
        while time.perf_counter() < deadline:
            if all(learner.seen >= head for learner, head in zip(self.learners, heads, strict=True)):
                break
            await asyncio.sleep(0.1)
        return sum(learner.seen < head for learner, head in zip(self.learners, heads, strict=True))


def run(learners: int, seconds: float, *, scaleout: bool = False, daphnes: int = 1,
        workers: int = 1, logs: Path | None = None) -> dict[str, tuple[float, str]]:
    with ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kubeviz-bench-")))
        env, backend_pids = None, []
        if scaleout:  # a private PostgreSQL and Redis; their CPU is measured from their root pids
            pg = stack.enter_context(backends.postgres())
            redis = stack.enter_context(backends.redis())
            env = {"DATABASE_URL": pg.url(), "REDIS_URL": redis.url}
            assert redis.process is not None
            backend_pids = [int((pg.root / "data" / "postmaster.pid").read_text().split()[0]), redis.process.pid]
        server = LiveServer.prepare(root, embedded=not scaleout, env=env)
        made = json.loads(server.manage("shell", "-c", SETUP.format(n=learners, lesson=LESSON, csrf=CSRF, teacher=TEACHER)).strip().splitlines()[-1])
        people = [Learner(**row) for row in made["learners"]]
        if logs is not None:  # the servers' logs, kept once they have stopped
            logs.mkdir(parents=True, exist_ok=True)
            stack.callback(lambda: [shutil.copy(log, logs) for log in root.glob("*.log")])
        stack.enter_context(server.serving(workers=workers, daphnes=daphnes))
        return asyncio.run(Run(server, people, seconds, made["room"], backend_pids).main())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scaleout", action="store_true",
                        help="PostgreSQL and Redis, two Daphnes and two workers (default: the embedded SQLite, one of each)")
    parser.add_argument("--learners", type=int, help="default 30 (200 with --scaleout)")
    parser.add_argument("--minutes", type=float, help="how long the class runs (default 5; 10 with --scaleout)")
    parser.add_argument("--seconds", type=float, help="the same in seconds")
    parser.add_argument("--daphnes", type=int, help="Daphne processes (default 1; 2 with --scaleout)")
    parser.add_argument("--workers", type=int, help="engine worker processes (default 1; 2 with --scaleout)")
    parser.add_argument("--logs", type=Path, help="keep the servers' logs in this directory")
    args = parser.parse_args(argv)
    big = args.scaleout
    if big and backends.available():
        print(f"# bench.classroom --scaleout skipped: {backends.available()}", file=sys.stderr)
        return
    seconds = args.seconds if args.seconds is not None else 60 * (args.minutes or (10 if big else 5))
    daphnes = args.daphnes or (2 if big else 1)
    if daphnes > 1 and not big:
        parser.error("several Daphnes share clusters through PostgreSQL and Redis: add --scaleout")
    print_figures(run(args.learners or (200 if big else 30), seconds, scaleout=big, daphnes=daphnes,
                      workers=args.workers or (2 if big else 1), logs=args.logs))


if __name__ == "__main__":
    main()
