"""Tables of the simulated etcd: entries and the change log of each cluster.

A cluster's revision counter lives on its row (kubeviz.clusters.models.Cluster, table
``etcd_cluster``) so that a write bumps it in the same statement that locks it."""
from __future__ import annotations

from django.db import models

from kubeviz.clusters.models import Cluster

from .fields import StoredJSONField


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
        # Lists are read in key order (continue tokens are keys): the key last in an index
        # lets it serve the order too. Without, SQLite's planner walked the whole cluster in
        # key order (the unique index) to avoid a sort: 6.5 ms for an empty list at 7,000
        # entries, on every pod's admission.
        indexes = [
            models.Index(fields=["cluster", "resource", "key"], name="entry_resource_key"),
            models.Index(fields=["cluster", "resource", "namespace", "key"], name="entry_namespace_key"),
            models.Index(fields=["cluster", "uid"]),
            models.Index(fields=["cluster", "owner_uid", "key"], name="entry_owner_key"),
            models.Index(fields=["cluster", "resource", "node_name", "key"], name="entry_node_key"),
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
    # Fencing: bumped by every new holder, checked by the holder's every store write
    # (kubeviz.etcd.fencing), so a holder that stalled past its lease cannot write after
    # another took over.
    epoch = models.BigIntegerField(default=1)


class WorkerHeartbeat(models.Model):
    """A live engine worker (renewed with its leases): how many workers share the clusters."""

    holder = models.CharField(max_length=128, unique=True)
    seen = models.DateTimeField()
