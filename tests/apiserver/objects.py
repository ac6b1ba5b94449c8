"""Small builders for the objects the API server tests create, and a few shared checks."""
from __future__ import annotations

import copy
from typing import Any

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.etcd import store
from kubeviz.flow.models import Step

Obj = dict[str, Any]


def container(name: str = "web", image: str = "nginx:1.27", **extra: Any) -> Obj:
    return {"name": name, "image": image, **extra}


def pod(name: str = "web", *, labels: dict[str, str] | None = None, containers: list[Obj] | None = None, **spec: Any) -> Obj:
    meta: Obj = {"name": name}
    if labels is not None:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"containers": [container()] if containers is None else containers, **spec}}


def deployment(name: str = "web", *, labels: dict[str, str] | None = None, **spec: Any) -> Obj:
    labels = labels or {"app": name}
    body: Obj = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": dict(labels)}, "spec": {"containers": [container()]}},
        },
    }
    body["spec"].update(spec)
    return body


def replicaset(name: str = "web-1", **spec: Any) -> Obj:
    body = deployment(name, **spec)
    body["kind"] = "ReplicaSet"
    return body


def service(name: str = "web", **spec: Any) -> Obj:
    body: Obj = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                 "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}}
    body["spec"].update(spec)
    return body


def create(cluster, plural: str, body: Obj, namespace: str | None = "default") -> Obj:
    strategy = by_plural(plural)
    return registry.create(cluster, strategy, namespace if strategy.namespaced else None, copy.deepcopy(body))


def get(cluster, plural: str, name: str, namespace: str | None = "default") -> Obj:
    strategy = by_plural(plural)
    return registry.get(cluster, strategy, namespace if strategy.namespaced else None, name)


def revision(cluster) -> int:
    return store.current_revision(cluster.pk)


def last_seq(cluster) -> int:
    return Step.objects.filter(cluster=cluster).order_by("-seq").values_list("seq", flat=True).first() or 0


def steps_after(cluster, seq: int) -> list[Step]:
    return list(Step.objects.filter(cluster=cluster, seq__gt=seq).order_by("seq"))
