"""A learner's progress through one lesson, and the sandbox they play it on."""
from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models

from kubeviz.clusters.models import Cluster


class LessonProgress(models.Model):
    """One learner (a user, or a guest session as clusters know them) in one lesson.

    Per step (keyed by its index, as a string: JSON keys): ``scopes`` where the step last
    opened (step seq, etcd revision, simulated time: its wait and prediction look only at
    what happened since), ``answers`` (the answer given and, once known, whether it was
    right), ``hints`` (how many were revealed). ``seconds`` counts active time: the gaps
    between a learner's actions, each capped, so a tab left open does not count."""

    owner = models.ForeignKey(django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="lesson_progress")
    owner_guest = models.CharField(max_length=64, blank=True, default="", db_index=True)
    lesson = models.SlugField(max_length=63)
    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="lesson_progress")
    step = models.PositiveIntegerField(default=0)
    scopes = models.JSONField(default=dict, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    hints = models.JSONField(default=dict, blank=True)
    skipped = models.JSONField(default=list, blank=True)
    seconds = models.PositiveIntegerField(default=0)
    completed = models.BooleanField(default=False)
    started = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lesson", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "lesson"], condition=models.Q(owner__isnull=False),
                                    name="lessonprogress_one_per_user"),
            models.UniqueConstraint(fields=["owner_guest", "lesson"],
                                    condition=models.Q(owner__isnull=True) & ~models.Q(owner_guest=""),
                                    name="lessonprogress_one_per_guest"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id or self.owner_guest}/{self.lesson}"
