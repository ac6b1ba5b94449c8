"""Container logs on the kubelet's side: recording them and serving them.

Recording: after each sync the kubelet compares a pod's container statuses before and
after, and has the runtime write what each container printed — its startup lines when it
starts, its output as time passes, its last words when it exits or is stopped. Logs never
go through etcd (in Kubernetes they stay in files on the node).

Serving: ``GET …/pods/<p>/log`` reaches the API server, which asks the kubelet of the
pod's node; the kubelet picks the container instance the way kubelet_pods.go's
``validateContainerLogStatus`` does and reads its log from the runtime.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kubeviz.clusters.clock import parse_rfc3339
from kubeviz.clusters.models import Cluster
from kubeviz.runtime import logs as runtime_logs
from kubeviz.runtime.containers import CRASH_ANNOTATION
from kubeviz.runtime.models import LogLine
from kubeviz.runtime.output import BURST_SECONDS, Program, exit_lines, program, render, stop_lines
from kubeviz.runtime.processes import Processes

from .lifecycle import CRASH_AT

Obj = dict[str, Any]
#: programs kept in memory (a loop's generated lines) before the cache starts over
MAX_PROGRAMS = 2000
#: a container printing faster than this has its lines written in batches
MIN_WAKE_SECONDS = 2.0


def _ts(value: str | None) -> datetime | None:
    try:
        return parse_rfc3339(value) if value else None
    except ValueError:
        return None


def _statuses(status: Obj | None) -> dict[str, Obj]:
    return {cs["name"]: cs for cs in (status or {}).get("containerStatuses") or [] if isinstance(cs, dict) and "name" in cs}


class LogRecorder:
    """Writes container output for one cluster's kubelets; keeps each running container's
    ``Program`` so a loop's lines are generated once."""

    def __init__(self, cluster: Cluster, processes: Processes | None = None):
        self.cluster = cluster
        self.processes = processes
        self.programs: dict[str, Program] = {}
        #: the time of the last line written, per container instance
        self.written: dict[str, datetime] = {}
        self.stopped: set[str] = set()

    def _program(self, pod: Obj, container: Obj, cs: Obj, cpus: int) -> Program:
        cid = cs.get("containerID", "")
        found = self.programs.get(cid)
        if found is None:
            if len(self.programs) >= MAX_PROGRAMS:
                self.programs.clear()
                self.written.clear()
            commanded = bool(container.get("command") or container.get("args"))
            run = self.processes.run(pod, container, cs) if self.processes is not None and commanded else None
            found = self.programs[cid] = program(pod, container, restarts=cs.get("restartCount", 0), cpus=cpus, run=run)
        return found

    def _forget(self, cid: str) -> None:
        """The instance has ended: its program (and process) are no longer needed."""
        self.programs.pop(cid, None)
        self.written.pop(cid, None)
        if self.processes is not None:
            self.processes.forget(cid)

    def _persist(self, cs: Obj, started: datetime, until: datetime) -> None:
        """What the instance wrote to volumes that outlive the pod, up to ``until``, is kept."""
        if self.processes is not None:
            self.processes.persist(cs.get("containerID", ""), (until - started).total_seconds())

    def _entries(self, pod: Obj, cs: Obj, lines: list[tuple[datetime, str]], stream: str = "stdout") -> list[runtime_logs.Entry]:
        uid = pod["metadata"].get("uid", "")
        pod_ip = (pod.get("status") or {}).get("podIP", "")
        return [
            runtime_logs.Entry(uid, cs["name"], cs.get("containerID", ""), moment, render(text, moment, pod_ip), stream)
            for moment, text in lines
        ]

    def _printed(self, prog: Program, cs: Obj, started: datetime, until: datetime, fresh: bool) -> list[tuple[datetime, str]]:
        """Lines not yet written, up to ``until``; a fresh container needs no look at its log."""
        if fresh:
            return prog.between(started, None, until)
        if prog.next_after(started, started + timedelta(seconds=BURST_SECONDS)) is None:
            return []  # everything it prints came with the startup burst
        cid = cs.get("containerID", "")
        # What this recorder wrote last (asked of the runtime only after a worker restart).
        last = self.written.get(cid) or runtime_logs.log_last_time(cluster=self.cluster, container_id=cid)
        return prog.between(started, last, until)

    def record(self, pod: Obj, old: Obj | None, new: Obj, now: datetime, *, cpus: int = 4) -> float | None:
        """Write what the pod's containers printed between the two statuses; returns when
        the next line is due (seconds), so the kubelet looks again then."""
        before, after = _statuses(old), _statuses(new)
        specs = {c["name"]: c for c in (pod.get("spec") or {}).get("containers") or []}
        entries: list[runtime_logs.Entry] = []
        wake: float | None = None
        for name, cs in after.items():
            container = specs.get(name)
            prev = before.get(name) or {}
            if container is None:
                continue
            running = cs.get("state", {}).get("running")
            was_running = "running" in prev.get("state", {})
            if running:
                started = _ts(running.get("startedAt")) or now
                prog = self._program(pod, container, cs, cpus)
                fresh = not was_running or prev.get("containerID") != cs.get("containerID")
                until = max(now, started + timedelta(seconds=BURST_SECONDS)) if fresh else now
                entries += self._entries(pod, cs, self._printed(prog, cs, started, until, fresh))
                self._persist(cs, started, until)
                following = prog.next_after(started, until)
                if following is not None:
                    seconds = max((following - now).total_seconds(), MIN_WAKE_SECONDS)
                    wake = seconds if wake is None else min(wake, seconds)
                continue
            ended = self._ended(prev, cs)
            if was_running and ended is not None:
                started = _ts(ended.get("startedAt")) or now
                finished = _ts(ended.get("finishedAt")) or now
                prog = self._program(pod, container, prev, cpus)
                until = min(now, finished + timedelta(seconds=1))
                entries += self._entries(pod, prev, self._printed(prog, prev, started, until, fresh=False))
                self._persist(prev, started, until)
                crashed = self._crashed(pod, started, finished)
                last_words = exit_lines(container, ended.get("reason", ""), int(ended.get("exitCode", 0)), crashed)
                entries += self._entries(pod, prev, [(finished, text) for text in last_words], "stderr")
                self._forget(prev.get("containerID", ""))
        runtime_logs.log_append(cluster=self.cluster, entries=entries)
        for e in entries:
            self.written[e.container_id] = e.time
        return wake

    @staticmethod
    def _ended(prev: Obj, cs: Obj) -> Obj | None:
        """The terminated state of the instance that was running before, if it has ended."""
        cid = prev.get("containerID")
        for state in (cs.get("state", {}).get("terminated"), (cs.get("lastState") or {}).get("terminated")):
            if state and state.get("containerID") == cid:
                return state
        return None

    @staticmethod
    def _crashed(pod: Obj, started: datetime, finished: datetime) -> bool:
        annotations = (pod.get("metadata") or {}).get("annotations") or {}
        crash_at = _ts(annotations.get(CRASH_AT))
        return CRASH_ANNOTATION in annotations or (crash_at is not None and started <= crash_at <= finished)

    def record_stop(self, pod: Obj, now: datetime, *, cpus: int = 4) -> None:
        """A pod being deleted: its running containers get SIGTERM and print their goodbyes."""
        uid = pod["metadata"].get("uid", "")
        if uid in self.stopped:
            return
        self.stopped.add(uid)
        specs = {c["name"]: c for c in (pod.get("spec") or {}).get("containers") or []}
        entries: list[runtime_logs.Entry] = []
        for name, cs in _statuses(pod.get("status")).items():
            running = cs.get("state", {}).get("running")
            if not running or name not in specs:
                continue
            started = _ts(running.get("startedAt")) or now
            prog = self._program(pod, specs[name], cs, cpus)
            entries += self._entries(pod, cs, self._printed(prog, cs, started, now, fresh=False))
            self._persist(cs, started, now)
            goodbye = [(now + timedelta(microseconds=i), text) for i, text in enumerate(stop_lines(specs[name]), start=1)]
            entries += self._entries(pod, cs, goodbye)
            self._forget(cs.get("containerID", ""))
        runtime_logs.log_append(cluster=self.cluster, entries=entries)

    def pods_with_logs(self) -> set[str]:
        return runtime_logs.log_pods(cluster=self.cluster)

    def forget(self, uid: str) -> None:
        """The pod is gone: its containers and their logs are removed."""
        self.stopped.discard(uid)
        runtime_logs.log_forget(cluster=self.cluster, pod_uid=uid)


