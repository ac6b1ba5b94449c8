"""The Step record (DESIGN.md, "Steps: the 1–9 flow")."""
from django.db import models

from kubeviz.clusters.models import Cluster


class Step(models.Model):
    # No index of its own: the composite indexes below start with the cluster.
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="steps", db_index=False)
    seq = models.BigIntegerField()
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=128)
    target = models.CharField(max_length=128)
    action = models.CharField(max_length=64)
    kind = models.CharField(max_length=64, blank=True, default="")
    namespace = models.CharField(max_length=253, blank=True, default="")
    name = models.CharField(max_length=253, blank=True, default="")
    uid = models.CharField(max_length=36, blank=True, default="")
    message = models.TextField()
    revision = models.BigIntegerField(null=True, blank=True)
    time = models.DateTimeField()
    category = models.CharField(max_length=32)
    # For step 1: which client sent the request (kubectl, python-client, form, button, lesson).
    client = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cluster", "seq"], name="step_unique_seq"),
        ]
        ordering = ["seq"]

    def as_message(self) -> dict:
        """The JSON shape streamed to browsers and served by the REST API."""
        return {
            "seq": self.seq,
            "step": self.step,
            "source": self.source,
            "target": self.target,
            "action": self.action,
            "object": {
                "kind": self.kind,
                "namespace": self.namespace,
                "name": self.name,
                "uid": self.uid,
            },
            "message": self.message,
            "revision": self.revision,
            "time": self.time.isoformat().replace("+00:00", "Z"),
            "category": self.category,
            "client": self.client,
        }
