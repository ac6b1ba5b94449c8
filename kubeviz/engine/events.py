"""The event recorder's memory (client-go's EventCorrelator), one per engine.

An Event is named ``<object>.<creation time in nanoseconds, hex>``, as client-go names them,
so that listing events (in key order) gives them in the order they happened: ``kubectl
describe`` shows Pulled, Created, Started in that order even within one second. A repeat
(same object, type, reason and message) is not a new Event: the recorder remembers which
Event it went to and counts it there. The memory lives in the component process, as in a
real cluster: a restarted component starts new Events for old repeats.

A real recorder's clock never repeats an instant; a simulated one does (a paused clock, a
new engine for the same cluster). So a recorder starts after the newest name the cluster
already holds (``seed``): its Events never take a name that is in use, which matters
because an Event is created without waiting to hear that its name was free (the recorder
drops one the server refuses, as client-go's does).
"""
from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: client-go's maxLruCacheEntries
LIMIT = 4096


class EventCorrelator:
    def __init__(self) -> None:
        self._names: OrderedDict[tuple[str, ...], str] = OrderedDict()
        self._last_ns = 0
        self.seeded = False

    def existing(self, key: tuple[str, ...]) -> str | None:
        """The Event a repeat of ``key`` goes to, if this recorder made one."""
        name = self._names.get(key)
        if name is not None:
            self._names.move_to_end(key)
        return name

    def remember(self, key: tuple[str, ...], name: str) -> None:
        self._names[key] = name
        self._names.move_to_end(key)
        while len(self._names) > LIMIT:
            self._names.popitem(last=False)

    def forget(self, key: tuple[str, ...]) -> None:
        self._names.pop(key, None)

    def seed(self, names: list[str]) -> None:
        """Start after the newest of these Event names (``<object>.<ns, hex>``)."""
        for name in names:
            try:
                self._last_ns = max(self._last_ns, int(name.rpartition(".")[2], 16))
            except ValueError:
                continue  # not a recorder's name (an Event made through the API)
        self.seeded = True

    def timestamp_ns(self, now: datetime) -> int:
        """``now`` in nanoseconds, strictly after the last one given (several events share
        a simulated instant, which on a real clock they would not)."""
        ns = (now - EPOCH) // timedelta(microseconds=1) * 1000
        self._last_ns = max(ns, self._last_ns + 1)
        return self._last_ns
