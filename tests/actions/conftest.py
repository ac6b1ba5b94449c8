"""A cluster with the Deployment ``web`` (2 replicas, app=web) and its Service, settled,
and a content directory with a manifest, for playing actions in settle mode."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from kubeviz.actions import parse_action, run_action
from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.clusters.models import Cluster
from kubeviz.engine.runner import Engine

WEB = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: main, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
"""
SETTINGS = """apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {colour: blue}
"""


@dataclass
class Played:
    """A cluster, its in-process engine and the content directory the actions read."""

    cluster: Cluster
    engine: Engine
    base: Path

    def run(self, spec: dict, where: str = "steps[0].actions[0]") -> str:
        return run_action(self.cluster, parse_action(spec, where=where, base=self.base), engine=self.engine)

    def settle(self, seconds: float = 60) -> None:
        self.run({"settle": seconds})

    def get(self, plural: str, name: str, namespace: str | None = "default") -> dict:
        strategy = by_plural(plural)
        return registry.get(self.cluster, strategy, namespace if strategy.namespaced else None, name)

    def objects(self, plural: str, selector: str = "", namespace: str = "default") -> list[dict]:
        return registry.list_(self.cluster, by_plural(plural), namespace, label_selector=selector)["items"]

    def exists(self, plural: str, name: str, namespace: str = "default") -> bool:
        return any(o["metadata"]["name"] == name for o in self.objects(plural, namespace=namespace)) \
            if by_plural(plural).namespaced else name in {o["metadata"]["name"] for o in registry.objects(self.cluster, plural)}


@pytest.fixture
def content(tmp_path: Path) -> Path:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "settings.yaml").write_text(SETTINGS)
    (tmp_path.parent / "outside.yaml").write_text(SETTINGS)
    return tmp_path


@pytest.fixture
def played(cluster: Cluster, content: Path) -> Played:
    p = Played(cluster, Engine(cluster), content)
    p.run({"manifest": WEB})
    p.settle()
    return p
