"""The create-only review kinds (pkg/registry/authorization, authentication): answered by
:mod:`kubeviz.apiserver.reviews`, never stored."""
from __future__ import annotations

from ..resources import register
from ..strategy import Strategy

REVIEW_KINDS = ("SelfSubjectAccessReview", "SelfSubjectRulesReview", "SubjectAccessReview", "SelfSubjectReview")

for _kind, _group in (("SelfSubjectAccessReview", "authorization.k8s.io"),
                      ("SelfSubjectRulesReview", "authorization.k8s.io"),
                      ("SubjectAccessReview", "authorization.k8s.io"),
                      ("SelfSubjectReview", "authentication.k8s.io")):
    register(Strategy(
        kind=_kind, plural=_kind.lower() + "s", singular=_kind.lower(), group=_group, namespaced=False,
        subresources=(), verbs=("create",),
    ))

# SelfSubjectReview was authentication.k8s.io/v1alpha1 (1.26) and v1beta1 (1.27) before v1
# (1.28), the same shape in each: kubectl 1.27's ``auth whoami`` asks for v1beta1.
for _version in ("v1beta1", "v1alpha1"):
    register(Strategy(
        kind="SelfSubjectReview", plural="selfsubjectreviews", singular="selfsubjectreview",
        group="authentication.k8s.io", version=_version, namespaced=False, subresources=(), verbs=("create",),
    ))
