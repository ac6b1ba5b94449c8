"""Upgrading keeps the logs already written."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("runtime", "0002_alter_logline_cluster"), ("etcd", "0004_remove_entry_labels_alter_change_prev_value_and_more")]
AFTER = [("runtime", "0003_logfile")]


@pytest.mark.django_db(transaction=True)
def test_lines_written_before_log_files_existed_move_into_them():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    cluster = old.get_model("etcd", "Cluster").objects.create(
        name="old", token="t", sim_time=datetime(2026, 1, 1, tzinfo=UTC), sim_anchor=datetime(2026, 1, 1, tzinfo=UTC),
    )
    line = old.get_model("runtime", "LogLine")
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    for cid, container, text in [("a1", "web", "one"), ("a1", "web", "two"), ("b2", "sidecar", "three")]:
        line.objects.create(cluster=cluster, pod_uid="p", container=container, container_id=cid, time=stamp, text=text)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    files = {f.container_id: f for f in new.get_model("runtime", "LogFile").objects.filter(cluster_id=cluster.pk)}
    assert {(f.pod_uid, f.container) for f in files.values()} == {("p", "web"), ("p", "sidecar")}
    lines = new.get_model("runtime", "LogLine").objects.order_by("id")
    assert [(row.file_id, row.text) for row in lines] == [
        (files["a1"].pk, "one"), (files["a1"].pk, "two"), (files["b2"].pk, "three"),
    ]
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
