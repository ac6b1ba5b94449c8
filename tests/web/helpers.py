"""Shared bits of the dashboard tests."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural

XSS = "<script>alert(1)</script>"
HX = {"HTTP_HX_REQUEST": "true"}


def deployment(name: str = "web", replicas: int = 2, image: str = "nginx:1.27", labels: dict | None = None,
               command: list[str] | None = None) -> dict:
    """A Deployment of one container named ``main`` (with ``command``, if given)."""
    labels = labels or {"app": name}
    container: dict = {"name": "main", "image": image, **({"command": command} if command else {})}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def pod(name: str = "solo", image: str = "nginx", node: str | None = None, **meta) -> dict:
    spec: dict = {"containers": [{"name": "main", "image": image}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default", **meta}, "spec": spec}


def create(cluster, plural: str, body: dict) -> dict:
    return registry.create(cluster, by_plural(plural), body["metadata"].get("namespace"), body)


def get(cluster, plural: str, namespace: str | None, name: str) -> dict:
    return registry.get(cluster, by_plural(plural), namespace, name)
