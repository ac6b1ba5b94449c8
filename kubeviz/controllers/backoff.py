"""Per-key exponential backoff for failed syncs (client-go's ItemExponentialFailureRateLimiter).

A sync that fails (a pod create refused, a replica set that cannot be created) is retried
after 5ms, 10ms, 20ms… up to 1000s, so a permanent error does not keep the simulated
cluster busy forever; a successful sync forgets the key.
"""
from __future__ import annotations

BASE_DELAY = 0.005
MAX_DELAY = 1000.0


class Backoff:
    def __init__(self, base: float = BASE_DELAY, cap: float = MAX_DELAY) -> None:
        self.base = base
        self.cap = cap
        self._failures: dict[str, int] = {}

    def failure(self, key: str) -> float:
        """Record one more failure of ``key``; the delay before retrying it."""
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        return min(self.base * (2 ** n), self.cap)

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)