# ---- serving -----------------------------------------------------------------------------------


class LogUnavailable(Exception):
    """The kubelet cannot serve this log (answered 400 BadRequest with this message)."""


@dataclass(frozen=True)
class LogSource:
    """The container instance whose log is served."""

    pod_uid: str
    container: str
    container_id: str
    running: bool


def log_source(pod: Obj, container: str, previous: bool) -> LogSource:
    """Which instance's log to serve, with the kubelet's own refusals
    (kubelet_pods.go validateContainerLogStatus)."""
    name = pod["metadata"]["name"]
    status = pod.get("status") or {}
    cs = _statuses({"containerStatuses": (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or [])}).get(container)
    if cs is None:
        if any(c.get("name") == container for c in (pod.get("spec") or {}).get("containers") or []):
            # The kubelet has not reported on it yet: it is still being created.
            raise LogUnavailable(f'container "{container}" in pod "{name}" is waiting to start: ContainerCreating')
        raise LogUnavailable(f'container "{container}" in pod "{name}" is not available')
    state = cs.get("state") or {}
    last = (cs.get("lastState") or {}).get("terminated")
    uid = pod["metadata"].get("uid", "")
    if previous:
        if not last or not last.get("containerID"):
            raise LogUnavailable(f'previous terminated container "{container}" in pod "{name}" not found')
        return LogSource(uid, container, last["containerID"], False)
    if "running" in state:
        return LogSource(uid, container, cs.get("containerID", ""), True)
    if "terminated" in state:
        cid = state["terminated"].get("containerID") or (last or {}).get("containerID")
        if not cid:
            raise LogUnavailable(f'container "{container}" in pod "{name}" is terminated')
        return LogSource(uid, container, cid, False)
    if last:
        if not last.get("containerID"):
            raise LogUnavailable(f'container "{container}" in pod "{name}" is terminated')
        return LogSource(uid, container, last["containerID"], False)
    reason = (state.get("waiting") or {}).get("reason", "")
    if reason == "ErrImagePull":
        raise LogUnavailable(f'container "{container}" in pod "{name}" is waiting to start: image can\'t be pulled')
    if reason == "ImagePullBackOff":
        raise LogUnavailable(f'container "{container}" in pod "{name}" is waiting to start: trying and failing to pull image')
    raise LogUnavailable(f'container "{container}" in pod "{name}" is waiting to start: {reason or "ContainerCreating"}')


