"""The kubernetes.io examples learners copy, as settle-mode scenarios with every component:
containers do what their command, image and probes say."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.clock import parse_rfc3339
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.flow.models import Step
from kubeviz.kubelet.logs import log_lines, log_source


def create(cluster, plural: str, body: dict, namespace: str = "default") -> dict:
    return registry.create(cluster, by_plural(plural), namespace, body)


def pod_body(name: str, containers: list[dict], **spec) -> dict:
    return {"metadata": {"name": name, "labels": {"app": name}}, "spec": {"containers": containers, **spec}}


def engine(cluster) -> Engine:
    pause_clock(cluster)
    return Engine(cluster)


def get(cluster, name: str) -> dict:
    return registry.get(cluster, by_plural("pods"), "default", name)


def logs(cluster, name: str, container: str | None = None) -> list[str]:
    p = get(cluster, name)
    source = log_source(p, container or p["spec"]["containers"][0]["name"], False)
    return [line.text for line in log_lines(cluster, source)]


def events(cluster, name: str) -> list[tuple[str, str]]:
    return [(e["reason"], e["message"]) for e in registry.objects(cluster, "events", "default") if e["involvedObject"]["name"] == name]


def web(cluster, image: str = "nginx:1.14.2", replicas: int = 1) -> None:
    labels = {"app": "web"}
    create(cluster, "deployments", {"metadata": {"name": "web"}, "spec": {
        "replicas": replicas, "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": {"containers": [
            {"name": "nginx", "image": image, "ports": [{"containerPort": 80}]}]}}}})
    create(cluster, "services", {"metadata": {"name": "web"}, "spec": {"selector": labels, "ports": [{"port": 80}]}})


def test_liveness_exec_restarts_after_the_file_goes(cluster):
    create(cluster, "pods", pod_body("liveness-exec", [{
        "name": "liveness", "image": "registry.k8s.io/busybox:1.27.2",
        "args": ["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"],
        "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5, "periodSeconds": 5}}]))
    e = engine(cluster)
    e.settle(horizon=40)
    assert get(cluster, "liveness-exec")["status"]["containerStatuses"][0]["restartCount"] == 0
    e.settle(horizon=15)
    cs = get(cluster, "liveness-exec")["status"]["containerStatuses"][0]
    assert cs["restartCount"] == 1 and cs["lastState"]["terminated"]["exitCode"] == 137
    assert ("Unhealthy", "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory") in events(cluster, "liveness-exec")
    assert ("Killing", "Container liveness failed liveness probe, will be restarted") in events(cluster, "liveness-exec")


@pytest.mark.parametrize("probe,horizon,restarts,message", [
    # agnhost liveness: /healthz answers 200 for 10 s, then 500 (kubernetes.io's liveness HTTP example):
    # checks at 3, 6, 9 pass; 12, 15, 18 fail and the third gets it killed
    ({"httpGet": {"path": "/healthz", "port": 8080}, "initialDelaySeconds": 3, "periodSeconds": 3}, 25, 1,
     "Liveness probe failed: HTTP probe failed with statuscode: 500"),
    ({"tcpSocket": {"port": 8080}, "initialDelaySeconds": 3, "periodSeconds": 3}, 25, 0, None),
    ({"tcpSocket": {"port": 9999}, "initialDelaySeconds": 3, "periodSeconds": 3}, 12, 1,
     "Liveness probe failed: dial tcp {ip}:9999: connect: connection refused"),
])
def test_liveness_http_and_tcp_ask_the_server(cluster, probe, horizon, restarts, message):
    create(cluster, "pods", pod_body("liveness-http", [{
        "name": "liveness", "image": "registry.k8s.io/e2e-test-images/agnhost:2.40", "args": ["liveness"],
        "livenessProbe": probe}]))
    engine(cluster).settle(horizon=horizon)
    p = get(cluster, "liveness-http")
    assert p["status"]["containerStatuses"][0]["restartCount"] == restarts
    if message:
        assert ("Unhealthy", message.format(ip=p["status"]["podIP"])) in events(cluster, "liveness-http")


@pytest.mark.parametrize("path,ready", [("/", True), ("/index.html", True), ("/healthz", False)])
def test_readiness_http_follows_what_nginx_serves(cluster, path, ready):
    create(cluster, "pods", pod_body("ready", [{
        "name": "nginx", "image": "nginx:1.27.1",
        "readinessProbe": {"httpGet": {"path": path, "port": 80}, "periodSeconds": 5}}]))
    engine(cluster).settle(horizon=15)
    assert get(cluster, "ready")["status"]["containerStatuses"][0]["ready"] is ready
    if not ready:
        assert ("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 404") in events(cluster, "ready")


def test_a_startup_probe_on_a_file_the_command_writes_late(cluster):
    create(cluster, "pods", pod_body("slow", [{
        "name": "app", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 12; touch /tmp/started; sleep 3600"],
        "startupProbe": {"exec": {"command": ["test", "-f", "/tmp/started"]}, "periodSeconds": 5, "failureThreshold": 6}}]))
    e = engine(cluster)
    e.settle(horizon=10)
    assert get(cluster, "slow")["status"]["containerStatuses"][0]["started"] is False
    e.settle(horizon=10)
    cs = get(cluster, "slow")["status"]["containerStatuses"][0]
    assert cs["started"] is True and cs["ready"] is True and cs["restartCount"] == 0


def test_the_sidecar_reads_what_the_other_container_wrote_to_the_shared_emptydir(cluster):
    web(cluster)
    create(cluster, "pods", pod_body("two-containers", [
        {"name": "nginx-container", "image": "nginx", "volumeMounts": [{"name": "shared-data", "mountPath": "/usr/share/nginx/html"}]},
        {"name": "debian-container", "image": "debian", "volumeMounts": [{"name": "shared-data", "mountPath": "/pod-data"}],
         "command": ["/bin/sh"], "args": ["-c", "echo Hello from the debian container > /pod-data/index.html"]},
    ], volumes=[{"name": "shared-data", "emptyDir": {}}], restartPolicy="Never"))
    e = engine(cluster)
    e.settle(horizon=10)
    ip = get(cluster, "two-containers")["status"]["podIP"]
    create(cluster, "pods", pod_body("client", [{"name": "c", "image": "busybox", "command": ["wget", "-qO-", f"http://{ip}/"]}],
                                     restartPolicy="Never"))
    e.settle(horizon=10)
    assert logs(cluster, "client") == ["Hello from the debian container"]


def test_env_from_configmap_secret_fieldref_and_service_links(cluster):
    web(cluster)
    create(cluster, "configmaps", {"metadata": {"name": "special-config"}, "data": {"SPECIAL_LEVEL": "very", "SPECIAL_TYPE": "charm"}})
    create(cluster, "secrets", {"metadata": {"name": "backend-user"}, "data": {"backend-username": "YmFja2VuZC1hZG1pbg=="}})
    e = engine(cluster)
    e.settle(horizon=5)
    create(cluster, "pods", pod_body("env", [{
        "name": "test", "image": "busybox:1.28", "command": ["sh", "-c", 'env | sort; echo "level=$SPECIAL_LEVEL"'],
        "envFrom": [{"configMapRef": {"name": "special-config"}}],
        "env": [{"name": "SECRET_USERNAME", "valueFrom": {"secretKeyRef": {"name": "backend-user", "key": "backend-username"}}},
                {"name": "MY_POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "MY_POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}]}], restartPolicy="Never"))
    e.settle(horizon=10)
    out = logs(cluster, "env")
    svc = registry.get(cluster, by_plural("services"), "default", "web")
    for line in ("SPECIAL_TYPE=charm", "SECRET_USERNAME=backend-admin", "MY_POD_NAME=env", "level=very",
                 f"WEB_SERVICE_HOST={svc['spec']['clusterIP']}", "WEB_SERVICE_PORT=80", f"WEB_PORT=tcp://{svc['spec']['clusterIP']}:80",
                 f"MY_POD_IP={get(cluster, 'env')['status']['podIP']}"):
        assert line in out


def test_the_job_computes_pi(cluster):
    create(cluster, "jobs", {"metadata": {"name": "pi"}, "spec": {"backoffLimit": 4, "template": {"spec": {
        "containers": [{"name": "pi", "image": "perl:5.34.0", "command": ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]}],
        "restartPolicy": "Never"}}}})
    engine(cluster).settle(horizon=60)
    job = registry.get(cluster, by_plural("jobs"), "default", "pi")
    assert job["status"].get("succeeded") == 1
    pod = next(p for p in registry.objects(cluster, "pods", "default") if p["metadata"]["name"].startswith("pi-"))
    (line,) = logs(cluster, pod["metadata"]["name"])
    assert line.startswith("3.141592653589793238462643383279502884197") and len(line) == 2001


def test_the_cronjob_hello_container_prints_its_greeting(cluster):
    create(cluster, "pods", pod_body("hello", [{
        "name": "hello", "image": "busybox:1.28", "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/sh", "-c", "date; echo Hello from the Kubernetes cluster"]}], restartPolicy="OnFailure"))
    engine(cluster).settle(horizon=10)
    out = logs(cluster, "hello")
    assert out[1] == "Hello from the Kubernetes cluster" and out[0].endswith("UTC 2026")
    assert get(cluster, "hello")["status"]["phase"] == "Succeeded"


@pytest.mark.parametrize("url,expected", [
    ("web", "<title>Welcome to nginx!</title>"),
    ("web.default", "<title>Welcome to nginx!</title>"),
    ("http://web.default.svc.cluster.local/index.html", "<title>Welcome to nginx!</title>"),
    ("http://web/missing.html", "wget: server returned error: HTTP/1.1 404 Not Found"),
    ("nosuch", "wget: bad address 'nosuch'"),
])
def test_wget_to_a_service_gets_what_nginx_serves(cluster, url, expected):
    web(cluster)
    e = engine(cluster)
    e.settle(horizon=10)
    create(cluster, "pods", pod_body("tmp", [{"name": "tmp", "image": "busybox", "command": ["sh", "-c", f"wget -qO- {url} 2>&1"]}],
                                     restartPolicy="Never"))
    e.settle(horizon=10)
    assert expected in "\n".join(logs(cluster, "tmp"))
    if "Welcome" in expected:
        assert Step.objects.filter(cluster=cluster, action="traffic", message__contains="1 request from pod default/tmp on").exists()


def test_a_network_program_is_looked_at_until_its_far_exit(cluster):
    """A program that uses the network is worked out only so far ahead of the clock, and the
    kubelet comes back to it: a silent loop of 250 s then ``exit 3`` still ends the pod."""
    web(cluster)
    e = engine(cluster)
    e.settle(horizon=10)
    script = ("wget -q -O /dev/null http://web; i=0; while sleep 0.01; do i=$((i+1)); [ $i -ge 25000 ] && break; done; "
              "sleep 100; exit 3")
    create(cluster, "pods", pod_body("far", [{"name": "far", "image": "busybox", "command": ["sh", "-c", script]}],
                                     restartPolicy="Never"))
    e.settle(horizon=420)
    terminated = get(cluster, "far")["status"]["containerStatuses"][0]["state"]["terminated"]
    assert terminated["exitCode"] == 3
    assert (parse_rfc3339(terminated["finishedAt"]) - parse_rfc3339(terminated["startedAt"])).total_seconds() == 350


@pytest.mark.parametrize("image,name_line,address_line,address", [
    # busybox 1.29 rewrote nslookup; the StatefulSet tutorial shows 1.28's format.
    ("busybox:1.36", "Name:\tweb-0.nginx.default.svc.cluster.local", "Address: {ip}", "Address:"),
    ("busybox:1.28", "Name:      web-0.nginx", "Address 1: {ip}", "Address "),
])
def test_statefulset_pods_have_dns_names(cluster, image, name_line, address_line, address):
    labels = {"app": "nginx"}
    create(cluster, "services", {"metadata": {"name": "nginx"}, "spec": {"clusterIP": "None", "selector": labels,
                                                                          "ports": [{"port": 80, "name": "web"}]}})
    create(cluster, "statefulsets", {"metadata": {"name": "web"}, "spec": {
        "serviceName": "nginx", "replicas": 2, "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.8"}]}}}})
    e = engine(cluster)
    e.settle(horizon=20)
    create(cluster, "pods", pod_body("dns", [{"name": "dns", "image": image, "command": [
        "sh", "-c", f"nslookup web-0.nginx; nslookup nginx | grep -c '{address}'; hostname -f 2>/dev/null; echo done"]}],
        restartPolicy="Never"))
    e.settle(horizon=10)
    out = logs(cluster, "dns")
    web0 = get(cluster, "web-0")["status"]["podIP"]
    assert name_line in out and address_line.format(ip=web0) in out
    assert out[out.index(address_line.format(ip=web0)) + 2] == "3"  # the server's line and both pods
