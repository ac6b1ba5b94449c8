"""The kinds a learner follows from one object to another: a CronJob's Jobs (and the
diagram naming its pods after it), a claim's volume and the pods mounting it, the
Services an Ingress routes to, the workload an HPA scales; linked in the detail panel."""
from __future__ import annotations

import re

from kubeviz.engine.runner import settle_cluster
from tests.kubeapi import tutorial_kinds

from .helpers import HX, create, deployment, pod


def _created(cluster, kind: str, name: str) -> dict:
    body = tutorial_kinds.find(kind, name)
    s = tutorial_kinds.strategy_of(body)
    if s.namespaced:
        body["metadata"]["namespace"] = "default"
    return create(cluster, s.plural, body)


def _related(client, path: str) -> list[tuple[str, str]]:
    """(relation, linked object name) pairs of a detail panel's Related objects."""
    text = client.get(f"/clusters/demo/objects/{path}/", **HX).content.decode()
    section = text.split('id="object-related"', 1)[1].split("</section>", 1)[0] if 'id="object-related"' in text else ""
    return [(relation, name) for relation, name in
            re.findall(r'<li data-relation="([^"]*)">.*?<a class="obj" href="[^"]+"[^>]*>([^<]+)</a>', section, re.S)]


def test_detail_links_related_objects(client, cluster):
    """One settled cluster (settling takes seconds) for every relation."""
    create(cluster, "deployments", deployment("web", replicas=1))
    create(cluster, "deployments", deployment("php-apache", replicas=1))
    create(cluster, "services", {"metadata": {"name": "web", "namespace": "default"},
                                 "spec": {"selector": {"app": "web"}, "ports": [{"port": 8080, "targetPort": 80}]}})
    for kind, name in [("CronJob", "hello"), ("PersistentVolume", "task-pv-volume"), ("PersistentVolumeClaim", "task-pv-claim"),
                       ("Ingress", "example-ingress"), ("HorizontalPodAutoscaler", "php-apache")]:
        _created(cluster, kind, name)
    claimed = pod("task-pv-pod")
    claimed["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "task-pv-claim"}}]
    create(cluster, "pods", claimed)
    settle_cluster(cluster, horizon=70)

    jobs = _related(client, "cronjobs/default/hello")
    assert jobs and all(relation == "made Job" and name.startswith("hello-") for relation, name in jobs)
    assert ("made by", "hello") in _related(client, f"jobs/default/{jobs[0][1]}")
    pods = [p for p in client.get("/clusters/demo/state/").json()["pods"] if p["name"].startswith(jobs[0][1])]
    assert pods and {p["workload"] for p in pods} == {"hello"}  # the diagram names them after the CronJob
    for path, expected in RELATIONS:
        assert _related(client, path) == expected, path


RELATIONS = [
    ("persistentvolumeclaims/default/task-pv-claim", [("bound to", "task-pv-volume"), ("mounted by", "task-pv-pod")]),
    ("persistentvolumes/task-pv-volume", [("bound to", "task-pv-claim")]),
    ("ingresses/default/example-ingress", [("routes hello-world.example/ to", "web")]),
    ("horizontalpodautoscalers/default/php-apache", [("scales", "php-apache")]),
]
