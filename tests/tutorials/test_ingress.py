"""kubernetes.io: Set up Ingress on Minikube with the NGINX Ingress Controller
(https://kubernetes.io/docs/tasks/access-application-cluster/ingress-minikube/).

``minikube addons enable ingress`` is not needed: kubeviz runs a simulated ingress
controller for the ``nginx`` IngressClass. ``curl --resolve "hello-world.example:80:$(minikube ip)"``
becomes the REST call the dashboard's ingress traffic uses (which pods got the requests);
what hello-app answers is fetched from inside the cluster."""
from __future__ import annotations

import re

import pytest

from .conftest import Step, table, walk

pytestmark = pytest.mark.kubectl

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: example-ingress
spec:
  ingressClassName: nginx
  rules:
    - host: hello-world.example
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 8080
"""
# "Create a second Deployment … Edit the existing example-ingress.yaml … add the following lines"
INGRESS_V2 = INGRESS + """\
          - path: /v2
            pathType: Prefix
            backend:
              service:
                name: web2
                port:
                  number: 8080
"""


def hello(version: str, deployment: str):
    return lambda out: re.fullmatch(rf"Hello, world!\nVersion: {version}\nHostname: {deployment}-[a-z0-9]+-[a-z0-9]{{5}}\n", out)


STEPS = [
    Step("kubectl create deployment web --image=gcr.io/google-samples/hello-app:1.0",
         lambda out: out.strip() == "deployment.apps/web created"),
    Step("kubectl expose deployment web --type=NodePort --port=8080", lambda out: out.strip() == "service/web exposed"),
    Step("kubectl get service web", lambda out: (r := table(out)[0]) and r["TYPE"] == "NodePort" and r["EXTERNAL-IP"] == "<none>"
         and re.fullmatch(r"8080:3\d{4}/TCP", r["PORT(S)"])),
    Step("kubectl rollout status deployment/web --timeout=60s", lambda out: "successfully rolled out" in out),
    Step("kubectl apply -f example-ingress.yaml", lambda out: out.strip() == "ingress.networking.k8s.io/example-ingress created"),
    # "Note: It can take a couple of minutes": the controller publishes its address.
    Step("kubectl get ingress", lambda out: (r := table(out)[0]) and (r["NAME"], r["CLASS"], r["HOSTS"], r["PORTS"]) == (
        "example-ingress", "nginx", "hello-world.example", "80") and re.fullmatch(r"\d+\.\d+\.\d+\.\d+", r["ADDRESS"]), wait=True),
    Step("kubectl run fetch --image=busybox:1.28 --restart=Never -- wget -qO- http://web:8080", lambda out: "created" in out),
    Step("kubectl logs fetch", hello("1.0.0", "web"), wait=True),
    Step("kubectl create deployment web2 --image=gcr.io/google-samples/hello-app:2.0",
         lambda out: out.strip() == "deployment.apps/web2 created"),
    Step("kubectl expose deployment web2 --port=8080 --type=NodePort", lambda out: out.strip() == "service/web2 exposed"),
    Step("kubectl rollout status deployment/web2 --timeout=60s", lambda out: "successfully rolled out" in out),
    Step("kubectl apply -f example-ingress-v2.yaml", lambda out: out.strip() == "ingress.networking.k8s.io/example-ingress configured"),
    Step("kubectl run fetch2 --image=busybox:1.28 --restart=Never -- wget -qO- http://web2:8080", lambda out: "created" in out),
    Step("kubectl logs fetch2", hello("2.0.0", "web2"), wait=True),
]


@pytest.mark.parametrize("path,service", [("/", "web"), ("/v2", "web2"), ("/anything", "web")])
def test_ingress_routes_hello_world_example(tutorial, path, service):
    if path == "/":
        tutorial.manifest("example-ingress.yaml", INGRESS)
        tutorial.manifest("example-ingress-v2.yaml", INGRESS_V2)
        walk(tutorial, STEPS)
    server = tutorial.cluster.server
    sent = tutorial.cluster.session().post(f"{server.http}/api/clusters/{tutorial.cluster.name}/ingress/traffic/",
                                           json={"host": "hello-world.example", "path": path, "requests": 4}).json()
    assert (sent["ingress"], sent["service"]) == ("default/example-ingress", f"default/{service}"), sent
    assert sum(sent["distribution"].values()) == 4 and all(p.startswith(f"{service}-") for p in sent["distribution"]), sent
