"""Resource quantities (``500m``, ``128Mi``, ``1e3``), as apimachinery's resource.Quantity."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

_PATTERN = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")

_SUFFIXES = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
}


class QuantityError(ValueError):
    pass


def parse_quantity(value: Any) -> Decimal:
    """Return the quantity's value in base units (cores, bytes); raise QuantityError."""
    if isinstance(value, bool):
        raise QuantityError(value)
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if not isinstance(value, str):
        raise QuantityError(value)
    m = _PATTERN.match(value.strip())
    if not m:
        raise QuantityError(value)
    number, suffix = m.groups()
    try:
        base = Decimal(number)
    except InvalidOperation as e:
        raise QuantityError(value) from e
    if suffix in _SUFFIXES:
        return base * _SUFFIXES[suffix]
    if suffix[:1] in "eE":
        try:
            return base * (Decimal(10) ** int(suffix[1:]))
        except ValueError as e:
            raise QuantityError(value) from e
    raise QuantityError(value)


def milli(value: Any) -> int:
    """CPU as millicores (``0.5`` → 500, ``250m`` → 250), rounding up as Kubernetes does."""
    q = parse_quantity(value) * 1000
    return int(q.to_integral_value(rounding="ROUND_CEILING"))


def to_int(value: Any) -> int:
    """Memory, pods, storage as whole units, rounding up."""
    return int(parse_quantity(value).to_integral_value(rounding="ROUND_CEILING"))


def format_milli(mcpu: int) -> str:
    return str(mcpu // 1000) if mcpu % 1000 == 0 else f"{mcpu}m"


def format_bytes(n: int) -> str:
    for suffix, size in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if n and n % size == 0:
            return f"{n // size}{suffix}"
    return str(n)


_DECIMAL_SUFFIXES = ((18, "E"), (15, "P"), (12, "T"), (9, "G"), (6, "M"), (3, "k"), (0, ""), (-3, "m"), (-6, "u"), (-9, "n"))
_BINARY_SUFFIXES = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))


def canonical(value: Decimal, binary: bool = False) -> str:
    """Quantity.String(): the largest suffix that keeps the number whole (``1.5`` → ``1500m``),
    in binary suffixes when the quantity was written with one and stays whole in it."""
    if binary and value == value.to_integral_value() and value:
        for suffix, size in _BINARY_SUFFIXES:
            if value % size == 0:
                return f"{int(value // size)}{suffix}"
        return str(int(value))
    if not value:
        return "0"
    for exp, suffix in _DECIMAL_SUFFIXES:
        scaled = value / (Decimal(10) ** exp)
        if scaled == scaled.to_integral_value():
            return f"{int(scaled)}{suffix}"
    return f"{int((value * Decimal(10) ** 9).to_integral_value(rounding='ROUND_CEILING'))}n"


def canonical_of(text: Any) -> str:
    """The canonical form of a quantity as written (``1.5`` → ``1500m``, ``1024Mi`` → ``1Gi``)."""
    return canonical(parse_quantity(text), binary=isinstance(text, str) and text.rstrip("0123456789").endswith("i"))
