"""JSON bytes for the wire that never fail on what the store already holds.

orjson is fast but refuses integers beyond 64 bits and strings that are not valid Unicode
(a lone UTF-16 surrogate, stored before such strings were refused on the way in). The
standard library writes both, escaping surrogates as ``\\ud800``: a reader replaces them,
as Go's decoder does, rather than the whole list or watch failing for one value.
"""
from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any, default: Any = None) -> bytes:
    """Compact UTF-8 JSON of ``value``."""
    try:
        return orjson.dumps(value, default=default, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(value, default=default, separators=(",", ":"), ensure_ascii=True).encode()
