"""Query parameters of Kubernetes API requests, checked: a bad value is a 400 that names it."""
from __future__ import annotations

from kubeviz.apiserver import errors


def int_param(query: dict[str, str], name: str) -> int | None:
    """An integer parameter (``limit``, ``timeoutSeconds``, ``tailLines``…), None when absent."""
    value = query.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise errors.bad_request(f'invalid value for {name}: "{value}" is not an integer') from None


def bool_param(query: dict[str, str], name: str) -> bool:
    """A boolean parameter (``follow``, ``timestamps``…): true/1 or false/0, absent is false."""
    value = query.get(name, "")
    if value.lower() in ("", "false", "0"):
        return False
    if value.lower() in ("true", "1"):
        return True
    raise errors.bad_request(f'invalid value for {name}: "{value}" is not a boolean')
