"""Plain-text cluster tokens give way to a per-cluster salt (kubeviz.apiserver.tokens).

The old tokens stop working: each cluster gets a new token, and its kubeconfig is simply
downloaded again (dashboard or ``manage.py kubeconfig``)."""
from django.db import migrations, models

import kubeviz.clusters.models


def salt_each(apps, schema_editor):
    Cluster = apps.get_model("etcd", "Cluster")
    for pk in Cluster.objects.values_list("pk", flat=True):
        Cluster.objects.filter(pk=pk).update(token_salt=kubeviz.clusters.models.new_token_salt())


class Migration(migrations.Migration):

    dependencies = [
        ("etcd", "0004_remove_entry_labels_alter_change_prev_value_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="cluster",
            name="token_salt",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(salt_each, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="cluster",
            name="token_salt",
            field=models.CharField(default=kubeviz.clusters.models.new_token_salt, max_length=64),
        ),
        migrations.RemoveField(model_name="cluster", name="token"),
    ]
