"""The container runtime's log files: what each simulated container wrote to stdout/stderr.

Kept per container instance (its containerID, which changes on every restart), so the
previous instance's log survives a restart for ``kubectl logs --previous``. Logs never go
through etcd: the kubelet and runtime write them, and the API server asks the kubelet.
"""
from django.db import models

from kubeviz.clusters.models import Cluster


class LogFile(models.Model):
    """One container instance's log file (CRI opens one per container start). The lines
    refer to it, rather than each repeating whose they are: a starting nginx writes dozens
    of lines, and their rows (and indexes) were mostly these names."""

    # No index of its own: the unique constraint below starts with the cluster.
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="log_files", db_index=False)
    pod_uid = models.CharField(max_length=36)
    container = models.CharField(max_length=253)
    # The hex part of containerStatuses[].containerID (``containerd://<hex>``).
    container_id = models.CharField(max_length=64)
    # Rotation (kubeviz.runtime.logs): bytes in the current file; the id of the last line
    # in a rotated file (the current file holds the lines after it); the last line ids of
    # the rotated files still kept, oldest first (JSON).
    size = models.BigIntegerField(default=0)
    rotated_through = models.BigIntegerField(default=0)
    rotations = models.TextField(default="[]")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cluster", "container_id"], name="logfile_unique_container"),
        ]
        indexes = [models.Index(fields=["cluster", "pod_uid"])]

    def __str__(self) -> str:
        return f"{self.container} {self.container_id[:12]}"


class LogLine(models.Model):
    """One line of one container instance's log, stamped with the simulated clock."""

    # No index of its own: the index below starts with the file.
    file = models.ForeignKey(LogFile, on_delete=models.CASCADE, related_name="lines", db_index=False)
    time = models.DateTimeField()
    stream = models.CharField(max_length=6, default="stdout")
    text = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["file", "id"])]

    @property
    def container(self) -> str:
        return self.file.container

    def __str__(self) -> str:
        return f"{self.time:%H:%M:%S} {self.text[:40]}"


class ServedRequests(models.Model):
    """How many requests a container served at one simulated instant (a burst of traffic
    through kube-proxy): what its simulated CPU use is worked out from (runtime/usage.py)."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="served_requests", db_index=False)
    pod_uid = models.CharField(max_length=36)
    container = models.CharField(max_length=253)
    time = models.DateTimeField()
    count = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["cluster", "time"])]

    def __str__(self) -> str:
        return f"{self.container} {self.count} at {self.time:%H:%M:%S}"


class ExecWrite(models.Model):
    """A file a ``kubectl exec`` (or ``cp``) wrote or removed in a container instance.

    The container's own program is re-run deterministically wherever it is needed, so what
    it writes needs no storing; what a user's exec writes does, so that the next exec (served
    by whichever process) sees it. None: removed."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="exec_writes", db_index=False)
    container_id = models.CharField(max_length=64)
    path = models.TextField()
    content = models.TextField(null=True)

    class Meta:
        indexes = [models.Index(fields=["cluster", "container_id", "id"])]

    def __str__(self) -> str:
        return f"{self.container_id[:12]} {self.path}"


class InputEnded(models.Model):
    """A ``stdin: true`` container's shell read the end of its input (``exit``, or the end of
    an attached ``stdinOnce`` stream) at ``time``: its process ends with ``code``. The
    attach is served by the API server's process; the kubelet reads this at its next look."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="inputs_ended", db_index=False)
    container_id = models.CharField(max_length=64)
    code = models.IntegerField()
    time = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "container_id"], name="inputended_unique_container")]

    def __str__(self) -> str:
        return f"{self.container_id[:12]} exit {self.code}"


class VolumeFile(models.Model):
    """One file on storage that outlives pods: a PersistentVolume's disk (``pv/<uid>``, paths
    from its root) or a node's own disk for hostPath (``node/<name>``, absolute host paths).
    Like logs, it is kept beside etcd, not in it: the data is the volume's, not the API's."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="volume_files", db_index=False)
    volume = models.CharField(max_length=300)
    path = models.CharField(max_length=1024)
    content = models.TextField()
    # The container instance (containerID hex) that wrote it last, and when (seconds after
    # it started): a process rebuilt after a worker restart runs its program again, and must
    # neither read its own writes as if they were there before it nor write them twice.
    writer = models.CharField(max_length=64, default="")
    offset = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cluster", "volume", "path"], name="volumefile_unique_path"),
        ]

    def __str__(self) -> str:
        return f"{self.volume}:{self.path}"
