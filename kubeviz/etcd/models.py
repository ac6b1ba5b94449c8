"""Tables of the simulated etcd: one revision counter per cluster, entries, change log."""
from __future__ import annotations

import secrets

from django.db import models

from .fields import StoredJSONField


def new_token_salt() -> str:
    """A cluster's random token salt: its bearer token is derived from it and the secret key
    (kubeviz.apiserver.tokens), so the row holds nothing a client could use."""
    return secrets.token_urlsafe(32)


# Migration 0001 names the default of the old plain-text token column.
new_token = new_token_salt


class Cluster(models.Model):
    """One simulated cluster. Clusters never see each other's entries, steps or tokens."""

    CLOCK_LIVE = "live"
    CLOCK_STEP = "step"
    CLOCK_PAUSED = "paused"
    CLOCK_MODES = [(CLOCK_LIVE, "live"), (CLOCK_STEP, "step"), (CLOCK_PAUSED, "paused")]

    name = models.SlugField(max_length=63, unique=True)
    # etcd's cluster-wide revision: every write bumps it by one.
    revision = models.BigIntegerField(default=0)
    # Changes at or below this revision have been compacted away.
    compacted_revision = models.BigIntegerField(default=0)
    # Per-cluster sequence of recorded steps (kubeviz.flow).
    step_seq = models.BigIntegerField(default=0)
    token_salt = models.CharField(max_length=64, default=new_token_salt)
    seed = models.BigIntegerField(default=0)
    # The simulated clock: sim_time at anchor, advancing at clock_speed while live.
    clock_mode = models.CharField(max_length=8, choices=CLOCK_MODES, default=CLOCK_LIVE)
    clock_speed = models.FloatField(default=1.0)
    sim_time = models.DateTimeField()
    sim_anchor = models.DateTimeField()
    settings = models.JSONField(default=dict, blank=True)
    # "Next step" presses not yet carried out by the worker that owns the cluster.
    step_requests = models.BigIntegerField(default=0)
    steps_done = models.BigIntegerField(default=0)
    fixture = models.CharField(max_length=100, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Entry(models.Model):
    """A key's current value. The JSON is the truth; the other columns are indexes."""

    # No index of its own: the composite indexes below start with the cluster.
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="entries", db_index=False)
    key = models.CharField(max_length=512)
    resource = models.CharField(max_length=64)
    namespace = models.CharField(max_length=253, blank=True, default="")
    name = models.CharField(max_length=253)
    uid = models.CharField(max_length=36, blank=True, default="")
    node_name = models.CharField(max_length=253, blank=True, default="")
    owner_uid = models.CharField(max_length=36, blank=True, default="")
    value = StoredJSONField()
    create_revision = models.BigIntegerField()
    mod_revision = models.BigIntegerField()
    version = models.BigIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cluster", "key"], name="entry_unique_key"),
        ]
        indexes = [
            models.Index(fields=["cluster", "resource", "namespace", "name"]),
            models.Index(fields=["cluster", "uid"]),
            models.Index(fields=["cluster", "owner_uid"]),
            models.Index(fields=["cluster", "resource", "node_name"]),
        ]


class Change(models.Model):
    """The change log: one row per put or delete, so readers can watch from revision N."""

    PUT = "PUT"
    DELETE = "DELETE"

    # No index of its own: the composite indexes below start with the cluster.
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="changes", db_index=False)
    revision = models.BigIntegerField()
    key = models.CharField(max_length=512)
    resource = models.CharField(max_length=64)
    namespace = models.CharField(max_length=253, blank=True, default="")
    type = models.CharField(max_length=6)
    # For a put, the new value; for a delete, the last value (as etcd's prev_kv).
    value = StoredJSONField()
    prev_value = StoredJSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cluster", "revision"], name="change_unique_rev"),
        ]
        indexes = [models.Index(fields=["cluster", "resource", "revision"])]


class WorkerLease(models.Model):
    """Which worker process runs a cluster's engine, as kube-controller-manager replicas
    elect a leader with a Lease: the holder renews it; others take over once it expires."""

    cluster = models.OneToOneField(Cluster, on_delete=models.CASCADE, related_name="worker_lease")
    holder = models.CharField(max_length=128)
    renew_time = models.DateTimeField()
