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
