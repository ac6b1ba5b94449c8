"""Writing the scheduler's explanations (the only table the scheduler writes itself)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from kubeviz.etcd.models import Cluster

from .models import SchedulingDecision


@transaction.atomic
def decision_save(*, cluster: Cluster, namespace: str, name: str, uid: str, explanation: dict[str, Any],
                  created: datetime) -> SchedulingDecision:
    """Keep ``explanation`` as the pod's latest scheduling decision."""
    decision, _ = SchedulingDecision.objects.update_or_create(
        cluster=cluster, namespace=namespace, name=name,
        defaults={"uid": uid, "explanation": explanation, "created": created},
    )
    return decision
