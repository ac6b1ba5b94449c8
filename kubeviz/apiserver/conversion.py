"""Served versions that are not the stored one: one storage, converted at the door.

Kubernetes stores each resource in one version and converts on the way in and out
(``autoscaling/v1`` HorizontalPodAutoscalers are stored as ``autoscaling/v2``; the
``events.k8s.io/v1`` Events are the core Events seen through newer field names). A
``VersionView`` is served like any strategy (discovery, paths) but keeps nothing of its
own: requests are converted to the storage version and answered converted back.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .strategy import Strategy

Obj = dict[str, Any]


def _same(obj: Obj) -> Obj:
    return obj


@dataclass
class VersionView(Strategy):
    storage: Strategy | None = None
    #: storage version → this version
    to_external: Callable[[Obj], Obj] = field(default=_same)
    #: this version → storage version
    from_external: Callable[[Obj], Obj] = field(default=_same)

    def present(self, body: Obj) -> Obj:
        """A response body (an object or a list of them, as stored) in this version; other
        bodies, such as a Status or a Table, as they are. Called once per response."""
        if self.storage is None:
            return body
        if body.get("kind") == self.storage.list_kind:
            return {**body, "kind": self.list_kind, "apiVersion": self.api_version,
                    "items": [self.to_external(item) for item in body.get("items") or []]}
        if body.get("kind") == self.storage.kind:
            return self.to_external(body)
        return body
