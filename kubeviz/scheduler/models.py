"""The scheduler's own record: the latest explanation of each pod's placement."""
from django.db import models

from kubeviz.clusters.models import Cluster
from kubeviz.etcd.fields import StoredJSONField


class SchedulingDecision(models.Model):
    """Why a pod went where it went (or why it could not go anywhere): the latest attempt."""

    # No index of its own: the composite indexes below start with the cluster.
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="scheduling_decisions", db_index=False)
    namespace = models.CharField(max_length=253)
    name = models.CharField(max_length=253)
    uid = models.CharField(max_length=36, blank=True, default="")
    explanation = StoredJSONField(default=dict)
    created = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cluster", "namespace", "name"], name="scheduling_decision_unique_pod"),
        ]

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"
