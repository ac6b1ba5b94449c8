"""Container logs as the kubelet and runtime write them, driven in settle mode."""
from __future__ import annotations

from datetime import timedelta

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters import clock
from kubeviz.engine.control import pod_crash
from kubeviz.engine.runner import Engine, pause_clock, settle_cluster
from kubeviz.kubelet.agent import Kubelet
from kubeviz.kubelet.logs import LogUnavailable, log_lines, log_source
from kubeviz.runtime.logs import Entry, log_append
from kubeviz.runtime.models import LogLine


def make_pod(cluster, name: str, containers: list[dict], **spec) -> dict:
    body = {"metadata": {"name": name}, "spec": {"nodeName": "node-1", "containers": containers, **spec}}
    return registry.create(cluster, by_plural("pods"), "default", body)


def settle(cluster, seconds: float = 30) -> None:
    settle_cluster(cluster, components=[Kubelet(cluster)], horizon=seconds)


def pod(cluster, name: str) -> dict:
    return registry.get(cluster, by_plural("pods"), "default", name)


def texts(cluster, name: str, container: str = "main", previous: bool = False) -> list[str]:
    source = log_source(pod(cluster, name), container, previous)
    return [line.text for line in log_lines(cluster, source)]


def shell(script: str, image: str = "busybox:1.36") -> list[dict]:
    return [{"name": "main", "image": image, "command": ["sh", "-c", script]}]


@pytest.mark.parametrize("image,first,contains", [
    ("nginx:1.27", "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
     "[notice] 1#1: start worker process 29"),
    ("redis:7", "1:C", "* Ready to accept connections tcp"),
    ("postgres:17", 'The files belonging to this database system will be owned by user "postgres".',
     "LOG:  database system is ready to accept connections"),
    ("httpd:2.4", "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using 10.244.1.2.",
     "AH00094: Command line: 'httpd -D FOREGROUND'"),
])
def test_servers_print_their_startup_lines(cluster, image, first, contains):
    make_pod(cluster, "srv", [{"name": "main", "image": image}])
    settle(cluster)
    lines = texts(cluster, "srv")
    assert lines[0].startswith(first)
    assert any(contains in line for line in lines)
    # Stamped by the simulated clock, at the container's start.
    started = clock.parse_rfc3339(pod(cluster, "srv")["status"]["containerStatuses"][0]["state"]["running"]["startedAt"])
    stamps = [row.time for row in LogLine.objects.filter(file__cluster=cluster)]
    assert all(started <= t < started + timedelta(seconds=1) for t in stamps)
    assert stamps == sorted(stamps)


def test_nginx_starts_one_worker_per_cpu_and_nginx_time_is_the_simulated_clock(cluster):
    make_pod(cluster, "web", [{"name": "main", "image": "nginx"}])
    settle(cluster)
    lines = texts(cluster, "web")
    assert len([line for line in lines if "start worker process " in line]) == 4  # demo nodes have 4 CPUs
    started = pod(cluster, "web")["status"]["containerStatuses"][0]["state"]["running"]["startedAt"]
    nginx_time = clock.parse_rfc3339(started).strftime("%Y/%m/%d %H:%M:%S")
    assert f"{nginx_time} [notice] 1#1: nginx/1.27.3" in lines


def test_a_command_prints_its_echoes_as_time_passes_then_exits(cluster):
    make_pod(cluster, "job", shell("echo hello; sleep 2; echo \"bye from $HOSTNAME\"; exit 3"), restartPolicy="Never")
    settle(cluster)
    p = pod(cluster, "job")
    assert p["status"]["phase"] == "Failed"
    assert texts(cluster, "job") == ["hello", "bye from job"]
    rows = list(LogLine.objects.filter(file__cluster=cluster).order_by("id"))
    assert (rows[1].time - rows[0].time).total_seconds() == 2


