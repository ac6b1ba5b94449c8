"""Cluster moved to kubeviz.clusters (same table): only the state of the foreign key changes."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("clusters", "0001_initial"),
        ("scheduler", "0003_alter_schedulingdecision_explanation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name="schedulingdecision", name="cluster",
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                        related_name="scheduling_decisions", to="clusters.cluster"),
            ),
        ]),
    ]
