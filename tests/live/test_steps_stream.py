"""The steps websocket, end to end through ``kubeviz.asgi.application``.

The consumer and its tailer read the database from Channels' worker thread, so every
test uses a transactional database (committed rows, as the worker process would write).
"""
from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.asgi import application
from kubeviz.flow.models import Step
from kubeviz.flow.services import step_record
from kubeviz.live import tailer
from kubeviz.live.snapshot import SUMMARIES, snapshot_at

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = b"http://127.0.0.1:8000"
TIMEOUT = 10


def communicator(name: str = "demo", origin: bytes | None = ORIGIN) -> WebsocketCommunicator:
    headers = [(b"origin", origin)] if origin is not None else []
    return WebsocketCommunicator(application, f"/ws/clusters/{name}/steps/", headers=headers)


async def connect(name: str = "demo") -> tuple[WebsocketCommunicator, dict]:
    comm = communicator(name)
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    snapshot = await comm.receive_json_from(timeout=TIMEOUT)
    assert snapshot["type"] == "snapshot"
    return comm, snapshot


async def receive_steps(comm: WebsocketCommunicator, count: int) -> list[dict]:
    """Read ``steps`` messages until ``count`` steps have come; then expect silence."""
    steps: list[dict] = []
    while len(steps) < count:
        message = await comm.receive_json_from(timeout=TIMEOUT)
        assert message["type"] == "steps", message
        steps.extend(message["steps"])
    assert len(steps) == count, [s["seq"] for s in steps]
    return steps


async def receive_through(comm: WebsocketCommunicator, seq: int) -> list[dict]:
    """Read ``steps`` messages until the step ``seq`` has come."""
    steps: list[dict] = []
    while not steps or steps[-1]["seq"] < seq:
        message = await comm.receive_json_from(timeout=TIMEOUT)
        assert message["type"] == "steps", message
        steps.extend(message["steps"])
    return steps


def seqs(steps: list[dict]) -> list[int]:
    return [s["seq"] for s in steps]


@database_sync_to_async
def create_configmap(cluster, name: str) -> dict:
    return registry.create(cluster, by_plural("configmaps"), "default", {"metadata": {"name": name}, "data": {"k": "v"}})


@database_sync_to_async
def record_steps(cluster, count: int, per_transaction: int = 10) -> None:
    """Steps as a worker process writes them: several per transaction."""
    for start in range(0, count, per_transaction):
        with transaction.atomic():
            for i in range(start, min(start + per_transaction, count)):
                step_record(cluster=cluster, source="scheduler", target="apiserver", action="test", message=f"step {i}")


@database_sync_to_async
def head(cluster) -> int:
    cluster.refresh_from_db()
    return cluster.step_seq


async def test_connect_sends_snapshot_then_new_steps(cluster):
    comm, snapshot = await connect()
    assert snapshot["cluster"] == "demo"
    assert sorted(n["name"] for n in snapshot["nodes"]) == ["node-1", "node-2", "node-3"]
    assert all(n["status"] == "Ready" and n["uid"] for n in snapshot["nodes"])
    assert snapshot["seq"] == await head(cluster) > 0
    assert snapshot["revision"] > 0
    recent = snapshot["steps"]
    assert recent and recent[-1]["seq"] == snapshot["seq"]
    assert seqs(recent) == list(range(recent[0]["seq"], snapshot["seq"] + 1))
    assert {"seq", "step", "source", "target", "action", "object", "message", "revision", "time", "category"} <= set(recent[0])
    for key in ("pods", "deployments", "services"):
        assert isinstance(snapshot[key], list)

    created = await create_configmap(cluster, "settings")
    [step] = await receive_steps(comm, 1)
    assert step["seq"] == snapshot["seq"] + 1
    assert step["object"] == {"kind": "ConfigMap", "namespace": "default", "name": "settings", "uid": created["metadata"]["uid"]}
    assert step["step"] == 2 and step["source"] == "apiserver" and step["target"] == "etcd"
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()
    assert tailer.tailer_count() == 0


