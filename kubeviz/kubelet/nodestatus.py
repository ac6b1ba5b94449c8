"""The node status a kubelet posts: conditions, images, capacity (pkg/kubelet/nodestatus).

A pure function of the stored node, the images on it and the time, so the kubelet posts
only when something changed, or every ``NODE_STATUS_REPORT_SECONDS`` to show it is alive;
in between, the Lease alone carries the heartbeat (as with the NodeLease feature).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.clusters.clock import parse_rfc3339, rfc3339
from kubeviz.runtime.images import resolve

Obj = dict[str, Any]

# kubelet --node-status-max-images: the largest images are reported, at most this many.
MAX_IMAGES = 50
# kubelet nodeStatusReportFrequency: post an unchanged status this often.
NODE_STATUS_REPORT_SECONDS = 300

HEALTHY = {
    "MemoryPressure": ("False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    "DiskPressure": ("False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    "PIDPressure": ("False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    "Ready": ("True", "KubeletReady", "kubelet is posting ready status"),
}
# Resources every Linux kubelet reports, even when it has none of them.
ALWAYS_REPORTED = {"hugepages-1Gi": "0", "hugepages-2Mi": "0"}


def image_entry(name: str) -> Obj | None:
    """``{"names": [repo@digest, repo:tag], "sizeBytes": …}`` for an image in the catalogue."""
    ref = resolve(name)
    if not ref.exists or ref.image is None:
        return None
    return {"names": [ref.image_id, ref.full_name], "sizeBytes": ref.image.size}


def node_images(reported: list[Obj], pulled: set[str]) -> list[Obj]:
    """What was reported plus what was pulled since, largest first, capped as kubelet does."""
    known = {n for image in reported for n in image.get("names") or []}
    images = [deep_copy(i) for i in reported]
    for name in sorted(pulled - known):
        entry = image_entry(name)
        if entry is not None and not known.intersection(entry["names"]):
            images.append(entry)
            known.update(entry["names"])
    images.sort(key=lambda i: -(i.get("sizeBytes") or 0))
    return images[:MAX_IMAGES]


def node_status(node: Obj, pulled: set[str], now: datetime) -> Obj:
    """The status the kubelet would post now; equal to the stored one when nothing is due."""
    status = deep_copy(node.get("status") or {})
    stamp = rfc3339(now)
    old = {c.get("type"): c for c in status.get("conditions") or []}
    ready = old.get("Ready") or {}
    beat = ready.get("lastHeartbeatTime")
    due = (
        ready.get("status") != "True"
        or set(old) != set(HEALTHY)
        or beat is None
        or now - parse_rfc3339(beat) >= timedelta(seconds=NODE_STATUS_REPORT_SECONDS)
    )
    for field in ("capacity", "allocatable"):
        if field in status:
            status[field] = {**ALWAYS_REPORTED, **status[field]}
    status["images"] = node_images(status.get("images") or [], pulled)
    if due or status != (node.get("status") or {}):
        # Every status the kubelet posts carries a fresh heartbeat in its conditions.
        status["conditions"] = [
            {
                "type": ctype, "status": value, "reason": reason, "message": message, "lastHeartbeatTime": stamp,
                "lastTransitionTime": stamp if old.get(ctype, {}).get("status") != value
                else old[ctype].get("lastTransitionTime", stamp),
            }
            for ctype, (value, reason, message) in HEALTHY.items()
        ]
    return status
