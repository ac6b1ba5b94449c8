"""maxSurge / maxUnavailable as Kubernetes resolves them (intstr.GetScaledValueFromIntOrPercent
and deploymentutil.ResolveFenceposts): a percentage of the desired replicas, surge rounded
up, unavailable rounded down, and never both zero."""
from __future__ import annotations

from typing import Any


def scaled_value(value: Any, total: int, round_up: bool) -> int:
    """An int as is; ``"25%"`` as 25% of ``total``, rounded up or down."""
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    if not text.endswith("%"):
        raise ValueError(f"invalid value for IntOrString: invalid type: string is not a percentage: {text!r}")
    percent = int(text[:-1])
    product = percent * total
    return -(-product // 100) if round_up else product // 100


def resolve_fenceposts(max_surge: Any, max_unavailable: Any, desired: int) -> tuple[int, int]:
    """(surge, unavailable); if both resolve to 0, unavailable becomes 1 so a rollout can move."""
    surge = scaled_value(max_surge if max_surge is not None else 0, desired, True)
    unavailable = scaled_value(max_unavailable if max_unavailable is not None else 0, desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable
