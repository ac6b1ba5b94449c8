"""The container runtime's side of ``kubectl exec``, ``attach`` and ``port-forward``
(CRI's Exec, Attach and PortForward).

An exec runs in the container's world as it is at this moment: its program's files (the
program is re-run deterministically, as the kubelet's probes do), what earlier execs wrote
(``ExecWrite``: an exec may be served by another process than the kubelet's), its
environment, cluster DNS and Services. A port-forward asks the server the container runs.
"""
from __future__ import annotations

import dataclasses
import posixpath
from datetime import datetime
from typing import Any

from kubeviz.apiserver import errors, registry
from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster

from .context import container_context
from .images import default_argv
from .models import ExecWrite, InputEnded
from .processes import ClusterNetwork, Processes, _started, on_volume
from .servers import REASONS
from .shell import Context, Fs
from .shell.interp import SHELL_NAMES
from .volumes import volume_write

Obj = dict[str, Any]
#: what one exec may store: files bigger than this are cut, and at most this many writes kept
MAX_FILE_CHARS = 1 << 20
MAX_WRITES = 2000


def _lookup(cluster: Cluster):
    def find(plural: str, namespace: str, name: str) -> Obj | None:
        from kubeviz.apiserver.resources import by_plural

        try:
            return registry.get(cluster, by_plural(plural), namespace, name)
        except errors.StatusError:
            return None
    return find


def processes_of(cluster: Cluster) -> Processes:
    """The node's processes as an exec sees them: with ConfigMap and Secret volumes filled,
    and what earlier pods left on persistent volumes."""
    processes = Processes.of_cluster(cluster)
    processes.lookup = _lookup(cluster)
    return processes


def container_status(pod: Obj, name: str) -> Obj:
    return next((cs for cs in (pod.get("status") or {}).get("containerStatuses") or [] if cs.get("name") == name), {})


def container_spec(pod: Obj, name: str) -> Obj:
    return next(c for c in (pod.get("spec") or {}).get("containers") or [] if c.get("name") == name)


def running_id(pod: Obj, name: str) -> str | None:
    """The running instance's container ID (the part after ``containerd://``), or None."""
    cs = container_status(pod, name)
    if "running" not in (cs.get("state") or {}) or not cs.get("containerID"):
        return None
    return str(cs["containerID"]).rsplit("/", 1)[-1]


def waits_for_stdin(container: Obj) -> bool:
    """A ``stdin: true`` container whose program is a bare shell: it reads what an attach types."""
    argv = default_argv(container)
    return bool(container.get("stdin")) and bool(argv) and posixpath.basename(argv[0]) in SHELL_NAMES and \
        all(a in ("-i", "-l") for a in argv[1:])


def exec_context(cluster: Cluster, pod: Obj, name: str) -> Context:
    """The container's world now; writes are journalled for ``exec_writes_save``."""
    container = container_spec(pod, name)
    cs = container_status(pod, name)
    processes = processes_of(cluster)
    namespace = (pod.get("metadata") or {}).get("namespace") or "default"
    ctx = container_context(pod, container, lookup=processes.lookup, services=registry.objects(cluster, "services", namespace),
                            network=ClusterNetwork(processes, cluster, pod), started=_started(cs), token=processes.token)
    files = processes.files_at(pod, container, clock.now(cluster)) or ctx.fs  # with earlier execs' writes
    files.readonly = ctx.fs.readonly
    files.journal = []
    files.clock = lambda: 0.0
    return dataclasses.replace(ctx, fs=files, stdin_open=False)


def exec_writes_save(cluster: Cluster, pod: Obj, name: str, fs: Fs) -> None:
    """Keep what an exec wrote (and removed) for the instance's next execs, and, under a
    mount that outlives the pod (a PersistentVolume, a hostPath), on that volume too: the
    StatefulSet tutorial writes ``index.html`` with ``kubectl exec`` and finds it again in
    the replacement pod."""
    container_id = running_id(pod, name) or ""
    journal = fs.journal[-MAX_WRITES:]
    fs.journal.clear()
    if not journal:
        return
    ExecWrite.objects.bulk_create(
        ExecWrite(cluster=cluster, container_id=container_id, path=path,
                  content=None if content is None else content[:MAX_FILE_CHARS])
        for _, path, content in journal)
    mounts = processes_of(cluster).kept_mounts(pod, container_spec(pod, name))
    changes = []
    for _, path, content in journal:
        found = on_volume(mounts, path)
        if found is not None:
            changes.append((0.0, *found, None if content is None else content[:MAX_FILE_CHARS]))
    if changes:
        # Not the instance's own ID: its program's writes are kept by offset under that one.
        volume_write(cluster=cluster, writer=f"exec/{container_id}", changes=changes)


def forward_http(cluster: Cluster, pod: Obj, port: int, request: bytes) -> bytes | None:
    """What the pod answers to one HTTP request on ``port`` (None: nothing listens there)."""
    processes = processes_of(cluster)
    now: datetime = clock.now(cluster)
    line = request.split(b"\r\n", 1)[0].decode("latin-1").split()
    method, path = (line[0], line[1]) if len(line) >= 2 else ("GET", "/")
    for container in (pod.get("spec") or {}).get("containers") or []:
        if processes.listens(pod, container, port, now) is None:
            continue
        status, reason, body = processes.http(pod, container, port, path, now)
        if method == "HEAD":
            body = ""
        data = body.encode()
        kind = "text/html" if body.lstrip().startswith("<") else "text/plain; charset=utf-8"
        head = (f"HTTP/1.1 {status} {reason or REASONS.get(status, '')}\r\nContent-Type: {kind}\r\n"
                f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n")
        return head.encode() + data
    return None


def input_end(cluster: Cluster, container_id: str, code: int) -> None:
    """An attached ``stdin: true`` shell read the end of its input: its container's process
    ends with ``code`` (the kubelet sees it at its next look)."""
    InputEnded.objects.get_or_create(cluster=cluster, container_id=container_id,
                                     defaults={"code": code, "time": clock.now(cluster)})
