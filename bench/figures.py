"""What every benchmark shares: percentiles and the ``name: value unit`` lines it prints."""
from __future__ import annotations


def percentile(values: list[float], pct: float) -> float:
    """The ``pct``-th percentile, interpolated between the two nearest ranks (nan if empty)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def format_value(value: float) -> str:
    """Integers as integers, small figures to 3 significant digits, large ones to 0.1."""
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 1:
        return str(int(value))
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.1f}"


def print_figures(figures: dict[str, tuple[float, str]]) -> None:
    for name, (value, unit) in figures.items():
        print(f"{name}: {format_value(value)} {unit}", flush=True)
