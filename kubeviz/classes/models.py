"""A class: a teacher, a join code, the material it uses, and its learners."""
from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models

from kubeviz.clusters.models import Cluster


class Classroom(models.Model):
    """One class. Its learners join with ``code``; each gets a sandbox from ``template``.
    ``demo_cluster`` is the teacher's projected cluster (what follow mode will mirror)."""

    name = models.CharField(max_length=100)
    teacher = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="classes_taught")
    template = models.CharField(max_length=100)
    lessons = models.JSONField(default=list, blank=True)
    exercises = models.JSONField(default=list, blank=True)
    code = models.CharField(max_length=16, unique=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    archived = models.BooleanField(default=False)
    demo_cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="demo_of")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A learner in a class, under the name the room shows, with the sandbox made at join."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    display_name = models.CharField(max_length=60)
    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships")
    joined = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "user"], name="membership_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} in {self.classroom_id}"
