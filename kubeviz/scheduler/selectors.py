"""Reading the scheduler's explanations."""
from __future__ import annotations

from typing import Any

from kubeviz.clusters.models import Cluster

from .explain import expand
from .models import SchedulingDecision


def decision_get(cluster: Cluster, namespace: str, name: str) -> dict[str, Any] | None:
    """The latest scheduling decision about pod ``namespace/name``, or None if there is none.

    ``{"namespace", "name", "uid", "created", "explanation"}``; ``explanation`` is the record
    ``kubeviz.scheduler.explain.explanation`` builds (nodes, filter verdicts, scores, choice).
    """
    decision = SchedulingDecision.objects.filter(cluster=cluster, namespace=namespace, name=name).first()
    if decision is None:
        return None
    return {
        "namespace": decision.namespace,
        "name": decision.name,
        "uid": decision.uid,
        "created": decision.created.isoformat().replace("+00:00", "Z"),
        "explanation": expand(decision.explanation),
    }
