"""kubernetes.io: StatefulSet Basics
(https://kubernetes.io/docs/tutorials/stateful-application/basic-stateful-set/).

``kubectl exec`` (hostname, writing index.html) waits for branch i18-exec: the stable
hostnames are read from the pods' spec, and the interactive ``kubectl run -i --tty`` DNS
check runs as a plain pod whose log is read."""
from __future__ import annotations

import pytest

from .conftest import Step, table, walk

pytestmark = pytest.mark.kubectl

WEB = """\
---
apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector:
    app: nginx
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: "nginx"
  replicas: 2
  minReadySeconds: 10 # by default is 0
  selector:
    matchLabels:
      app: nginx # has to match .spec.template.metadata.labels
  template:
    metadata:
      labels:
        app: nginx # has to match .spec.selector.matchLabels
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.21
        ports:
        - containerPort: 80
          name: web
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
"""


def running(*names: str):
    def check(out: str) -> bool:
        rows = table(out)
        return [(r["NAME"], r["READY"], r["STATUS"]) for r in rows] == [(n, "1/1", "Running") for n in names]
    return check


def claims(*names: str):
    def check(out: str) -> bool:
        rows = table(out)
        return [(r["NAME"], r["STATUS"], r["CAPACITY"], r["ACCESS MODES"]) for r in rows] == [
            (n, "Bound", "1Gi", "RWO") for n in names] and all(r["VOLUME"].startswith("pvc-") for r in rows)
    return check


STEPS = [
    Step("kubectl apply -f web.yaml", lambda out: out.splitlines() == ["service/nginx created", "statefulset.apps/web created"]),
    Step("kubectl get service nginx", lambda out: (r := table(out)[0]) and
         (r["NAME"], r["TYPE"], r["CLUSTER-IP"], r["EXTERNAL-IP"], r["PORT(S)"]) == ("nginx", "ClusterIP", "None", "<none>", "80/TCP")),
    Step("kubectl get statefulset web", lambda out: [(r["NAME"], r["READY"]) for r in table(out)] == [("web", "2/2")], wait=True),
    Step("kubectl get pods -l app=nginx", running("web-0", "web-1")),
    # Each pod's stable hostname (the page runs `hostname` in each with kubectl exec).
    Step("kubectl get pods -l app=nginx -o jsonpath='{{range .items[*]}}{{.spec.hostname}}.{{.spec.subdomain}} {{end}}'",
         lambda out: out.split() == ["web-0.nginx", "web-1.nginx"]),
    Step("kubectl get pod web-0 -o jsonpath={{.status.podIP}}", lambda out: out and {"ip": out.strip()}),
    Step("kubectl run dns-test --image=busybox:1.28 --restart=Never -- nslookup web-0.nginx", lambda out: "created" in out),
    Step("kubectl logs dns-test", lambda out: "Name:      web-0.nginx" in out, wait=True, shows="Address 1: {ip}"),
    Step("kubectl get pvc -l app=nginx", claims("www-web-0", "www-web-1")),
    # Deleting the pods: they come back with the same names (and claims).
    Step("kubectl delete pod -l app=nginx", lambda out: out.splitlines() == ['pod "web-0" deleted', 'pod "web-1" deleted']),
    Step("kubectl get pods -l app=nginx", running("web-0", "web-1"), wait=True),
    # Scaling up and down; the claims stay.
    Step("kubectl scale sts web --replicas=5", lambda out: out.strip() == "statefulset.apps/web scaled"),
    Step("kubectl get pods -l app=nginx", running("web-0", "web-1", "web-2", "web-3", "web-4"), wait=True),
    Step("""kubectl patch sts web -p '{{"spec":{{"replicas":3}}}}'""", lambda out: out.strip() == "statefulset.apps/web patched"),
    Step("kubectl get pods -l app=nginx", running("web-0", "web-1", "web-2"), wait=True),
    Step("kubectl get pvc -l app=nginx", claims("www-web-0", "www-web-1", "www-web-2", "www-web-3", "www-web-4")),
    # A rolling update, in reverse ordinal order.
    Step("""kubectl patch statefulset web --type='json' -p='[{{"op": "replace", "path": "/spec/template/spec/containers/0/image", """
         """"value":"registry.k8s.io/nginx-slim:0.24"}}]'""", lambda out: out.strip() == "statefulset.apps/web patched"),
    Step("kubectl rollout status sts/web --timeout=60s", lambda out: "partitioned roll out complete" in out
         or "rolling update complete" in out),
    Step("kubectl get pod -l app=nginx -o jsonpath='{{range .items[*]}}{{.spec.containers[0].image}} {{end}}'",
         lambda out: out.split() == ["registry.k8s.io/nginx-slim:0.24"] * 3),
]


def test_statefulset_basics(tutorial):
    tutorial.manifest("web.yaml", WEB)
    walk(tutorial, STEPS)
