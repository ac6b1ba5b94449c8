"""Lease (coordination.k8s.io/v1): node heartbeats in kube-node-lease, and leader election."""
from __future__ import annotations

from .. import validation as v
from ..resources import register
from ..strategy import Obj, Strategy


class LeaseStrategy(Strategy):
    def validate(self, obj: Obj) -> list[v.FieldError]:
        spec = obj.get("spec") or {}
        errs: list[v.FieldError] = []
        if spec.get("leaseDurationSeconds") is not None:
            duration = spec["leaseDurationSeconds"]
            if not isinstance(duration, int) or duration <= 0:
                errs.append(v.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
        return errs


register(LeaseStrategy(
    kind="Lease", plural="leases", singular="lease", group="coordination.k8s.io", subresources=(),
))