async def test_clients_share_a_snapshot_until_the_cluster_changes(cluster):
    first, one = await connect()
    second, two = await connect()
    assert one == two
    created = await create_configmap(cluster, "changed")
    third, three = await connect()
    assert three["seq"] == one["seq"] + 1 and three["revision"] > one["revision"]
    assert three["steps"][-1]["object"]["uid"] == created["metadata"]["uid"]
    for comm in (first, second):
        assert len(await receive_steps(comm, 1)) == 1
    for comm in (first, second, third):
        await comm.disconnect()


async def test_snapshot_keeps_the_last_200_steps(cluster):
    await record_steps(cluster, 250, per_transaction=50)
    comm, snapshot = await connect()
    assert seqs(snapshot["steps"]) == list(range(snapshot["seq"] - 199, snapshot["seq"] + 1))
    await comm.disconnect()


async def test_resume_after_sends_exactly_the_missing_steps(cluster):
    comm, snapshot = await connect()
    n = snapshot["seq"]
    await record_steps(cluster, 5)
    live = await receive_steps(comm, 5)
    assert seqs(live) == list(range(n + 1, n + 6))
    await comm.disconnect()

    # Steps recorded while the client is away.
    await record_steps(cluster, 30, per_transaction=7)
    await create_configmap(cluster, "while-away")
    last_seen = live[2]["seq"]  # pretend the last two live steps were lost on the way

    comm, snapshot = await connect()
    await comm.send_json_to({"after": last_seen})
    resumed = await receive_through(comm, snapshot["seq"])
    assert seqs(resumed) == list(range(last_seen + 1, snapshot["seq"] + 1))
    # ...and live from there, no gap, no duplicate.
    await record_steps(cluster, 12, per_transaction=5)
    more = await receive_steps(comm, 12)
    assert seqs(more) == list(range(snapshot["seq"] + 1, snapshot["seq"] + 13))
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


async def write_slowly(cluster, transactions: int, per_transaction: int) -> None:
    """Commit a few steps at a time, letting the stream run in between."""
    for _ in range(transactions):
        await record_steps(cluster, per_transaction, per_transaction=per_transaction)
        await asyncio.sleep(0.001)


async def test_resume_while_steps_stream_in(cluster):
    await record_steps(cluster, 20)
    comm, snapshot = await connect()
    n = snapshot["seq"]
    writer = asyncio.ensure_future(write_slowly(cluster, 100, 3))
    await asyncio.sleep(0.05)
    await comm.send_json_to({"after": n - 10})
    await writer
    final = await head(cluster)
    got: list[dict] = []
    while n - 9 not in seqs(got) or got[-1]["seq"] < final:
        message = await comm.receive_json_from(timeout=TIMEOUT)
        assert message["type"] == "steps", message
        got.extend(message["steps"])
    # What came live before the resume request came first; from the resume on, every
    # step after n - 10 arrives exactly once, in order.
    start = seqs(got).index(n - 9)
    assert seqs(got[:start]) == list(range(n + 1, n + 1 + start))
    assert seqs(got[start:]) == list(range(n - 9, final + 1))
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


async def test_resume_pages_a_long_history(cluster, settings):
    settings.KUBEVIZ_WS_REPLAY_MAX = 5000
    await record_steps(cluster, 1200, per_transaction=200)
    comm, snapshot = await connect()
    await comm.send_json_to({"after": 0})
    pages = []
    total = 0
    while total < snapshot["seq"]:
        message = await comm.receive_json_from(timeout=TIMEOUT)
        pages.append(len(message["steps"]))
        total += len(message["steps"])
    assert max(pages) <= 500 and len(pages) >= 3
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


