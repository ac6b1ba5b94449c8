"""kubernetes.io: Configure a Pod to Use a PersistentVolume for Storage
(https://kubernetes.io/docs/tasks/configure-pod-container/configure-persistent-volume-storage/).

The page opens a shell on the node (``minikube ssh``) to write ``/mnt/data/index.html``;
here ``kubectl debug node/…`` writes it, through the node's root mounted at ``/host`` (the
simulated node keeps hostPath files). ``kubectl exec … curl http://localhost/`` waits for
``kubectl exec`` (branch i18-exec): a second pod fetches the page from the pod's IP."""
from __future__ import annotations

import pytest

from .conftest import Step, columns, table, walk

pytestmark = pytest.mark.kubectl

PV = """\
apiVersion: v1
kind: PersistentVolume
metadata:
  name: task-pv-volume
  labels:
    type: local
spec:
  storageClassName: manual
  capacity:
    storage: 10Gi
  accessModes:
    - ReadWriteOnce
  hostPath:
    path: "/mnt/data"
"""
PVC = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: task-pv-claim
spec:
  storageClassName: manual
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 3Gi
"""
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: task-pv-pod
spec:
  volumes:
    - name: task-pv-storage
      persistentVolumeClaim:
        claimName: task-pv-claim
  containers:
    - name: task-pv-container
      image: nginx
      ports:
        - containerPort: 80
          name: "http-server"
      volumeMounts:
        - mountPath: "/usr/share/nginx/html"
          name: task-pv-storage
"""
PV_COLUMNS = ["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS", "REASON", "AGE"]
PVC_COLUMNS = ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "AGE"]


def row(out: str, expected_columns: list[str], **cells: str) -> bool:
    # VOLUMEATTRIBUTESCLASS (Kubernetes 1.29+) is printed by newer servers; the page predates it.
    found = table(out)[0]
    return [c for c in columns(out) if c != "VOLUMEATTRIBUTESCLASS"] == expected_columns and \
        all(found[k] == v for k, v in cells.items())


def debugger(out: str) -> dict[str, str] | None:
    names = [r["NAME"] for r in table(out) if r["NAME"].startswith("node-debugger-") and r["STATUS"] == "Completed"]
    return {"debugger": names[0]} if names else None


STEPS = [
    # In place of `minikube ssh` + `sudo sh -c "echo 'Hello from Kubernetes storage' > /mnt/data/index.html"`.
    Step("kubectl debug node/minikube-1 --image=busybox:1.28 -- sh -c "
         "\"mkdir -p /host/mnt/data && echo 'Hello from Kubernetes storage' > /host/mnt/data/index.html\"",
         lambda out: out.startswith("Creating debugging pod node-debugger-minikube-1-")),
    Step("kubectl get pods", debugger, wait=True),
    Step("kubectl delete pod {debugger}", lambda out: "deleted" in out),
    Step("kubectl apply -f pv-volume.yaml", lambda out: out.strip() == "persistentvolume/task-pv-volume created"),
    Step("kubectl get pv task-pv-volume", lambda out: row(out, PV_COLUMNS, NAME="task-pv-volume", CAPACITY="10Gi", **{
        "ACCESS MODES": "RWO", "RECLAIM POLICY": "Retain", "STATUS": "Available", "CLAIM": "", "STORAGECLASS": "manual"}),
        wait=True),  # Pending until the PV controller's first look, as on a real cluster
    Step("kubectl apply -f pv-claim.yaml", lambda out: out.strip() == "persistentvolumeclaim/task-pv-claim created"),
    Step("kubectl get pv task-pv-volume", lambda out: row(out, PV_COLUMNS, STATUS="Bound", CLAIM="default/task-pv-claim"), wait=True),
    Step("kubectl get pvc task-pv-claim", lambda out: row(out, PVC_COLUMNS, NAME="task-pv-claim", STATUS="Bound", VOLUME="task-pv-volume",
                                                          CAPACITY="10Gi", STORAGECLASS="manual", **{"ACCESS MODES": "RWO"})),
    Step("kubectl apply -f pv-pod.yaml", lambda out: out.strip() == "pod/task-pv-pod created"),
    Step("kubectl get pod task-pv-pod", lambda out: table(out)[0]["STATUS"] == "Running", wait=True),
    # In place of `kubectl exec -it task-pv-pod -- /bin/bash` + `curl http://localhost/` (i18-exec).
    Step("kubectl get pod task-pv-pod -o jsonpath={{.status.podIP}}", lambda out: out and {"ip": out.strip()}),
    Step("kubectl run fetch --image=busybox:1.28 --restart=Never -- wget -qO- http://{ip}/", lambda out: "pod/fetch created" in out),
    Step("kubectl logs fetch", lambda out: out == "Hello from Kubernetes storage\n", wait=True),
    Step("kubectl delete pod task-pv-pod fetch", lambda out: 'pod "task-pv-pod" deleted' in out),
    Step("kubectl delete pvc task-pv-claim", lambda out: out.strip() == 'persistentvolumeclaim "task-pv-claim" deleted'),
    Step("kubectl delete pv task-pv-volume", lambda out: out.strip() == 'persistentvolume "task-pv-volume" deleted'),
]


def test_a_pod_uses_a_persistent_volume_for_storage(tutorial):
    tutorial.manifest("pv-volume.yaml", PV)
    tutorial.manifest("pv-claim.yaml", PVC)
    tutorial.manifest("pv-pod.yaml", POD)
    walk(tutorial, STEPS)
