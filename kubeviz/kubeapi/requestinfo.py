"""Parse a Kubernetes API path into its parts (apiserver's RequestInfoFactory)."""
from __future__ import annotations

from dataclasses import dataclass

from kubeviz.apiserver import errors


@dataclass(frozen=True)
class RequestInfo:
    group: str
    version: str
    resource: str
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None


def parse_path(prefix: str, rest: str) -> RequestInfo:
    """``prefix`` is ``api`` or ``apis``; ``rest`` the path after it, without a slash."""
    parts = [p for p in rest.split("/") if p]
    if prefix == "api":
        group = ""
        if not parts:
            raise _not_found(rest)
        version, parts = parts[0], parts[1:]
    else:
        if len(parts) < 2:
            raise _not_found(rest)
        group, version, parts = parts[0], parts[1], parts[2:]
    if not parts:
        raise _not_found(rest)
    namespace = None
    if parts[0] == "namespaces" and len(parts) >= 3:
        namespace = parts[1]
        parts = parts[2:]
        # /namespaces/<name>/status and /finalize are subresources of the namespace itself.
        if len(parts) == 1 and parts[0] in ("status", "finalize"):
            return RequestInfo(group, version, "namespaces", None, namespace, parts[0])
    resource = parts[0]
    name = parts[1] if len(parts) > 1 else None
    subresource = parts[2] if len(parts) > 2 else None
    if len(parts) > 3:
        raise _not_found(rest)
    return RequestInfo(group, version, resource, namespace, name, subresource)


def _not_found(path: str) -> errors.StatusError:
    return errors.StatusError(404, "NotFound", "the server could not find the requested resource")