async def receive_replay(comm: WebsocketCommunicator, through: int) -> tuple[list[dict], list[dict]]:
    """Read a resume's answer: its ``gap`` messages and its steps, through seq ``through``."""
    gaps: list[dict] = []
    steps: list[dict] = []
    while not steps or steps[-1]["seq"] < through:
        message = await comm.receive_json_from(timeout=TIMEOUT)
        if message["type"] == "gap":
            gaps.append(message)
            continue
        assert message["type"] == "steps", message
        steps.extend(message["steps"])
    return gaps, steps


async def test_replay_from_the_start_is_capped_and_says_where_it_starts(cluster, settings):
    settings.KUBEVIZ_WS_REPLAY_MAX = 1000
    await record_steps(cluster, 1500, per_transaction=250)
    comm, snapshot = await connect()
    n = snapshot["seq"]
    await comm.send_json_to({"after": 0})
    gaps, replayed = await receive_replay(comm, n)
    assert gaps == [{"type": "gap", "from": 1, "to": n - 1000, "earliest": 1}]
    assert seqs(replayed) == list(range(n - 999, n + 1))
    assert await comm.receive_nothing(timeout=0.2)

    # A client that saw recent steps resumes with no gap and no duplicate, live included.
    await comm.send_json_to({"after": n - 10})
    gaps, resumed = await receive_replay(comm, n)
    assert gaps == [] and seqs(resumed) == list(range(n - 9, n + 1))
    await record_steps(cluster, 3)
    assert seqs(await receive_steps(comm, 3)) == [n + 1, n + 2, n + 3]
    await comm.disconnect()


@database_sync_to_async
def trim_steps(cluster, keep: int) -> int:
    from kubeviz.flow.services import steps_trim

    removed = 0
    while (batch := steps_trim(cluster=cluster, keep=keep, max_age_seconds=0, batch=100)) > 0:
        removed += batch
    return removed


async def test_replay_of_trimmed_history_starts_at_the_earliest_stored_step(cluster):
    await record_steps(cluster, 300, per_transaction=100)
    comm, snapshot = await connect()
    n = snapshot["seq"]
    assert await trim_steps(cluster, keep=50) == n - 50
    await comm.send_json_to({"after": 5})
    gaps, replayed = await receive_replay(comm, n)
    assert gaps == [{"type": "gap", "from": 6, "to": n - 50, "earliest": n - 49}]
    assert seqs(replayed) == list(range(n - 49, n + 1))
    await comm.disconnect()


@pytest.mark.parametrize("message", [
    {"after": -1}, {"after": "3"}, {"after": 1.5}, {"after": True}, {"after": None}, {}, [], {"after": 1, "x": 2},
    {"after": 10**9},
])
async def test_bad_resume_requests_get_an_error(cluster, message):
    comm, _ = await connect()
    await comm.send_json_to(message)
    reply = await comm.receive_json_from(timeout=TIMEOUT)
    assert reply["type"] == "error" and reply["message"]
    # The stream goes on.
    await create_configmap(cluster, "still-alive")
    assert len(await receive_steps(comm, 1)) == 1
    await comm.disconnect()


async def test_not_json_gets_an_error_and_oversized_closes(cluster):
    comm, _ = await connect()
    await comm.send_to(text_data="{not json")
    assert (await comm.receive_json_from(timeout=TIMEOUT))["type"] == "error"
    await comm.send_to(bytes_data=b'{"after": 1}')
    assert (await comm.receive_json_from(timeout=TIMEOUT))["type"] == "error"
    await comm.send_to(text_data=json.dumps({"after": 1, "pad": "x" * 5000}))
    closed = await comm.receive_output(timeout=TIMEOUT)
    assert closed == {"type": "websocket.close", "code": 1009}
    await comm.disconnect()
    assert tailer.tailer_count() == 0


@pytest.mark.parametrize("origin", [b"http://evil.example", b"http://evil.example:8000", b"null"])
async def test_foreign_origin_is_refused(cluster, origin):
    comm = communicator(origin=origin)
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert not connected
    await comm.disconnect()


