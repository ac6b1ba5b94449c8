"""Writing the scheduler's explanations (the only table the scheduler writes itself)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from kubeviz.clusters.models import Cluster
from kubeviz.etcd import sql


def decision_save(*, cluster: Cluster, namespace: str, name: str, uid: str, explanation: dict[str, Any],
                  created: datetime) -> None:
    """Keep ``explanation`` as the pod's latest scheduling decision.

    One upsert statement (SQLite and PostgreSQL both speak ON CONFLICT): the scheduler
    writes one for every attempt, so the ORM's select-then-save would double its cost.
    """
    j = sql.json_placeholder()
    sql.later(
        'INSERT INTO "scheduler_schedulingdecision" ("cluster_id", "namespace", "name", "uid", "explanation", "created") '
        f"VALUES (%s, %s, %s, %s, {j}, %s) "
        'ON CONFLICT ("cluster_id", "namespace", "name") DO UPDATE SET "uid" = excluded."uid", '
        '"explanation" = excluded."explanation", "created" = excluded."created"',
        (cluster.pk, namespace, name, uid, sql.dumps(explanation), sql.datetime_param(created)),
    )