def log_lines(cluster: Cluster, source: LogSource, *, since: datetime | None = None, tail: int | None = None,
              after_id: int = 0, limit: int | None = None) -> list[LogLine]:
    return runtime_logs.log_read(cluster=cluster, container_id=source.container_id, after_id=after_id,
                                 since=since, tail=tail, limit=limit)


def still_running(pod: Obj | None, source: LogSource) -> bool:
    """Whether the followed instance still runs (a follow ends when it stops)."""
    if pod is None or pod["metadata"].get("uid") != source.pod_uid:
        return False
    cs = _statuses(pod.get("status")).get(source.container) or {}
    return "running" in (cs.get("state") or {}) and cs.get("containerID") == source.container_id


def recent_logs(cluster: Cluster, pod: Obj, lines: int = 20) -> list[dict[str, Any]]:
    """The last lines of each container's current log, for the dashboard (or why there
    are none yet, in the kubelet's words)."""
    out = []
    for container in (pod.get("spec") or {}).get("containers") or []:
        name = container.get("name", "")
        try:
            source = log_source(pod, name, False)
        except LogUnavailable as exc:
            out.append({"container": name, "lines": [], "note": str(exc)})
            continue
        rows = log_lines(cluster, source, tail=lines)
        out.append({"container": name, "lines": [f"{r.time:%H:%M:%S} {r.text}" for r in rows], "note": ""})
    return out


def kubelet_unreachable(cluster: Cluster, pod: Obj, container: str) -> str | None:
    """Why the API server cannot reach the kubelet of the pod's node (it is failed), as the
    dial error it would report; None when the kubelet answers."""
    node = (pod.get("spec") or {}).get("nodeName")
    if node not in set((cluster.settings or {}).get("failed_nodes", [])):
        return None
    host = (pod.get("status") or {}).get("hostIP") or node
    meta = pod["metadata"]
    return (f'Get "https://{host}:10250/containerLogs/{meta.get("namespace")}/{meta["name"]}/{container}": '
            f"dial tcp {host}:10250: connect: no route to host")
