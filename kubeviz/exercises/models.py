"""An attempt: one learner working one exercise on a sandbox of their own."""
from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models

from kubeviz.clusters.models import Cluster


class Attempt(models.Model):
    """Who (a user, or a guest session's id, as clusters are owned), which exercise, on which
    cluster, graded from which point of the cluster's history (the scope), and, once
    submitted, the final grade. The cluster outlives the attempt's grading: it is kept
    read-only for review, and may later be swept (then ``cluster`` is null)."""

    OPEN = "open"
    SUBMITTED = "submitted"
    STATUSES = [(OPEN, "open"), (SUBMITTED, "submitted")]

    owner = models.ForeignKey(django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="attempts")
    owner_guest = models.CharField(max_length=64, blank=True, default="", db_index=True)
    exercise = models.SlugField(max_length=100, db_index=True)
    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts")
    # Where grading looks from: the step, etcd revision and simulated time after the setup
    # (renewed on reset).
    scope_seq = models.BigIntegerField(default=0)
    scope_revision = models.BigIntegerField(default=0)
    scope_time = models.DateTimeField(null=True, blank=True)  # simulated time (Events are judged by it)
    # The simulator's switches (stopped components, failed nodes) the setup left, put back on
    # reset: they are cluster settings, not objects, so a snapshot does not hold them.
    setup_settings = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=OPEN)
    score = models.IntegerField(null=True, blank=True)
    maximum = models.IntegerField(default=0)
    # The final grade's objectives (kubeviz.exercises.grading.Grade.as_dict()["objectives"]).
    results = models.JSONField(default=list, blank=True)
    started = models.DateTimeField(auto_now_add=True)
    submitted = models.DateTimeField(null=True, blank=True)
    # An exam sitting this attempt belongs to (kept as a plain id until exams land).
    sitting_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-started", "-pk"]

    def __str__(self) -> str:
        return f"attempt {self.pk} of {self.exercise}"

    @property
    def is_open(self) -> bool:
        return self.status == self.OPEN
