"""Requests reaching containers: the serving process writes its access log.

kube-proxy's simulated traffic (proxy/traffic.py) decides which pod gets each request;
the container that receives it logs it, in its image's access-log format, as nginx and
httpd do on stdout, and the requests are counted, for the CPU they cost (runtime/usage.py).
This is the data plane, not a control-plane component.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster

from . import logs as runtime_logs
from .models import ServedRequests
from .output import access_line

Obj = dict[str, Any]
#: a burst of more requests than this logs only its last ones (rotation would drop the rest)
MAX_LOGGED_REQUESTS = 1000
#: served-request counts older than this no longer matter to any CPU window
KEEP_SECONDS = 600


def record_requests(cluster: Cluster, namespace: str, counts: dict[str, int], ports: dict[str, int], *,
                    client_ip: str, at: datetime | None = None) -> int:
    """Requests that kube-proxy sent to pods reach their containers, which log them (nginx's
    and httpd's access log on stdout), at ``at`` (default now). Returns how many lines were
    written."""
    now = at or clock.now(cluster)
    entries: list[runtime_logs.Entry] = []
    served: list[ServedRequests] = []
    for pod_name, count in counts.items():
        if count <= 0:
            continue
        try:
            pod = registry.get(cluster, by_plural("pods"), namespace, pod_name)
        except errors.StatusError:
            continue
        cs = _serving_container(pod, ports.get(pod_name))
        if cs is None:
            continue
        served.append(ServedRequests(cluster=cluster, pod_uid=pod["metadata"].get("uid", ""), container=cs["name"],
                                     time=now, count=count))
        rng = random.Random(f"{cs.get('containerID')}:{now.isoformat()}:{count}")
        image = next((c.get("image", "") for c in pod["spec"].get("containers") or [] if c.get("name") == cs["name"]), "")
        start = max(count - MAX_LOGGED_REQUESTS, 0)
        for i in range(start, count):
            moment = now + timedelta(microseconds=i)
            line = access_line(image, client_ip, moment, rng)
            if line is None:
                break
            entries.append(runtime_logs.Entry(pod["metadata"].get("uid", ""), cs["name"], cs.get("containerID", ""), moment, line))
    ServedRequests.objects.bulk_create(served)
    ServedRequests.objects.filter(cluster=cluster, time__lt=now - timedelta(seconds=KEEP_SECONDS)).delete()
    return runtime_logs.log_append(cluster=cluster, entries=entries)


def _serving_container(pod: Obj, port: int | None) -> Obj | None:
    """The running container that listens on the port (or the first running one)."""
    statuses = {cs.get("name"): cs for cs in (pod.get("status") or {}).get("containerStatuses") or []}
    specs = pod["spec"].get("containers") or []
    listening = [c["name"] for c in specs if port is not None and any(p.get("containerPort") == port for p in c.get("ports") or [])]
    for name in listening + [c["name"] for c in specs]:
        cs = statuses.get(name)
        if cs and "running" in (cs.get("state") or {}):
            return cs
    return None
