"""ResourceQuota and LimitRange (pkg/registry/core/resourcequota, limitrange).

Both act at admission (:mod:`kubeviz.apiserver.admission`); the resource quota controller
keeps a quota's ``status.hard`` and ``status.used``.
"""
from __future__ import annotations

from typing import Any

from .. import validation as v
from ..resources import register
from ..strategy import Obj, Strategy

LIMIT_TYPES = ("Container", "Pod", "PersistentVolumeClaim")


def _quantities(values: Any, field: str) -> list[v.FieldError]:
    if values is None:
        return []
    if not isinstance(values, dict):
        return [v.invalid(field, values, "must be a map of resource names to quantities")]
    errs: list[v.FieldError] = []
    for name, q in values.items():
        errs += v.quantity(q, f"{field}[{name}]")
    return errs


class ResourceQuotaStrategy(Strategy):
    def validate(self, obj: Obj) -> list[v.FieldError]:
        return _quantities((obj.get("spec") or {}).get("hard"), "spec.hard")


class LimitRangeStrategy(Strategy):
    def default(self, obj: Obj, ctx: Any) -> None:
        """SetDefaults_LimitRangeItem: a Container item's default limit falls back to max, its
        default request to the default limit, then to min."""
        for item in (obj.get("spec") or {}).get("limits") or []:
            if not isinstance(item, dict) or item.get("type") != "Container":
                continue
            default = dict(item.get("default") or {})
            for name, q in (item.get("max") or {}).items():
                default.setdefault(name, q)
            request = dict(item.get("defaultRequest") or {})
            for source in (default, item.get("min") or {}):
                for name, q in source.items():
                    request.setdefault(name, q)
            if default:
                item["default"] = default
            if request:
                item["defaultRequest"] = request

    def validate(self, obj: Obj) -> list[v.FieldError]:
        errs: list[v.FieldError] = []
        for i, item in enumerate((obj.get("spec") or {}).get("limits") or []):
            path = f"spec.limits[{i}]"
            if not isinstance(item, dict):
                errs.append(v.invalid(path, item, "must be an object"))
                continue
            if item.get("type") not in LIMIT_TYPES:
                errs.append(v.not_supported(f"{path}.type", item.get("type"), list(LIMIT_TYPES)))
            for field in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
                errs += _quantities(item.get(field), f"{path}.{field}")
        return errs


register(ResourceQuotaStrategy(
    kind="ResourceQuota", plural="resourcequotas", singular="resourcequota", short_names=("quota",),
))
register(LimitRangeStrategy(
    kind="LimitRange", plural="limitranges", singular="limitrange", short_names=("limits",), subresources=(),
))
