"""An exam is a list of exercises with a time limit; a sitting is one learner taking it.

A sitting's attempts are ordinary attempts (``exercises.Attempt``) carrying its id in
``sitting_id``; when the deadline passes every one still open is submitted."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class Exam(models.Model):
    title = models.CharField(max_length=200)
    #: the exercises' slugs (fixtures/exercises/<slug>.yaml), in the order they are shown
    exercises = models.JSONField(default=list)
    minutes = models.PositiveIntegerField(help_text="the time limit of a sitting, from its start")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="exams_created")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created", "-pk")

    def __str__(self) -> str:
        return self.title


class Sitting(models.Model):
    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="sittings")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sittings")
    started = models.DateTimeField()
    deadline = models.DateTimeField(db_index=True)
    #: when everything was submitted: by the learner, or when time ran out
    submitted = models.DateTimeField(null=True, blank=True)
    timed_out = models.BooleanField(default=False)

    class Meta:
        ordering = ("-started", "-pk")
        constraints = [models.UniqueConstraint(fields=("exam", "learner"), name="one_sitting_per_learner")]

    def __str__(self) -> str:
        return f"{self.learner} sitting {self.exam}"
