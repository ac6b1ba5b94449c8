"""Writing steps. Called inside the transaction that did the work they describe."""
from __future__ import annotations

from typing import Any

from django.db.models import F

from kubeviz.engine import clock
from kubeviz.etcd.models import Cluster

from .models import Step


def step_record(
    *,
    cluster: Cluster,
    source: str,
    target: str,
    action: str,
    message: str,
    step: int | None = None,
    obj: dict[str, Any] | None = None,
    revision: int | None = None,
    category: str = "flow",
    client: str = "",
) -> Step:
    """Append one step with the next per-cluster sequence number."""
    Cluster.objects.filter(pk=cluster.pk).update(step_seq=F("step_seq") + 1)
    seq = Cluster.objects.filter(pk=cluster.pk).values_list("step_seq", flat=True).get()
    meta = (obj or {}).get("metadata") or {}
    return Step.objects.create(
        cluster=cluster,
        seq=seq,
        step=step,
        source=source,
        target=target,
        action=action,
        kind=(obj or {}).get("kind", ""),
        namespace=meta.get("namespace", "") or "",
        name=meta.get("name", "") or "",
        uid=meta.get("uid", "") or "",
        message=message,
        revision=revision,
        time=clock.now(cluster),
        category=category,
        client=client,
    )


def name_object(step: Step, obj: dict[str, Any]) -> None:
    """Give a request's step the name and uid the API server chose (generateName)."""
    meta = obj.get("metadata") or {}
    if step.name != meta.get("name") or step.uid != meta.get("uid", ""):
        Step.objects.filter(pk=step.pk).update(name=meta.get("name", ""), uid=meta.get("uid", ""))
        step.name, step.uid = meta.get("name", ""), meta.get("uid", "")
