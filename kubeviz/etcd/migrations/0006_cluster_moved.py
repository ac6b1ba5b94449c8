"""Cluster moved to kubeviz.clusters (same table): the foreign keys follow it in the
migration state, then etcd's state forgets the model. Nothing changes in the database."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("clusters", "0001_initial"),
        ("etcd", "0005_cluster_token_salt"),
        ("flow", "0003_cluster_moved"),
        ("runtime", "0005_cluster_moved"),
        ("scheduler", "0004_cluster_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name="entry", name="cluster",
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                        related_name="entries", to="clusters.cluster"),
            ),
            migrations.AlterField(
                model_name="change", name="cluster",
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                        related_name="changes", to="clusters.cluster"),
            ),
            migrations.AlterField(
                model_name="workerlease", name="cluster",
                field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE,
                                           related_name="worker_lease", to="clusters.cluster"),
            ),
            migrations.DeleteModel(name="Cluster"),
        ]),
    ]
