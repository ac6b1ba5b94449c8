"""The state one Deployment sync works on: the Deployment, its ReplicaSets and the API client.

Every write refreshes the copy it came from (the Deployment after a status write, a
ReplicaSet after a scale), so a later write in the same sync never sends a stale
resourceVersion: the engine rolls a sync back on a conflict, and a conflict with our own
earlier write would otherwise repeat forever.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.engine.cache import Cache
from kubeviz.engine.client import Client

from .deployment_util import REVISION
from .objects import annotations_of, name_of, namespace_of, uid_of

Obj = dict[str, Any]


class SyncError(Exception):
    """A sync that must be retried later, keeping the writes it already made (the real
    controller returns an error and the work queue retries with backoff)."""


@dataclass
class DeploymentSync:
    cache: Cache
    api: Client
    d: Obj
    rs_list: list[Obj] = field(default_factory=list)
    requeue: float | None = None

    @property
    def where(self) -> str:
        return f"{namespace_of(self.d)}/{name_of(self.d)}"

    @property
    def status(self) -> Obj:
        return self.d.setdefault("status", {})

    def event(self, reason: str, message: str, type: str = "Normal") -> None:
        self.api.event(self.d, type=type, reason=reason, message=message)

    def track(self, rs: Obj) -> Obj:
        """Remember the newest copy of a ReplicaSet we wrote (or created)."""
        for i, known in enumerate(self.rs_list):
            if uid_of(known) == uid_of(rs):
                self.rs_list[i] = rs
                return rs
        self.rs_list.append(rs)
        return rs

    def forget(self, rs: Obj) -> None:
        self.rs_list = [known for known in self.rs_list if uid_of(known) != uid_of(rs)]

    def write_status(self, message: str) -> None:
        self.d = self.api.update_status("deployments", self.d, message=message)

    def write_revision(self, revision: str) -> bool:
        """Record the new ReplicaSet's revision on the Deployment (SetDeploymentRevision).

        Kubernetes carries this annotation in the status update; this API server keeps only
        ``status`` from a status write, so the annotation goes in its own metadata patch.
        """
        if annotations_of(self.d).get(REVISION) == revision:
            return False
        status = deep_copy(self.d.get("status") or {})
        self.d = self.api.patch(
            "deployments", namespace_of(self.d), name_of(self.d), {"metadata": {"annotations": {REVISION: revision}}},
            message=f"the deployment controller records revision {revision} on Deployment {self.where}",
        )
        self.d["status"] = status
        return True
