"""What every control-plane component provides to the engine.

The informer/work-queue pattern of client-go: ``handle`` turns a watch event into keys to
enqueue (and nothing else); ``sync`` re-reads the state of one key from the cache, acts on
the difference through the API client, writes status last, and is harmless to run twice.
"Not yet" is a requeue after a delay on the simulated clock, never a sleep.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from .cache import Cache
from .client import Client

Obj = dict[str, Any]


class Component(Protocol):
    #: unique queue name: ``scheduler``, ``controller-manager/replicaset``, ``kubelet/node-1``…
    name: str
    #: who the steps and Events say acted: ``scheduler``, ``controller-manager``, ``kubelet/node-1``
    actor: str
    #: the resources (plurals) whose events this component's handlers receive
    watches: tuple[str, ...]

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        """Keys to enqueue for this event."""
        ...

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        """Reconcile one key; return seconds after which to look again, or None."""
        ...
