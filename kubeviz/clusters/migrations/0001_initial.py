"""The Cluster model moves from the store (etcd) to kubeviz.clusters, keeping its table:
the state moves, the database does not (SeparateDatabaseAndState). Then the columns of
ownership, visibility and sleep are added; clusters made before owners existed were all
public and site-owned, and stay so."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import kubeviz.clusters.models


def existing_are_public(apps, schema_editor):
    apps.get_model("clusters", "Cluster").objects.update(public=True)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("etcd", "0005_cluster_token_salt"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Cluster",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.SlugField(max_length=63, unique=True)),
                        ("revision", models.BigIntegerField(default=0)),
                        ("compacted_revision", models.BigIntegerField(default=0)),
                        ("step_seq", models.BigIntegerField(default=0)),
                        ("token_salt", models.CharField(default=kubeviz.clusters.models.new_token_salt, max_length=64)),
                        ("seed", models.BigIntegerField(default=0)),
                        ("clock_mode", models.CharField(choices=[("live", "live"), ("step", "step"), ("paused", "paused")],
                                                        default="live", max_length=8)),
                        ("clock_speed", models.FloatField(default=1.0)),
                        ("sim_time", models.DateTimeField()),
                        ("sim_anchor", models.DateTimeField()),
                        ("settings", models.JSONField(blank=True, default=dict)),
                        ("step_requests", models.BigIntegerField(default=0)),
                        ("steps_done", models.BigIntegerField(default=0)),
                        ("fixture", models.CharField(blank=True, default="", max_length=100)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={"db_table": "etcd_cluster", "ordering": ["name"]},
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="cluster", name="owner",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="clusters", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name="cluster", name="owner_guest",
            field=models.CharField(blank=True, db_index=True, default="", max_length=64),
        ),
        migrations.AddField(model_name="cluster", name="public", field=models.BooleanField(default=False)),
        migrations.AddField(model_name="cluster", name="read_only", field=models.BooleanField(default=False)),
        migrations.AddField(model_name="cluster", name="last_active", field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="cluster", name="asleep", field=models.BooleanField(default=False)),
        migrations.RunPython(existing_are_public, migrations.RunPython.noop),
    ]
