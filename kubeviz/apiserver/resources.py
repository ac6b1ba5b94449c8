"""The table of served resources: (group, version, plural) → strategy."""
from __future__ import annotations

from . import errors
from .strategy import Strategy

_BY_RESOURCE: dict[tuple[str, str, str], Strategy] = {}
_BY_KIND: dict[str, Strategy] = {}


def register(strategy: Strategy) -> Strategy:
    _BY_RESOURCE[(strategy.group, strategy.version, strategy.plural)] = strategy
    # The first registered (stored) version names the kind; later ones are converted views.
    _BY_KIND.setdefault(strategy.kind, strategy)
    return strategy


def lookup(group: str, version: str, plural: str) -> Strategy:
    _ensure_loaded()
    try:
        return _BY_RESOURCE[(group, version, plural)]
    except KeyError:
        raise errors.StatusError(
            404, "NotFound",
            f"the server could not find the requested resource "
            f"(resource \"{plural}\" in {group + '/' if group else ''}{version} is not served "
            f"by kubeviz)",
        ) from None


def by_kind(kind: str) -> Strategy:
    _ensure_loaded()
    try:
        return _BY_KIND[kind]
    except KeyError:
        raise errors.bad_request(f'no kind "{kind}" is registered in kubeviz') from None


def by_plural(plural: str) -> Strategy:
    _ensure_loaded()
    for s in _BY_RESOURCE.values():
        if s.plural == plural:
            return s
    raise errors.not_found(plural, "")


def all_resources() -> list[Strategy]:
    _ensure_loaded()
    return list(_BY_RESOURCE.values())


def group_versions() -> dict[str, list[str]]:
    _ensure_loaded()
    out: dict[str, list[str]] = {}
    for s in _BY_RESOURCE.values():
        versions = out.setdefault(s.group, [])
        if s.version not in versions:
            versions.append(s.version)
    return out


def _ensure_loaded() -> None:
    # Importing the kinds package registers every strategy exactly once.
    from . import kinds  # noqa: F401
