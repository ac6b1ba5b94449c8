"""Storage that outlives a pod: what containers write to a PersistentVolume or a hostPath.

A PersistentVolume's files belong to the volume (``pv/<uid>``): the pod that replaces one
(a StatefulSet's ``web-0`` again, a Deployment's new pod on the same claim) finds them,
and they go with the PersistentVolume (reclaim policy Delete deletes it; a PV created anew
under the same name starts empty); that holds for dynamically provisioned volumes too,
whose spec names a hostPath as minikube's provisioner's do. A hostPath's files belong to the node (``node/<name>``,
absolute paths), as on a real node's disk: a PersistentVolume of type hostPath reads the
node's files, which is how the kubernetes.io PV tutorial's ``/mnt/data/index.html`` reaches
nginx. Simplified: a container sees the files as they were when it started plus its own
writes (no live sharing between running pods), and no capacity is enforced.
"""
from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from kubeviz.clusters.models import Cluster

from .models import VolumeFile

Obj = dict[str, Any]
#: a dynamically provisioned volume is the volume's own disk (as a cloud disk would be), even
#: where its spec says hostPath as minikube's provisioner's does
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
#: (plural, namespace, name) → the object, or None ("" namespace for cluster-scoped kinds)
Lookup = Callable[[str, str, str], Obj | None]


class Backing(NamedTuple):
    """Where a pod volume's files are kept: ``volume`` and the directory ``root`` in it."""

    volume: str
    root: str


def backing(pod: Obj, volume: Obj, lookup: Lookup | None) -> Backing | None:
    """The storage behind a pod volume that outlives the pod (None for the others)."""
    node = (pod.get("spec") or {}).get("nodeName") or ""
    host = volume.get("hostPath")
    if isinstance(host, dict) and node:
        return Backing(f"node/{node}", posixpath.normpath(str(host.get("path") or "/")))
    claim = volume.get("persistentVolumeClaim")
    if not isinstance(claim, dict) or lookup is None:
        return None
    namespace = (pod.get("metadata") or {}).get("namespace") or "default"
    pvc = lookup("persistentvolumeclaims", namespace, str(claim.get("claimName") or ""))
    name = ((pvc or {}).get("spec") or {}).get("volumeName")
    pv = lookup("persistentvolumes", "", name) if name else None
    if pv is None:
        return None
    pv_host = (pv.get("spec") or {}).get("hostPath")
    provisioned = PROVISIONED_BY in ((pv.get("metadata") or {}).get("annotations") or {})
    if isinstance(pv_host, dict) and not provisioned:
        return Backing(f"node/{node}", posixpath.normpath(str(pv_host.get("path") or "/"))) if node else None
    return Backing(f"pv/{pv['metadata'].get('uid', name)}", "/")


def _under(path: str, root: str) -> str | None:
    """``path`` relative to ``root`` if it lies inside it."""
    prefix = root.rstrip("/") + "/"
    return path[len(prefix):] if path.startswith(prefix) else None


def volume_read(*, cluster: Cluster, where: Backing, reader: str = "") -> dict[str, str]:
    """The files under ``where.root``, by path relative to it, but for those ``reader`` (a
    container instance) wrote itself."""
    rows = VolumeFile.objects.filter(cluster=cluster, volume=where.volume)
    if reader:
        rows = rows.exclude(writer=reader)
    if where.root != "/":
        rows = rows.filter(path__startswith=where.root.rstrip("/") + "/")
    found = {}
    for path, content in rows.values_list("path", "content"):
        rel = _under(path, where.root)
        if rel:
            found[rel] = content
    return found


def volume_write(*, cluster: Cluster, writer: str, changes: Iterable[tuple[float, Backing, str, str | None]]) -> int:
    """Apply ``writer``'s writes (``content``) and removals (None), each at its offset and a
    path relative to its backing's root; returns how many were applied."""
    done = 0
    for offset, where, rel, content in changes:
        path = posixpath.join(where.root, rel)
        if content is None:
            VolumeFile.objects.filter(cluster=cluster, volume=where.volume, path=path).delete()
        else:
            VolumeFile.objects.update_or_create(cluster=cluster, volume=where.volume, path=path,
                                                defaults={"content": content, "writer": writer, "offset": offset})
        done += 1
    return done


def volume_written(*, cluster: Cluster, writer: str) -> float | None:
    """The offset of the last write ``writer`` made that is still kept (None: none)."""
    found = VolumeFile.objects.filter(cluster=cluster, writer=writer).order_by("-offset").values_list("offset", flat=True)[:1]
    return found[0] if found else None


def volume_sweep(*, cluster: Cluster, volume_uids: set[str]) -> int:
    """Drop the files of PersistentVolumes that no longer exist (their disks were deleted)."""
    gone = (VolumeFile.objects.filter(cluster=cluster, volume__startswith="pv/")
            .exclude(volume__in=[f"pv/{uid}" for uid in volume_uids]))
    return gone.delete()[0]
