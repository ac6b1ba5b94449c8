"""Watch streams: newline-delimited JSON events, polled from the store's change log.

Polling the stored change log (rather than an in-process signal) is what lets a watch
served by one web process see writes made by engine workers in other processes.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async

from kubeviz.apiserver import errors, registry, wirejson
from kubeviz.apiserver import validation as v
from kubeviz.apiserver.conversion import VersionView
from kubeviz.apiserver.selectors import parse_field_selector, parse_label_selector
from kubeviz.apiserver.strategy import Strategy
from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster

from .tables import table_of

POLL_SECONDS = 0.1
BOOKMARK_SECONDS = 5.0
DEFAULT_TIMEOUT = 1800


def _line(event: dict[str, Any]) -> bytes:
    return wirejson.dumps(event) + b"\n"


def _bookmark(strategy: Strategy, revision: int, initial_end: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"resourceVersion": str(revision)}
    if initial_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    return {"type": "BOOKMARK", "object": {"kind": strategy.kind, "apiVersion": strategy.api_version, "metadata": meta}}


def _check_watch_list(query: dict[str, str], bookmarks: bool) -> None:
    """sendInitialEvents needs NotOlderThan and bookmarks, as ValidateListOptions insists:
    the end of the initial events is itself a bookmark."""
    errs = []
    if query.get("resourceVersionMatch") != "NotOlderThan":
        errs.append(v.forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
    if not bookmarks:
        errs.append(v.forbidden("allowWatchBookmarks", "sendInitialEvents requires setting allowWatchBookmarks to true"))
    if errs:
        raise errors.invalid("ListOptions", "", errs, "meta.k8s.io")


def next_bookmark(now: float, deadline: float) -> float | None:
    """When to send the next bookmark: every BOOKMARK_SECONDS, and once 2 s before the watch
    times out so the client resumes from a fresh revision (the cacher's nextBookmarkTime)."""
    at = now + BOOKMARK_SECONDS
    pre_timeout = deadline - 2
    if pre_timeout < at:
        at = pre_timeout
    return at if at >= now else None


class WatchParams:
    """The query of a watch request, checked before the response starts."""

    def __init__(self, strategy: Strategy, query: dict[str, str], table: bool = False):
        self.table = table
        self.include_object = query.get("includeObject", "Metadata")
        self.label_selector = parse_label_selector(query.get("labelSelector", ""))
        self.field_selector = parse_field_selector(query.get("fieldSelector", ""), strategy.field_selectors, strategy.plural)
        self.resource_version = query.get("resourceVersion", "")
        self.bookmarks = query.get("allowWatchBookmarks", "").lower() == "true"
        self.send_initial = query.get("sendInitialEvents", "").lower() == "true"
        if "sendInitialEvents" in query:
            _check_watch_list(query, self.bookmarks)
        try:
            self.timeout = int(query.get("timeoutSeconds") or DEFAULT_TIMEOUT)
        except ValueError:
            raise errors.bad_request("timeoutSeconds must be an integer") from None
        self.start = None
        if self.resource_version not in ("", "0"):
            self.start = registry.parse_resource_version(strategy, self.resource_version)


async def watch_stream(
    cluster: Cluster, strategy: Strategy, namespace: str | None, params: WatchParams
) -> AsyncIterator[bytes]:
    def line(event: dict[str, Any]) -> bytes:
        if isinstance(strategy, VersionView) and event["type"] in ("ADDED", "MODIFIED", "DELETED") and not params.table:
            event = {"type": event["type"], "object": strategy.present(event["object"])}
        if params.table and event["type"] in ("ADDED", "MODIFIED", "DELETED"):
            obj = event["object"]
            event = {"type": event["type"], "object": table_of(
                strategy.kind, [obj], clock.now(cluster), obj["metadata"].get("resourceVersion", ""),
                include_object=params.include_object,
            )}
        return _line(event)

    deadline = time.monotonic() + params.timeout
    # An empty chunk sends the response headers at once, as the API server flushes them when
    # a watch starts: clients (client-go's Watch) wait for them before reading events.
    yield b""
    if params.start is None or params.send_initial:
        # No resourceVersion (or watch-list): the current objects first, as ADDED.
        listing = await sync_to_async(registry.list_)(
            cluster, strategy, namespace,
            label_selector=params.label_selector, field_selector=params.field_selector,
        )
        for item in listing["items"]:
            item["kind"] = strategy.kind
            item["apiVersion"] = strategy.api_version
            yield line({"type": "ADDED", "object": item})
        revision = int(listing["metadata"]["resourceVersion"])
        if params.send_initial:
            yield _line(_bookmark(strategy, revision, initial_end=True))
    else:
        revision = params.start
    bookmark_at = next_bookmark(time.monotonic(), deadline) if params.bookmarks else None
    while time.monotonic() < deadline:
        try:
            events, revision = await sync_to_async(registry.watch_poll)(
                cluster, strategy, namespace, revision,
                label_selector=params.label_selector, field_selector=params.field_selector,
            )
        except errors.StatusError as exc:
            yield _line({"type": "ERROR", "object": exc.status()})
            return
        for event in events:
            yield line(event)
        if bookmark_at is not None and time.monotonic() >= bookmark_at:
            yield _line(_bookmark(strategy, revision))
            bookmark_at = next_bookmark(time.monotonic(), deadline)
        if not events:
            await asyncio.sleep(POLL_SECONDS)
