"""``GET …/pods/<name>/log``: the API server's side of container logs.

As in Kubernetes (pkg/registry/core/pod/rest/log.go and strategy.go ``LogLocation``), the
API server checks the PodLogOptions, looks the pod up, picks the container, and then
passes the request to the kubelet of the pod's node, which serves the text. Logs are never
read from etcd: only the pod is.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import sync_to_async

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver import validation as v
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.flow.services import step_record
from kubeviz.kubelet.logs import LogSource, LogUnavailable, kubelet_unreachable, log_lines, log_source, still_running
from kubeviz.runtime.models import LogLine

from .query import bool_param, int_param

POLL_SECONDS = 0.25
#: how often a follower looks at the pod to see whether its container still runs
STATUS_SECONDS = 1.0
#: a follow ends after this long even if nobody hangs up (kubectl reconnects if it wants)
MAX_FOLLOW_SECONDS = 4 * 3600
BATCH = 500


@dataclass(frozen=True)
class LogOptions:
    """core/v1 PodLogOptions, from the query string."""

    container: str = ""
    follow: bool = False
    previous: bool = False
    timestamps: bool = False
    tail_lines: int | None = None
    since_seconds: int | None = None
    since_time: datetime | None = None
    limit_bytes: int | None = None


def log_options(query: dict[str, str], name: str) -> LogOptions:
    """Parse and validate (pkg/apis/core/validation ValidatePodLogOptions)."""
    since_time = None
    if query.get("sinceTime"):
        try:
            since_time = datetime.fromisoformat(query["sinceTime"])
            if since_time.tzinfo is None:
                raise ValueError("no time zone")
        except ValueError:
            raise errors.bad_request(f'invalid value for sinceTime: "{query["sinceTime"]}" is not an RFC3339 time') from None
    opts = LogOptions(
        container=query.get("container", ""), follow=bool_param(query, "follow"), previous=bool_param(query, "previous"),
        timestamps=bool_param(query, "timestamps"), tail_lines=int_param(query, "tailLines"),
        since_seconds=int_param(query, "sinceSeconds"), since_time=since_time, limit_bytes=int_param(query, "limitBytes"),
    )
    problems = []
    if opts.tail_lines is not None and opts.tail_lines < 0:
        problems.append(v.invalid("tailLines", opts.tail_lines, "must be greater than or equal to 0"))
    if opts.limit_bytes is not None and opts.limit_bytes < 1:
        problems.append(v.invalid("limitBytes", opts.limit_bytes, "must be greater than 0"))
    if opts.since_seconds is not None and opts.since_time is not None:
        problems.append(v.forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"))
    elif opts.since_seconds is not None and opts.since_seconds < 1:
        problems.append(v.invalid("sinceSeconds", opts.since_seconds, "must be greater than 0"))
    if problems:
        raise errors.invalid("PodLogOptions", name, problems)
    return opts


@dataclass
class LogStream:
    """An opened log: where it comes from (None: the pod has no node yet, so it is empty)
    and how to show it."""

    cluster: Cluster
    namespace: str
    name: str
    source: LogSource | None
    options: LogOptions
    since: datetime | None
    pod: dict[str, Any] | None = None
    node: str = ""
    asked: str = ""

    def record_step(self) -> None:
        """The API server's request to the kubelet (none for a pod without a node)."""
        if self.source is not None:
            step_record(cluster=self.cluster, step=None, source="apiserver", target=f"kubelet/{self.node}", action="logs",
                        obj=self.pod, category="kubelet", message=self.asked)

    def _format(self, rows: list[LogLine]) -> bytes:
        if self.options.timestamps:
            return b"".join(f"{_nano(r.time)} {r.text}\n".encode() for r in rows)
        return b"".join(f"{r.text}\n".encode() for r in rows)

    def first(self) -> tuple[bytes, int]:
        """What the log holds now (with tailLines and since applied), and the last row id."""
        if self.source is None:
            return b"", 0
        rows = log_lines(self.cluster, self.source, since=self.since, tail=self.options.tail_lines)
        if rows:
            return self._format(rows), rows[-1].id
        newest = log_lines(self.cluster, self.source, tail=1)
        return b"", newest[-1].id if newest else 0

    def text(self) -> bytes:
        return _limit(self.first()[0], self.options.limit_bytes)

    def _poll(self, after_id: int, check: bool) -> tuple[list[LogLine], bool]:
        assert self.source is not None
        rows = log_lines(self.cluster, self.source, after_id=after_id, limit=BATCH)
        if not check:
            return rows, True
        try:
            pod = registry.get(self.cluster, by_plural("pods"), self.namespace, self.name)
        except errors.StatusError:
            pod = None
        return rows, still_running(pod, self.source)

    async def follow(self) -> AsyncIterator[bytes]:
        """The log so far, then new lines as the container prints them, until it stops."""
        budget = self.options.limit_bytes
        chunk, after_id = await sync_to_async(self.first)()
        if chunk:
            chunk = _limit(chunk, budget)
            budget = None if budget is None else budget - len(chunk)
            yield chunk
        if self.source is None or not self.source.running or budget == 0:
            return
        deadline = time.monotonic() + MAX_FOLLOW_SECONDS
        last_check = 0.0
        running = True
        while time.monotonic() < deadline:
            check = time.monotonic() - last_check >= STATUS_SECONDS
            if check:
                last_check = time.monotonic()
            rows, running_now = await sync_to_async(self._poll)(after_id, check)
            if rows:
                after_id = rows[-1].id
                chunk = _limit(self._format(rows), budget)
                budget = None if budget is None else budget - len(chunk)
                yield chunk
                if budget == 0:
                    return
                if len(rows) == BATCH:
                    continue
            if not running:
                return  # stopped, and its last lines have been sent
            running = running_now
            await asyncio.sleep(0 if not running else POLL_SECONDS)


