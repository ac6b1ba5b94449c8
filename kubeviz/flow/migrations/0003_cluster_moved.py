"""Cluster moved to kubeviz.clusters (same table): only the state of the foreign key changes."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("clusters", "0001_initial"),
        ("flow", "0002_alter_step_cluster"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name="step", name="cluster",
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                        related_name="steps", to="clusters.cluster"),
            ),
        ]),
    ]