def test_a_loop_prints_every_period_with_the_simulated_date(cluster):
    script = 'i=0; while true; do echo "$i: $(date)"; i=$((i+1)); sleep 2; done'
    make_pod(cluster, "counter", shell(script))
    settle(cluster, 11)
    rows = list(LogLine.objects.filter(file__cluster=cluster).order_by("id"))
    assert [r.text.split(":")[0] for r in rows] == [str(i) for i in range(len(rows))]
    assert 5 <= len(rows) <= 6
    for row in rows:
        assert row.text.endswith(f"{row.time:%H:%M:%S} UTC {row.time.year}")


@pytest.mark.parametrize("script,expected", [
    ("while true; do sleep 30; done", []),
    ("echo started; while true; do sleep 30; done", ["started"]),
    ("while true; do i=$((i+1)); sleep 1; done", []),
])
def test_a_loop_that_prints_nothing_leaves_the_log_as_it_is(cluster, script, expected):
    make_pod(cluster, "quiet", shell(script))
    settle(cluster, 90)
    assert pod(cluster, "quiet")["status"]["phase"] == "Running"
    assert texts(cluster, "quiet") == expected


def test_a_fast_loop_rotates_its_log_and_keeps_a_bounded_number_of_files(cluster, settings):
    settings.KUBEVIZ_CONTAINER_LOG_MAX_SIZE = 4500  # a hundred "tick" lines
    settings.KUBEVIZ_CONTAINER_LOG_MAX_FILES = 3
    make_pod(cluster, "chatty", shell("while true; do echo tick; usleep 2000; done"))
    written = 0
    for _ in range(6):
        settle(cluster, 2)
        stored = list(LogLine.objects.filter(file__cluster=cluster).order_by("id").values_list("id", flat=True))
        written = max(written, stored[-1])
        # Three files, each at most one batch (two seconds of lines, ~1000) over the size.
        assert len(stored) <= 3 * (100 + 1100)
        current = log_lines(cluster, log_source(pod(cluster, "chatty"), "main", False))
        assert 0 < len(current) <= 100 + 1100
        # kubectl logs reads the current file: the newest lines, in order.
        assert [r.id for r in current] == stored[-len(current):]
    assert written > 3 * (100 + 1100)


def test_rotation_keeps_max_files_and_kubectl_logs_reads_the_current_one(cluster, settings):
    settings.KUBEVIZ_CONTAINER_LOG_MAX_SIZE = 100  # each line below is 45 bytes in CRI format
    settings.KUBEVIZ_CONTAINER_LOG_MAX_FILES = 3
    make_pod(cluster, "quiet", shell("sleep 3600"))
    settle(cluster, 5)
    running = pod(cluster, "quiet")
    cs = running["status"]["containerStatuses"][0]
    start = clock.now(cluster)
    for i in range(1, 21):
        entry = Entry(running["metadata"]["uid"], "main", cs["containerID"], start + timedelta(seconds=i), f"l{i:03d}")
        log_append(cluster=cluster, entries=[entry])
    # Files rotate after lines 3, 6, … 18; two rotated files stay (13–15, 16–18).
    assert texts(cluster, "quiet") == ["l019", "l020"]
    assert [r.text for r in LogLine.objects.filter(file__cluster=cluster).order_by("id")] == [f"l{i:03d}" for i in range(13, 21)]


def test_a_crash_keeps_the_previous_instance_log(cluster):
    make_pod(cluster, "crash", [{"name": "main", "image": "kubeviz/crasher"}])
    settle(cluster, 20)
    cs = pod(cluster, "crash")["status"]["containerStatuses"][0]
    assert cs["restartCount"] >= 1
    previous = texts(cluster, "crash", previous=True)
    assert previous[0] == "crasher 1.0 starting"
    assert previous[-1].startswith("Error: failed to connect to database")
    # The previous instance is another container ID, with its own log.
    assert log_source(pod(cluster, "crash"), "main", True).container_id == cs["lastState"]["terminated"]["containerID"]


