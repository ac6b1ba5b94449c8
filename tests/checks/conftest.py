"""A settled cluster to ask questions of: Deployment web (3 ready pods of nginx:1.27) and a
pod ``big`` that asks for more CPU than any node has, so it stays Pending."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.checks import Outcome, Scope, evaluate, parse_check
from kubeviz.engine.runner import Engine, pause_clock

WEB = {
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "replicas": 3, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}},
    },
}
BIG = {
    "metadata": {"name": "big", "labels": {"app": "big"}},
    "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "5"}}}]},
}


def settle(cluster, horizon: float = 60) -> None:
    pause_clock(cluster)
    Engine(cluster).settle(horizon=horizon)


def ask(cluster, spec: dict, scope: Scope | None = None) -> Outcome:
    """Parse and evaluate one check (from the cluster's beginning unless a scope is given)."""
    return evaluate(cluster, parse_check(spec), scope or Scope())


def assert_table(cluster, kind: str, cases: list[tuple[dict, bool, str, str]]) -> None:
    """Each (spec, passed, found, advice): the spec of a ``kind`` check (a whole check
    when ``kind`` is empty) answers exactly that."""
    for spec, passed, found, advice in cases:
        outcome = ask(cluster, {kind: spec} if kind else spec)
        assert (outcome.passed, outcome.found, outcome.advice) == (passed, found, advice), spec


@pytest.fixture
def web(cluster):
    registry.create(cluster, by_plural("deployments"), "default", WEB)
    registry.create(cluster, by_plural("pods"), "default", BIG)
    settle(cluster)
    return cluster


def pod_names(cluster, label: str) -> list[str]:
    return sorted(p["metadata"]["name"] for p in registry.objects(cluster, "pods", "default")
                  if p["metadata"].get("labels", {}).get("app") == label)
