"""The simulated clock of a cluster.

Stored as (sim_time at sim_anchor, speed, mode) on the Cluster row, so every process
computes the same "now" without writing: live mode advances ``speed`` simulated seconds
per real second; step and paused modes stand still until the engine moves the clock. A
cluster asleep (``kubeviz.clusters.sleep``) stands still too: waking re-anchors it.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kubeviz.clusters.models import Cluster


def real_now() -> datetime:
    return datetime.now(UTC)


def now(cluster: Cluster) -> datetime:
    if cluster.clock_mode == Cluster.CLOCK_LIVE and not cluster.asleep:
        elapsed = (real_now() - cluster.sim_anchor).total_seconds() * cluster.clock_speed
        return cluster.sim_time + timedelta(seconds=max(elapsed, 0.0))
    return cluster.sim_time


def rfc3339(moment: datetime) -> str:
    """Kubernetes' metav1.Time: second precision, UTC, ``Z``. A simulated instant is
    stamped on many objects in a row, so the last one formatted is kept."""
    global _last_stamp
    last = _last_stamp
    if last is not None and last[0] == moment:
        return last[1]
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _last_stamp = (moment, text)
    return text


_last_stamp: tuple[datetime, str] | None = None


def parse_rfc3339(text: str) -> datetime:
    # fromisoformat is C and far cheaper than strptime, which showed in every ``kubectl
    # get`` (one AGE per row); anything but the plain ``…Z`` form goes the strict way.
    if len(text) == 20 and text[10] == "T" and text[19] == "Z":
        return datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