def test_an_injected_crash_prints_an_error_before_the_container_dies(cluster):
    make_pod(cluster, "web", [{"name": "main", "image": "nginx:1.27"}])
    settle(cluster)
    pod_crash(cluster=cluster, namespace="default", name="web")
    settle(cluster, 5)
    previous = texts(cluster, "web", previous=True)
    assert previous[0].startswith("/docker-entrypoint.sh")
    assert previous[-1].startswith("fatal error: unexpected signal during runtime execution")
    row = LogLine.objects.filter(file__cluster=cluster, text__startswith="fatal error").get()
    assert row.stream == "stderr"


def test_no_previous_instance_is_the_kubelets_refusal(cluster):
    make_pod(cluster, "web", [{"name": "main", "image": "nginx:1.27"}])
    settle(cluster)
    with pytest.raises(LogUnavailable, match='previous terminated container "main" in pod "web" not found'):
        log_source(pod(cluster, "web"), "main", True)


@pytest.mark.parametrize("image,settle_for,message", [
    ("nginx:1.27", None, 'container "main" in pod "p" is waiting to start: ContainerCreating'),
    ("nginx:1.27", 0.5, 'container "main" in pod "p" is waiting to start: ContainerCreating'),
    ("ngnix:1.27", 30, 'container "main" in pod "p" is waiting to start: trying and failing to pull image'),
])
def test_waiting_containers_have_no_log_yet(cluster, image, settle_for, message):
    make_pod(cluster, "p", [{"name": "main", "image": image}])
    if settle_for is not None:
        settle(cluster, settle_for)
    with pytest.raises(LogUnavailable) as exc:
        log_source(pod(cluster, "p"), "main", False)
    assert str(exc.value) == message


def test_a_stopped_pod_says_goodbye_and_its_logs_go_after_it(cluster):
    make_pod(cluster, "web", [{"name": "main", "image": "nginx:1.27"}])
    pause_clock(cluster)
    engine = Engine(cluster, [Kubelet(cluster)])
    engine.settle(horizon=30)
    uid = pod(cluster, "web")["metadata"]["uid"]
    registry.delete(cluster, by_plural("pods"), "default", "web")
    engine.settle(horizon=5)
    lines = list(LogLine.objects.filter(file__cluster=cluster, file__pod_uid=uid).order_by("id").values_list("text", flat=True))
    assert lines[-7].endswith("[notice] 1#1: signal 3 (SIGQUIT) received, shutting down")
    assert lines[-1].endswith("[notice] 1#1: exit")
    engine.settle(horizon=20)
    assert LogLine.objects.filter(file__cluster=cluster, file__pod_uid=uid).exists()  # kept a little while
    engine.settle(horizon=60)
    assert not LogLine.objects.filter(file__cluster=cluster, file__pod_uid=uid).exists()


def test_logs_of_pods_deleted_while_no_kubelet_ran_are_swept(cluster):
    make_pod(cluster, "web", [{"name": "main", "image": "nginx:1.27"}])
    settle(cluster)
    registry.delete(cluster, by_plural("pods"), "default", "web", options={"gracePeriodSeconds": 0})
    make_pod(cluster, "other", [{"name": "main", "image": "redis"}])
    settle(cluster, 60)
    assert set(LogLine.objects.filter(file__cluster=cluster).values_list("file__container", flat=True)) == {"main"}
    assert {r.text.split()[0] for r in LogLine.objects.filter(file__cluster=cluster)} <= {"1:C", "1:M"}


def test_the_same_pod_prints_the_same_lines(cluster):
    make_pod(cluster, "web", [{"name": "main", "image": "nginx:1.27"}])
    settle(cluster)
    first = texts(cluster, "web")
    registry.delete(cluster, by_plural("pods"), "default", "web", options={"gracePeriodSeconds": 0})
    settle(cluster, 60)
    make_pod(cluster, "web", [{"name": "main", "image": "nginx:1.27"}])
    settle(cluster)
    again = texts(cluster, "web")
    strip = [line.split(" ", 2)[-1] for line in first]
    assert strip == [line.split(" ", 2)[-1] for line in again]