def _nano(moment: datetime) -> str:
    """RFC3339Nano with nine digits, as the kubelet stamps lines (RFC3339NanoFixed)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def _limit(data: bytes, budget: int | None) -> bytes:
    return data if budget is None else data[:max(budget, 0)]


def _container(pod: dict[str, Any], wanted: str) -> str:
    """The container to read (strategy.go LogLocation)."""
    name = pod["metadata"]["name"]
    spec = pod.get("spec") or {}
    names = [c.get("name", "") for c in spec.get("containers") or []]
    init = [c.get("name", "") for c in spec.get("initContainers") or []]
    if not wanted:
        if len(names) == 1:
            return names[0]
        if not names:
            raise errors.bad_request(f"a container name must be specified for pod {name}")
        message = f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]"
        if init:
            message += f" or one of the init containers: [{' '.join(init)}]"
        raise errors.bad_request(message)
    if wanted not in names + init:
        raise errors.bad_request(f"container {wanted} is not valid for pod {name}")
    return wanted


def log_open(cluster: Cluster, namespace: str, name: str, query: dict[str, str]) -> LogStream:
    """Check the options, find the pod and its container, and ask the kubelet which
    container instance's log to serve (its refusals are 400 BadRequest)."""
    options = log_options(query, name)
    pod = registry.get(cluster, by_plural("pods"), namespace, name)
    container = _container(pod, options.container)
    since = options.since_time
    if options.since_seconds is not None:
        since = clock.now(cluster) - timedelta(seconds=options.since_seconds)
    if not (pod.get("spec") or {}).get("nodeName"):
        return LogStream(cluster, namespace, name, None, options, since)
    dead = kubelet_unreachable(cluster, pod, container)
    if dead:
        raise errors.StatusError(500, "InternalError", dead)
    node = pod["spec"]["nodeName"]
    try:
        source = log_source(pod, container, options.previous)
    except LogUnavailable as exc:
        raise errors.bad_request(str(exc)) from None
    which = "previous instance of container" if options.previous else "container"
    asked = (
        f"the API server asked the kubelet on {node} for the log of the {which} {container} of pod {namespace}/{name}"
        f"{' and keeps streaming it' if options.follow else ''}: logs stay on the node, they are never stored in etcd"
    )
    return LogStream(cluster, namespace, name, source, options, since, pod, node, asked)
