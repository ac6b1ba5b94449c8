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
used (percent of one core), errors (non-2xx answers, dropped sockets, steps never
delivered) and the sandboxes that fell behind (a viewer still missing, two seconds after
the run, a step its sandbox had recorded). The host is shared: compare medians of runs."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.figures import percentile, print_figures
from tests.liveserver import TEACHER, LiveServer

API_EVERY = 5.0
STEP_EVERY = 20.0
GRACE = 2.0
LESSON = "life-of-a-pod"
#: the bench's browsers' CSRF cookie (Django accepts any 32-character secret it is sent)
CSRF = "b" * 32
SEQ = re.compile(r'"seq":(\d+)')
NAME = re.compile(r'"name":"([^"]*)"')

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


@dataclass
class Learner:
    user: str
    cookies: str
    cluster: str
    token: str
    #: how many steps the lesson has; the learner walks them forth and back
    steps: int
    step: int = 0
    forward: bool = True
    #: the newest step seq the viewer has received
    seen: int = 0
    #: pod name -> when its create was sent (perf_counter), until its step arrives
    waiting: dict[str, float] = field(default_factory=dict)


def _cpu(pid: int) -> float:
    """CPU seconds used by process ``pid`` and its reaped children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _server_pids(server: LiveServer) -> list[int]:
    """Daphne and the engine worker, which ``serving(workers=True)`` starts as children."""
    return [proc.pid for proc in server.processes.values()]


class Run:
    def __init__(self, server: LiveServer, learners: list[Learner], seconds: float, room: dict[str, Any]):
        self.server = server
        self.learners = learners
        self.seconds = seconds
        self.room = room
        self.figures = Figures()
        self.origin = server.http
        self.ws_base = server.http.replace("http://", "ws://")
        # learner name -> when their oldest lesson step not yet shown in the room was sent
        self.room_waiting: dict[str, float] = {}

    # ---- HTTP, in threads (requests is blocking) ------------------------------------------

    def _session(self, learner: Learner) -> requests.Session:
        s = requests.Session()
        s.trust_env = False
        s.verify = str(self.server.ca)
        s.headers["Authorization"] = f"Bearer {learner.token}"
        return s

    async def _call(self, session: requests.Session, method: str, url: str, out: list[float] | None = None,
                    **kwargs: Any) -> requests.Response | None:
        started = time.perf_counter()
        try:
            r = await asyncio.to_thread(session.request, method, url, timeout=30, **kwargs)
        except requests.RequestException as e:
            self.figures.errors.append(f"{method} {url}: {e}")
            return None
        (self.figures.api if out is None else out).append((time.perf_counter() - started) * 1000)
        if not r.ok:
            self.figures.errors.append(f"{method} {url}: HTTP {r.status_code}")
        return r

    async def kubectl_loop(self, learner: Learner, offset: float, until: float) -> None:
        session = self._session(learner)
        url = f"{self.server.https}/k8s/{learner.cluster}/api/v1/namespaces/default/pods"
        await asyncio.sleep(offset)
        due = time.perf_counter()
        while due < until:
            await self._call(session, "GET", url)
            due += API_EVERY
            await asyncio.sleep(max(0.0, due - time.perf_counter()))

    def _browser(self, learner: Learner) -> requests.Session:
        """The learner's browser on the lesson player: its cookies, and htmx's headers."""
        s = requests.Session()
        s.trust_env = False
        s.headers.update({"Cookie": learner.cookies, "X-CSRFToken": CSRF, "HX-Request": "true"})
        return s

    async def lesson_loop(self, learner: Learner, offset: float, until: float) -> None:
        session = self._session(learner)
        browser = self._browser(learner)
        url = f"{self.server.https}/k8s/{learner.cluster}/api/v1/namespaces/default/pods"
        await asyncio.sleep(offset)
        due = time.perf_counter()
        while due < until:
            # the player's move (Skip forward, Back at the end), then the step's kubectl apply
            if learner.step in (0, learner.steps - 1):
                learner.forward = learner.step == 0
            move = "skip" if learner.forward else "back"
            self.room_waiting.setdefault(learner.user, time.perf_counter())
            r = await self._call(browser, "POST", f"{self.server.http}/lessons/{LESSON}/{move}/",
                                 self.figures.moves)
            if r is not None and r.ok:
                learner.step += 1 if learner.forward else -1
            name = f"step-{uuid.uuid4().hex[:8]}"
            learner.waiting[name] = time.perf_counter()
            r = await self._call(session, "POST", url, json=pod(name))
            if r is None or not r.ok:
                learner.waiting.pop(name, None)
            due += STEP_EVERY
            await asyncio.sleep(max(0.0, due - time.perf_counter()))

    # ---- websockets ------------------------------------------------------------------------

    async def viewer(self, learner: Learner, ready: asyncio.Event, stop: asyncio.Event) -> None:
        from websockets.asyncio.client import connect

        url = f"{self.ws_base}/ws/clusters/{learner.cluster}/steps/"
        try:
            async with connect(url, origin=self.origin, additional_headers={"Cookie": learner.cookies},
                               max_size=None, open_timeout=30) as ws:
                first = json.loads(await ws.recv())
                if first.get("type") != "snapshot":
                    self.figures.errors.append(f"viewer {learner.cluster}: first frame {first.get('type')}")
                    return
                learner.seen = first["seq"]
                ready.set()
                while not stop.is_set():
                    try:
                        raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
                    except TimeoutError:
                        continue
                    now = time.perf_counter()
                    if not raw.startswith('{"type":"steps"'):
                        continue
                    seqs = [int(s) for s in SEQ.findall(raw)]
                    if seqs:
                        learner.seen = max(learner.seen, max(seqs))
                    for name in NAME.findall(raw):
                        sent = learner.waiting.pop(name, None)
                        if sent is not None:
                            self.figures.delivery.append((now - sent) * 1000)
        except Exception as e:  # noqa: BLE001 - any failure of a viewer is an error to count
            self.figures.errors.append(f"viewer {learner.cluster}: {type(e).__name__}: {e}")
        finally:
            ready.set()

    async def room_viewer(self, ready: asyncio.Event, stop: asyncio.Event) -> None:
        """The teacher's room view: a learner's changed tile in an update closes the wait
        of their latest lesson step (sent → shown in the room)."""
        from websockets.asyncio.client import connect

        try:
            async with connect(self.ws_base + self.room["ws"], origin=self.origin,
                               additional_headers={"Cookie": self.room["cookies"]}, max_size=None,
                               open_timeout=30) as ws:
                ready.set()
                while not stop.is_set():
                    try:
                        raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
                    except TimeoutError:
                        continue
                    now = time.perf_counter()
                    for tile in json.loads(raw).get("tiles", []):
                        sent = self.room_waiting.pop(tile["name"], None)
                        if sent is not None:
                            self.figures.room.append((now - sent) * 1000)
        except Exception as e:  # noqa: BLE001
            self.figures.errors.append(f"room view: {type(e).__name__}: {e}")
        finally:
            ready.set()

    # ---- the run -----------------------------------------------------------------------------

    async def main(self) -> dict[str, tuple[float, str]]:
        stop = asyncio.Event()
        readies = [asyncio.Event() for _ in self.learners]
        viewers = [asyncio.create_task(self.viewer(learner, ready, stop))
                   for learner, ready in zip(self.learners, readies, strict=True)]
        room_ready = asyncio.Event()
        room_task = asyncio.create_task(self.room_viewer(room_ready, stop))
        readies.append(room_ready)
        for ready in readies:
            await ready.wait()
        pids = _server_pids(self.server)
        cpu0 = sum(_cpu(pid) for pid in pids)
        start = time.perf_counter()
        until = start + self.seconds
        n = len(self.learners)
        loops = []
        for i, learner in enumerate(self.learners):
            loops.append(self.kubectl_loop(learner, API_EVERY * i / n, until))
            loops.append(self.lesson_loop(learner, STEP_EVERY * i / n, until))
        await asyncio.gather(*loops)
        elapsed = time.perf_counter() - start
        cpu = sum(_cpu(pid) for pid in pids) - cpu0
        behind = await self._behind()
        stop.set()
        await asyncio.gather(*viewers, room_task)
        undelivered = sum(len(learner.waiting) for learner in self.learners)
        f = self.figures
        figures = {
            "classroom_learners": (n, "learners"),
            "classroom_api_calls": (len(f.api), "calls"),
            "classroom_api_p50": (percentile(f.api, 50), "ms"),
            "classroom_api_p99": (percentile(f.api, 99), "ms"),
            "classroom_lesson_move_p50": (percentile(f.moves, 50), "ms"),
            "classroom_lesson_move_p99": (percentile(f.moves, 99), "ms"),
            "classroom_step_delivery_p50": (percentile(f.delivery, 50), "ms"),
            "classroom_step_delivery_p99": (percentile(f.delivery, 99), "ms"),
        }
        figures.update({
            "classroom_room_update_p50": (percentile(f.room, 50), "ms"),
            "classroom_room_update_p99": (percentile(f.room, 99), "ms"),
            "classroom_server_cpu": (100 * cpu / elapsed, "% of one core"),
            "classroom_errors": (len(f.errors) + undelivered, "errors"),
            "classroom_sandboxes_behind": (behind, "sandboxes"),
        })
        for error in f.errors[:5]:
            print(f"# {error}", flush=True)
        return figures

    def _heads(self) -> list[int]:
        """Each sandbox's newest recorded step seq, read through REST."""
        heads = []
        for learner in self.learners:
            r = requests.get(f"{self.server.http}/api/clusters/{learner.cluster}/steps/",
                             params={"after": learner.seen, "limit": 5000},
                             headers={"Authorization": f"Bearer {learner.token}"}, timeout=30)
            steps = r.json() if r.ok else []
            heads.append(steps[-1]["seq"] if steps else learner.seen)
        return heads

    async def _behind(self) -> int:
        """Sandboxes whose viewer has not received, within ``GRACE`` seconds, every step
        its sandbox had recorded when the run ended."""
        heads = await asyncio.to_thread(self._heads)
        deadline = time.perf_counter() + GRACE
        while time.perf_counter() < deadline:
            if all(learner.seen >= head for learner, head in zip(self.learners, heads, strict=True)):
                break
            await asyncio.sleep(0.1)
        return sum(learner.seen < head for learner, head in zip(self.learners, heads, strict=True))


def run(learners: int, seconds: float) -> dict[str, tuple[float, str]]:
    with tempfile.TemporaryDirectory(prefix="kubeviz-bench-") as root:
        server = LiveServer.prepare(Path(root), embedded=True)
        made = json.loads(server.manage("shell", "-c", SETUP.format(n=learners, lesson=LESSON, csrf=CSRF, teacher=TEACHER)).strip().splitlines()[-1])
        people = [Learner(**row) for row in made["learners"]]
        with server.serving(workers=True):
            return asyncio.run(Run(server, people, seconds, made["room"]).main())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=300, help="how long the class runs (default 5 minutes)")
    args = parser.parse_args(argv)
    print_figures(run(args.learners, args.seconds))


if __name__ == "__main__":
    main()
