"""A cluster's identity: its name, owner and visibility, the template it came from, its
simulated clock, whether it sleeps.

The row also carries the counters the store and the step recorder bump on every write
(``revision``, ``compacted_revision``, ``step_seq``): they are updated in the statement
that locks the row, which is what makes one revision counter per cluster cheap. Its table
keeps the name it had when the store owned it (``etcd_cluster``), which the store's raw
SQL addresses.
"""
from __future__ import annotations

import secrets

from django.conf import settings as django_settings
from django.db import models


def new_token_salt() -> str:
    """A cluster's random token salt: its bearer token is derived from it and the secret key
    (kubeviz.apiserver.tokens), so the row holds nothing a client could use."""
    return secrets.token_urlsafe(32)


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
    # The template (fixtures/clusters/<name>.yaml) it was made from and is reset to.
    fixture = models.CharField(max_length=100, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)

    # Who owns it: a user, or the guest session that made it; neither means the site
    # (the shared demo), on which only teachers act (kubeviz.clusters.permissions).
    owner = models.ForeignKey(django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="clusters")
    owner_guest = models.CharField(max_length=64, blank=True, default="", db_index=True)
    # Public clusters are listed on / and anyone may watch them.
    public = models.BooleanField(default=False)
    # Kept for review (a submitted exercise, an archived class): nobody but teachers acts.
    read_only = models.BooleanField(default=False)
    # The last API request, viewer or lesson activity (real time): what sleep is judged by.
    last_active = models.DateTimeField(null=True, blank=True)
    # Asleep: no worker runs it and its simulated clock stands still (see clusters.sleep).
    asleep = models.BooleanField(default=False)

    class Meta:
        db_table = "etcd_cluster"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def site_owned(self) -> bool:
        return self.owner_id is None and not self.owner_guest


class Snapshot(models.Model):
    """A named copy of a cluster's objects at one revision, as ``etcdctl snapshot save``
    keeps one: restoring it puts back exactly these objects. The entries are one
    zlib-compressed JSON blob (a few kilobytes for the demo), since they are only ever read
    whole; steps, logs and the change log are not kept (a restore starts history afresh)."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="snapshots")
    name = models.SlugField(max_length=63)
    revision = models.BigIntegerField()
    sim_time = models.DateTimeField()
    created = models.DateTimeField(auto_now_add=True)
    objects_count = models.IntegerField(default=0)
    entries = models.BinaryField()

    class Meta:
        ordering = ["created", "pk"]
        constraints = [models.UniqueConstraint(fields=["cluster", "name"], name="snapshot_unique_name")]

    def __str__(self) -> str:
        return f"{self.cluster_id}/{self.name}"
