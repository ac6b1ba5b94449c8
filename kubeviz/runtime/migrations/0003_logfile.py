"""Log lines refer to a log file per container instance instead of repeating its names."""
import django.db.models.deletion
from django.db import migrations, models


def files_from_lines(apps, schema_editor):
    """One LogFile per container instance that has lines; every line points at its file."""
    LogFile = apps.get_model("runtime", "LogFile")
    LogLine = apps.get_model("runtime", "LogLine")
    seen = (
        LogLine.objects.values_list("cluster_id", "pod_uid", "container", "container_id")
        .order_by("cluster_id", "container_id").distinct()
    )
    LogFile.objects.bulk_create(
        [LogFile(cluster_id=c, pod_uid=p, container=n, container_id=i) for c, p, n, i in seen],
        ignore_conflicts=True,
    )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            'UPDATE "runtime_logline" SET "file_id" = (SELECT f."id" FROM "runtime_logfile" f '
            'WHERE f."cluster_id" = "runtime_logline"."cluster_id" AND f."container_id" = "runtime_logline"."container_id")'
        )


class Migration(migrations.Migration):

    dependencies = [
        ("etcd", "0004_remove_entry_labels_alter_change_prev_value_and_more"),
        ("runtime", "0002_alter_logline_cluster"),
    ]

    operations = [
        migrations.CreateModel(
            name="LogFile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("pod_uid", models.CharField(max_length=36)),
                ("container", models.CharField(max_length=253)),
                ("container_id", models.CharField(max_length=64)),
                ("cluster", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                              related_name="log_files", to="etcd.cluster")),
            ],
            options={
                "indexes": [models.Index(fields=["cluster", "pod_uid"], name="runtime_log_cluster_ac918f_idx")],
                "constraints": [models.UniqueConstraint(fields=("cluster", "container_id"), name="logfile_unique_container")],
            },
        ),
        migrations.AddField(
            model_name="logline",
            name="file",
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="lines", to="runtime.logfile"),
        ),
        migrations.RunPython(files_from_lines, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="logline", name="runtime_log_cluster_014d52_idx"),
        migrations.RemoveIndex(model_name="logline", name="runtime_log_cluster_31336a_idx"),
        migrations.RemoveField(model_name="logline", name="cluster"),
        migrations.RemoveField(model_name="logline", name="pod_uid"),
        migrations.RemoveField(model_name="logline", name="container"),
        migrations.RemoveField(model_name="logline", name="container_id"),
        migrations.AlterField(
            model_name="logline",
            name="file",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="lines", to="runtime.logfile"),
        ),
        migrations.AddIndex(model_name="logline", index=models.Index(fields=["file", "id"], name="runtime_log_file_id_e99b25_idx")),
    ]
