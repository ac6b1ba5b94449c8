"""Writing steps. Called inside the transaction that did the work they describe."""
from __future__ import annotations

from typing import Any

from kubeviz.engine import clock
from kubeviz.etcd import sql
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
    """Append one step with the next per-cluster sequence number.

    Two statements, not the ORM's four: every component action records several steps.
    """
    row = sql.one('UPDATE "etcd_cluster" SET "step_seq" = "step_seq" + 1 WHERE "id" = %s RETURNING "step_seq"', (cluster.pk,))
    assert row is not None
    meta = (obj or {}).get("metadata") or {}
    record = Step(
        cluster=cluster,
        seq=row[0],
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
    inserted = sql.one(
        'INSERT INTO "flow_step" ("cluster_id", "seq", "step", "source", "target", "action", "kind", "namespace", '
        '"name", "uid", "message", "revision", "time", "category", "client") '
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING \"id\"",
        (cluster.pk, record.seq, step, source, target, action, record.kind, record.namespace, record.name,
         record.uid, message, revision, sql.datetime_param(record.time), category, client),
    )
    assert inserted is not None
    record.pk = inserted[0]
    record._state.adding = False
    return record


def name_object(step: Step, obj: dict[str, Any]) -> None:
    """Give a request's step the name and uid the API server chose (generateName)."""
    meta = obj.get("metadata") or {}
    if step.name != meta.get("name") or step.uid != meta.get("uid", ""):
        Step.objects.filter(pk=step.pk).update(name=meta.get("name", ""), uid=meta.get("uid", ""))
        step.name, step.uid = meta.get("name", ""), meta.get("uid", "")