async def test_missing_origin_is_refused(cluster):
    comm = communicator(origin=None)
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert not connected
    await comm.disconnect()


async def test_allowed_origin_with_any_port_is_accepted(cluster):
    comm = communicator(origin=b"http://localhost:8123")
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    await comm.disconnect()


async def test_unknown_cluster_closes_with_4404(cluster):
    comm = communicator("no-such-cluster")
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected  # accepted first, so that a browser sees the close code
    closed = await comm.receive_output(timeout=TIMEOUT)
    assert closed == {"type": "websocket.close", "code": 4404}
    await comm.disconnect()
    assert tailer.tailer_count() == 0


def _pod(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "replay"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}


@database_sync_to_async
def replay_writes(cluster) -> None:
    pods = by_plural("pods")
    for name in ("replay-a", "replay-b", "replay-c"):
        registry.create(cluster, pods, "default", _pod(name))
    registry.bind(cluster, "default", "replay-a", {"target": {"name": "node-2"}})
    current = registry.get(cluster, pods, "default", "replay-a")
    current["status"] = {
        **current.get("status", {}), "phase": "Running", "podIP": "10.244.1.7",
        "containerStatuses": [{"name": "web", "image": "nginx:1.27", "ready": True, "restartCount": 0,
                               "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}}],
    }
    registry.update(cluster, pods, "default", "replay-a", current, subresource="status")
    registry.delete(cluster, pods, "default", "replay-c", options={"gracePeriodSeconds": 0})
    registry.create(cluster, by_plural("services"), "default", {
        "metadata": {"name": "replay"}, "spec": {"selector": {"app": "replay"}, "ports": [{"port": 80}]},
    })


def _by_uid(snapshot: dict) -> dict[str, dict]:
    return {obj["uid"]: obj for kind in SUMMARIES for obj in snapshot[kind]}


async def test_replay_snapshot_plus_streamed_steps_is_the_later_snapshot(cluster):
    """Zulip's check: snapshot at N + the steps streamed after N = snapshot at M."""
    comm, before = await connect()
    n = before["seq"]
    await replay_writes(cluster)
    m = await head(cluster)
    streamed = await receive_through(comm, m)
    after = await database_sync_to_async(snapshot_at)(cluster)
    assert after["seq"] == m

    assert seqs(streamed) == list(range(n + 1, m + 1))
    old, new = _by_uid(before), _by_uid(after)
    changed = {uid for uid in old.keys() | new.keys() if old.get(uid) != new.get(uid)}
    named = {s["object"]["uid"] for s in streamed}
    assert changed, "the writes changed nothing?"
    assert changed <= named, {uid: (old.get(uid) or new.get(uid))["name"] for uid in changed - named}

    pods = {p["name"]: p for p in after["pods"]}
    assert set(pods) == {"replay-a", "replay-b"}
    assert pods["replay-a"]["nodeName"] == "node-2" and pods["replay-a"]["phase"] == "Running"
    assert pods["replay-a"]["readyContainers"] == 1 and pods["replay-a"]["containers"] == 1
    assert pods["replay-b"]["nodeName"] == "" and pods["replay-b"]["status"] == "Pending"
    assert "replay" in [s["name"] for s in after["services"]]
    # The streamed step numbers follow the 1–9 flow: stored (2), binding (5), status (9).
    by_action = {(s["object"]["name"], s["action"]): s["step"] for s in streamed}
    assert by_action[("replay-a", "create")] == 2
    assert by_action[("replay-a", "update binding")] == 5
    assert by_action[("replay-a", "update status")] == 9
    await comm.disconnect()


async def test_fifty_clients_receive_the_same_200_steps_in_order(cluster):
    clients = [await connect() for _ in range(50)]
    start = clients[0][1]["seq"]
    assert all(snapshot["seq"] == start for _, snapshot in clients)
    assert tailer.tailer_count() == 1  # one tailer, hence one query per tick, for all 50
    await record_steps(cluster, 200, per_transaction=4)
    expected = list(range(start + 1, start + 201))
    received = await asyncio.gather(*(receive_steps(comm, 200) for comm, _ in clients))
    for steps in received:
        assert seqs(steps) == expected
    for comm, _ in clients:
        assert await comm.receive_nothing(timeout=0.05)
        await comm.disconnect()
    assert tailer.tailer_count() == 0


async def test_a_client_joining_mid_stream_misses_nothing(cluster):
    first, snapshot = await connect()
    writer = asyncio.ensure_future(write_slowly(cluster, 100, 2))
    await asyncio.sleep(0.02)
    second, second_snapshot = await connect()
    await writer
    final = await head(cluster)
    assert seqs(await receive_through(first, final)) == list(range(snapshot["seq"] + 1, final + 1))
    assert seqs(await receive_through(second, final)) == list(range(second_snapshot["seq"] + 1, final + 1))
    for comm in (first, second):
        assert await comm.receive_nothing(timeout=0.1)
        await comm.disconnect()


async def test_a_reset_cluster_is_sent_a_fresh_snapshot(cluster, monkeypatch):
    from kubeviz.clusters.services import cluster_reset

    monkeypatch.setattr(tailer, "GONE_CHECK", 0.05)
    comm, snapshot = await connect()
    await create_configmap(cluster, "before-reset")
    await receive_steps(comm, 1)
    fresh = await database_sync_to_async(cluster_reset)(cluster=cluster)
    message = await comm.receive_json_from(timeout=TIMEOUT)
    assert message["type"] == "snapshot"
    assert message["seq"] == await head(fresh)
    assert sorted(n["name"] for n in message["nodes"]) == ["node-1", "node-2", "node-3"]
    await create_configmap(fresh, "after-reset")
    [step] = await receive_steps(comm, 1)
    assert step["seq"] == message["seq"] + 1 and step["object"]["name"] == "after-reset"
    await comm.disconnect()
    assert tailer.tailer_count() == 0


def test_tailer_waits_for_a_missing_seq_before_passing_over_it():
    t = tailer.Tailer(SimpleNamespace(pk=1), last=10)

    def rows(*numbers):
        return [{"seq": s} for s in numbers]

    batch = t.take(rows(11, 12, 14), now=0.0)
    assert (batch.prev, batch.last, seqs(list(batch.steps))) == (10, 12, [11, 12])
    assert t.take(rows(14, 15), now=0.1) is None  # 13 may still commit
    assert t.take(rows(14, 15), now=0.5) is None
    batch = t.take(rows(13, 14, 15), now=0.6)  # it did
    assert (batch.prev, batch.last, seqs(list(batch.steps))) == (12, 15, [13, 14, 15])
    assert t.take(rows(17), now=1.0) is None
    assert t.take(rows(17), now=1.0 + tailer.GAP_GRACE - 0.01) is None
    batch = t.take(rows(17, 18), now=1.0 + tailer.GAP_GRACE)  # 16 never came
    assert (batch.prev, batch.last, seqs(list(batch.steps))) == (15, 18, [17, 18])


async def test_stored_steps_are_only_seen_after_commit(cluster):
    """The tailer reads the table: a step of a transaction that rolls back never streams."""
    comm, snapshot = await connect()

    @database_sync_to_async
    def rolled_back() -> None:
        try:
            with transaction.atomic():
                step_record(cluster=cluster, source="client", target="apiserver", action="test", message="never")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass

    await rolled_back()
    await record_steps(cluster, 1)
    [step] = await receive_steps(comm, 1)
    assert step["seq"] == snapshot["seq"] + 1 and step["message"] == "step 0"
    assert await database_sync_to_async(Step.objects.filter(cluster=cluster, message="never").exists)() is False
    await comm.disconnect()


async def test_steps_published_between_snapshot_and_subscribe_are_not_lost(cluster, monkeypatch):
    from kubeviz.live import consumers

    first, _ = await connect()  # keeps the tailer running
    real_open = consumers._open

    async def snapshot_then_steps(name, cookies):
        result = await real_open(name, cookies)
        await record_steps(cluster, 3)
        await receive_steps(first, 3)  # the tailer has published them: it is ahead of us
        return result

    monkeypatch.setattr(consumers, "_open", snapshot_then_steps)
    second, snapshot = await connect()
    assert seqs(await receive_steps(second, 3)) == list(range(snapshot["seq"] + 1, snapshot["seq"] + 4))
    await record_steps(cluster, 2)
    assert seqs(await receive_steps(second, 2)) == list(range(snapshot["seq"] + 4, snapshot["seq"] + 6))
    assert seqs(await receive_steps(first, 2)) == list(range(snapshot["seq"] + 4, snapshot["seq"] + 6))
    for comm in (first, second):
        assert await comm.receive_nothing(timeout=0.1)
        await comm.disconnect()


async def test_a_client_that_falls_behind_catches_up_from_the_table(cluster, monkeypatch):
    from kubeviz.live import consumers

    monkeypatch.setattr(consumers, "MAX_PENDING", 1)
    reads = []
    real_between = consumers._steps_between

    async def counting_between(*args):
        reads.append(args[1:])
        return await real_between(*args)

    monkeypatch.setattr(consumers, "_steps_between", counting_between)
    real_send = consumers.StepsConsumer.send

    async def slow_send(self, *args, **kwargs):
        await asyncio.sleep(0.05)
        return await real_send(self, *args, **kwargs)

    monkeypatch.setattr(consumers.StepsConsumer, "send", slow_send)
    comm, snapshot = await connect()
    await write_slowly(cluster, 40, 2)
    final = await head(cluster)
    assert seqs(await receive_through(comm, final)) == list(range(snapshot["seq"] + 1, final + 1))
    assert reads, "the batches were never folded into a catch-up read"
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


async def test_a_restored_cluster_is_sent_a_fresh_snapshot_of_the_restored_state(cluster, monkeypatch):
    from kubeviz.clusters.services import snapshot_create, snapshot_restore

    monkeypatch.setattr(tailer, "GONE_CHECK", 0.05)
    await database_sync_to_async(snapshot_create)(cluster=cluster, name="three-nodes")
    await database_sync_to_async(registry.delete)(cluster, by_plural("nodes"), None, "node-3")
    comm, snapshot = await connect()
    assert sorted(n["name"] for n in snapshot["nodes"]) == ["node-1", "node-2"]
    await database_sync_to_async(snapshot_restore)(cluster=cluster, name="three-nodes")
    message = await comm.receive_json_from(timeout=TIMEOUT)
    assert message["type"] == "snapshot"
    assert sorted(n["name"] for n in message["nodes"]) == ["node-1", "node-2", "node-3"]
    await comm.disconnect()


async def test_on_postgresql_steps_carried_by_the_commit_notification_need_no_read(cluster, monkeypatch):
    """Once up to date, a tailer publishes the steps a NOTIFY carries as they are: the same
    steps, in order, with the table not read at all."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's commit watcher carries no steps")
    comm, snapshot = await connect()
    await record_steps(cluster, 1)
    await receive_steps(comm, 1)  # the tailer is up to date now

    async def no_read(*args, **kwargs):
        raise AssertionError("the table was read")

    monkeypatch.setattr(tailer.BatchedReader, "read", no_read)
    monkeypatch.setattr(tailer, "_fetch", no_read)
    await record_steps(cluster, 30)
    steps = await receive_steps(comm, 30)
    assert seqs(steps) == list(range(snapshot["seq"] + 2, snapshot["seq"] + 32))
    assert [s["message"] for s in steps] == [f"step {i}" for i in range(30)]
    await comm.disconnect()
