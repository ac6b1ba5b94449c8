"""The review kinds: questions to the API server that are answered, never stored.

SelfSubjectAccessReview and SubjectAccessReview (``kubectl auth can-i``) ask the RBAC
authorizer; SelfSubjectReview (``kubectl auth whoami``) says who authentication found.
"""
from __future__ import annotations

from typing import Any

from kubeviz.clusters.models import Cluster

from . import errors
from . import validation as v
from .rbac import SUPERUSER_GROUP, Attributes, UserInfo, allowed, rules_for

Obj = dict[str, Any]


def _attributes(kind: str, spec: Obj) -> Attributes:
    res = spec.get("resourceAttributes")
    non = spec.get("nonResourceAttributes")
    if isinstance(res, dict) and not non:
        return Attributes(
            verb=str(res.get("verb") or ""), resource=str(res.get("resource") or ""), group=str(res.get("group") or ""),
            namespace=str(res.get("namespace") or ""), name=str(res.get("name") or ""),
            subresource=str(res.get("subresource") or ""),
        )
    if isinstance(non, dict) and not res:
        return Attributes(verb=str(non.get("verb") or ""), resource="", path=str(non.get("path") or ""))
    raise errors.invalid(kind, "", [v.invalid(
        "spec.resourceAttributes", res, "exactly one of nonResourceAttributes or resourceAttributes must be specified")],
        "authorization.k8s.io")


def review(cluster: Cluster, kind: str, body: Any, user: UserInfo, version: str = "v1") -> Obj:
    """The answered review, as the API server returns it (201 Created, nothing stored), in
    the ``version`` asked for."""
    if not isinstance(body, dict):
        raise errors.bad_request(f"the body must be a {kind}")
    group = "authentication.k8s.io" if kind == "SelfSubjectReview" else "authorization.k8s.io"
    out: Obj = {"kind": kind, "apiVersion": f"{group}/{version}", "metadata": {"creationTimestamp": None}}
    if kind == "SelfSubjectReview":
        out["status"] = {"userInfo": user.as_status()}
        return out
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    if kind == "SelfSubjectRulesReview":
        out["spec"] = spec
        out["status"] = rules_status(cluster, user, str(spec.get("namespace") or ""))
        return out
    if kind == "SubjectAccessReview":
        if not spec.get("user") and not spec.get("groups"):
            raise errors.invalid(kind, "", [v.invalid("spec.user", "", "at least one of user or group must be specified")], group)
        user = UserInfo(str(spec.get("user") or ""), tuple(spec.get("groups") or ()), str(spec.get("uid") or ""))
    out["spec"] = spec
    out["status"] = {"allowed": allowed(cluster, user, _attributes(kind, spec))}
    return out


def rules_status(cluster: Cluster, user: UserInfo, namespace: str) -> Obj:
    """What ``kubectl auth can-i --list`` shows: every rule that applies in the namespace."""
    rules = rules_for(cluster, user, namespace)
    if SUPERUSER_GROUP in user.groups:
        rules = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]
    resource_rules = [{k: r[k] for k in ("verbs", "apiGroups", "resources", "resourceNames") if r.get(k)}
                      for r in rules if not r.get("nonResourceURLs")]
    non_resource = [{"verbs": r.get("verbs") or [], "nonResourceURLs": r["nonResourceURLs"]}
                    for r in rules if r.get("nonResourceURLs")]
    return {"resourceRules": resource_rules, "nonResourceRules": non_resource, "incomplete": False}
