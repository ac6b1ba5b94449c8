"""The ServiceAccount controllers and the resource quota controller.

ServiceAccountsController (pkg/controller/serviceaccount) makes sure every active
namespace has a ``default`` ServiceAccount, recreating it if deleted. TokensController
fills a legacy ``kubernetes.io/service-account-token`` Secret with a signed, non-expiring
token for the ServiceAccount its annotation names (and deletes it if there is none). The resource quota
controller (pkg/controller/resourcequota) keeps each ResourceQuota's ``status.hard`` equal
to its spec and ``status.used`` equal to what the namespace's objects count.
"""
from __future__ import annotations

import base64
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from kubeviz.apiserver import errors
from kubeviz.apiserver.admission import quota_matches, tracked, usage_of
from kubeviz.apiserver.quantity import canonical
from kubeviz.apiserver.resources import all_resources, by_plural
from kubeviz.engine.cache import Cache
from kubeviz.engine.client import Client

Obj = dict[str, Any]
DEFAULT = "default"


class ServiceAccountsController:
    name = "controller-manager/serviceaccount"
    actor = "controller-manager"
    watches = ("namespaces", "serviceaccounts")

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        meta = obj["metadata"]
        if plural == "namespaces" and event != "DELETED":
            yield meta["name"]
        elif plural == "serviceaccounts" and event == "DELETED" and meta["name"] == DEFAULT:
            yield meta.get("namespace", "")

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        ns = cache.get("namespaces", key)
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return None
        if cache.get("serviceaccounts", f"{key}/{DEFAULT}") is not None:
            return None
        try:
            api.create("serviceaccounts", key, {"metadata": {"name": DEFAULT}},
                       message=f"the service account controller created ServiceAccount {key}/default, "
                               f"which every pod in namespace {key} runs as unless it names another")
        except errors.StatusError as exc:
            if exc.reason not in ("AlreadyExists", "Forbidden", "NotFound"):
                raise
        return None


LEGACY_TYPE = "kubernetes.io/service-account-token"
SA_NAME = "kubernetes.io/service-account.name"
SA_UID = "kubernetes.io/service-account.uid"
CA_CRT = "-----BEGIN CERTIFICATE-----\n(kubeviz: simulated cluster CA)\n-----END CERTIFICATE-----\n"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class TokensController:
    """pkg/controller/serviceaccount/tokens_controller.go, for Secrets created by hand
    (Kubernetes ≥ 1.24 no longer makes one per ServiceAccount). The token is signed with
    the cluster's key, as the real controller signs with --service-account-private-key-file."""

    name = "controller-manager/serviceaccount-token"
    actor = "controller-manager"
    watches = ("secrets", "serviceaccounts")

    def __init__(self, cluster: Any):
        self.cluster = cluster

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        meta = obj["metadata"]
        if plural == "secrets" and event != "DELETED" and obj.get("type") == LEGACY_TYPE:
            yield f"{meta.get('namespace')}/{meta['name']}"
        elif plural == "serviceaccounts" and event == "DELETED":
            for secret in cache.iter("secrets", meta.get("namespace", "")):
                if secret.get("type") == LEGACY_TYPE and (secret["metadata"].get("annotations") or {}).get(SA_NAME) == meta["name"]:
                    yield f"{meta.get('namespace')}/{secret['metadata']['name']}"

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        from kubeviz.apiserver.satokens import legacy_token

        secret = cache.get("secrets", key)
        if secret is None or secret["metadata"].get("deletionTimestamp"):
            return None
        namespace, name = key.split("/", 1)
        annotations = secret["metadata"].get("annotations") or {}
        sa = cache.get("serviceaccounts", f"{namespace}/{annotations.get(SA_NAME, '')}")
        if sa is None or annotations.get(SA_UID) not in (None, sa["metadata"]["uid"]):
            try:
                api.delete("secrets", namespace, name, message=f"the token controller deleted Secret {key}: "
                                                              f"its ServiceAccount {annotations.get(SA_NAME)!r} does not exist")
            except errors.StatusError as exc:
                if exc.reason != "NotFound":
                    raise
            return None
        if (secret.get("data") or {}).get("token") and annotations.get(SA_UID):
            return None
        secret = {**secret, "metadata": {**secret["metadata"], "annotations": {**annotations, SA_UID: sa["metadata"]["uid"]}}}
        data = {**(secret.get("data") or {}), "token": _b64(legacy_token(self.cluster, secret, sa)),
                "ca.crt": _b64(CA_CRT), "namespace": _b64(namespace)}
        api.update("secrets", {**secret, "data": data},
                   message=f"the token controller wrote a token for ServiceAccount {namespace}/{sa['metadata']['name']} into "
                           f"Secret {key} (a legacy token: it never expires, and works until the Secret is deleted)")
        return None


def _quota_plurals() -> tuple[str, ...]:
    return tuple(s.plural for s in all_resources()
                 if s.namespaced and "create" in s.verbs and s.plural != "events")


class ResourceQuotaController:
    name = "controller-manager/resourcequota"
    actor = "controller-manager"

    def __init__(self) -> None:
        self.watches = _quota_plurals()

    def handle(self, cache: Cache, plural: str, event: str, obj: Obj, old: Obj | None) -> Iterable[str]:
        namespace = obj["metadata"].get("namespace", "")
        if plural == "resourcequotas":
            yield f"{namespace}/{obj['metadata']['name']}"
            return
        for quota in cache.iter("resourcequotas", namespace):
            yield f"{namespace}/{quota['metadata']['name']}"

    def sync(self, cache: Cache, api: Client, key: str) -> float | None:
        quota = cache.get("resourcequotas", key)
        if quota is None or quota["metadata"].get("deletionTimestamp"):
            return None
        namespace = quota["metadata"]["namespace"]
        total: dict[str, Decimal] = {}
        for plural in self.watches:
            strategy = by_plural(plural)
            for obj in cache.iter(plural, namespace):
                if not quota_matches(quota, strategy, obj):
                    continue
                for k, val in usage_of(strategy, obj).items():
                    total[k] = total.get(k, Decimal(0)) + val
        hard = dict((quota.get("spec") or {}).get("hard") or {})
        used = {k: canonical(val, isinstance(hard[k], str) and hard[k].rstrip("0123456789").endswith("i"))
                for k, val in tracked(hard, total).items()}
        status = {"hard": hard, "used": used}
        if quota.get("status") != status:
            shown = ", ".join(f"{k} {used[k]}/{hard[k]}" for k in sorted(hard))
            api.update_status("resourcequotas", {**quota, "status": status},
                              message=f"the resource quota controller counted what namespace {namespace} uses: {shown}")
        return None
