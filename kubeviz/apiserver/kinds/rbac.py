"""ServiceAccount and the rbac.authorization.k8s.io/v1 kinds (pkg/registry/rbac).

Who may do what is decided by :mod:`kubeviz.apiserver.rbac` from these objects.
"""
from __future__ import annotations

from typing import Any

from .. import validation as v
from ..resources import register
from ..strategy import Obj, Strategy

RBAC_GROUP = "rbac.authorization.k8s.io"
SUBJECT_KINDS = ("User", "Group", "ServiceAccount")


def validate_rules(rules: Any, field: str = "rules") -> list[v.FieldError]:
    """ValidatePolicyRule: every rule has verbs, and names resources or non-resource URLs."""
    if rules is None:
        return []
    if not isinstance(rules, list):
        return [v.invalid(field, rules, "must be a list of rules")]
    errs: list[v.FieldError] = []
    for i, rule in enumerate(rules):
        path = f"{field}[{i}]"
        if not isinstance(rule, dict):
            errs.append(v.invalid(path, rule, "must be an object"))
            continue
        if not rule.get("verbs"):
            errs.append(v.required(f"{path}.verbs", "verbs must contain at least one value"))
        if rule.get("nonResourceURLs"):
            if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
                errs.append(v.invalid(f"{path}.nonResourceURLs", rule["nonResourceURLs"],
                                      "rules cannot apply to both regular resources and non-resource URLs"))
        elif not rule.get("apiGroups") and not rule.get("resources"):
            continue
        elif not rule.get("apiGroups"):
            errs.append(v.required(f"{path}.apiGroups", "resource rules must supply at least one api group"))
        elif not rule.get("resources"):
            errs.append(v.required(f"{path}.resources", "resource rules must supply at least one resource"))
    return errs


def _validate_binding(obj: Obj, namespaced: bool) -> list[v.FieldError]:
    errs: list[v.FieldError] = []
    ref = obj.get("roleRef")
    if not isinstance(ref, dict):
        return [v.required("roleRef", "")]
    if ref.get("apiGroup") != RBAC_GROUP:
        errs.append(v.not_supported("roleRef.apiGroup", ref.get("apiGroup"), [RBAC_GROUP]))
    kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
    if ref.get("kind") not in kinds:
        errs.append(v.not_supported("roleRef.kind", ref.get("kind"), kinds))
    if not ref.get("name"):
        errs.append(v.required("roleRef.name", ""))
    for i, subject in enumerate(obj.get("subjects") or []):
        path = f"subjects[{i}]"
        kind = subject.get("kind") if isinstance(subject, dict) else None
        if kind not in SUBJECT_KINDS:
            errs.append(v.not_supported(f"{path}.kind", kind, list(SUBJECT_KINDS)))
        elif not subject.get("name"):
            errs.append(v.required(f"{path}.name", ""))
        elif kind == "ServiceAccount" and not namespaced and not subject.get("namespace"):
            errs.append(v.required(f"{path}.namespace", ""))
    return errs


class RoleStrategy(Strategy):
    def validate(self, obj: Obj) -> list[v.FieldError]:
        return validate_rules(obj.get("rules"))


class BindingStrategy(Strategy):
    def default(self, obj: Obj, ctx: Any) -> None:
        # SetDefaults_Subject: a User or Group subject is in the RBAC group.
        for subject in obj.get("subjects") or []:
            if isinstance(subject, dict) and subject.get("kind") in ("User", "Group"):
                subject.setdefault("apiGroup", RBAC_GROUP)

    def validate(self, obj: Obj) -> list[v.FieldError]:
        return _validate_binding(obj, self.namespaced)

    def validate_update(self, new: Obj, old: Obj) -> list[v.FieldError]:
        if new.get("roleRef") != old.get("roleRef"):
            return [v.invalid("roleRef", new.get("roleRef"), "cannot change roleRef")]
        return []


register(Strategy(
    kind="ServiceAccount", plural="serviceaccounts", singular="serviceaccount", short_names=("sa",),
    subresources=("token",),
))
register(RoleStrategy(
    kind="Role", plural="roles", singular="role", group=RBAC_GROUP, subresources=(), name_rule="path",
))
register(RoleStrategy(
    kind="ClusterRole", plural="clusterroles", singular="clusterrole", group=RBAC_GROUP, namespaced=False,
    subresources=(), name_rule="path",
))
register(BindingStrategy(
    kind="RoleBinding", plural="rolebindings", singular="rolebinding", group=RBAC_GROUP, subresources=(),
    name_rule="path",
))
register(BindingStrategy(
    kind="ClusterRoleBinding", plural="clusterrolebindings", singular="clusterrolebinding", group=RBAC_GROUP,
    namespaced=False, subresources=(), name_rule="path",
))
