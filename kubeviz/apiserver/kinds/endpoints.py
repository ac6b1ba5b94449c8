"""Endpoints (pkg/registry/core/endpoint): written by the endpoints controller."""
from __future__ import annotations

from .. import validation as v
from ..resources import register
from ..strategy import Obj, Strategy


class EndpointsStrategy(Strategy):
    def validate(self, obj: Obj) -> list[v.FieldError]:
        errs: list[v.FieldError] = []
        for i, subset in enumerate(obj.get("subsets") or []):
            for j, p in enumerate((subset or {}).get("ports") or []):
                errs += v.port_number((p or {}).get("port"), f"subsets[{i}].ports[{j}].port")
        return errs


register(EndpointsStrategy(
    kind="Endpoints", plural="endpoints", singular="endpoints", short_names=("ep",),
    etcd_prefix="services/endpoints", subresources=(),
))
