"""ServiceAccount tokens: the TokenRequest API (``kubectl create token``) and the
authenticator that turns such a token back into ``system:serviceaccount:<ns>:<name>``.

A token is a JWT with Kubernetes' claims (``iss``, ``sub``, ``aud``, ``exp``, ``iat``,
``nbf``, ``jti`` and ``kubernetes.io`` naming the namespace, the ServiceAccount and its uid,
and the bound Pod or Secret if any). A real API server signs it with RS256 and a private
key; kubeviz signs it with HS256, keyed by an HMAC of ``SECRET_KEY`` and the cluster's token
salt, so that:

- nothing is ever stored: a token is verified by its signature, then by looking up the
  ServiceAccount (and the bound object) it names and comparing uids, as the real
  authenticator does, so deleting the ServiceAccount (or the bound Pod) invalidates it;
- one cluster's tokens never open another (the cluster's name and salt are in the key),
  and rotating the cluster's own token (a new salt) revokes them all.

Time is the cluster's simulated clock, like every timestamp the cluster writes: the
``expirationTimestamp`` a learner sees is consistent with the objects' ages, and a lesson
can fast-forward past it. (On a real cluster the wall clock and the simulated one are the
same thing.) Tokens over ``MAX_TOKEN_BYTES`` are refused before any decoding.

The one exception to "never stored" is the legacy ``kubernetes.io/service-account-token``
Secret, which Kubernetes itself fills with a non-expiring token (which is why it is legacy):
its token names the Secret, and deleting the Secret invalidates it.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac

from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster

from . import errors, registry
from . import validation as v
from .rbac import AUTHENTICATED, SA_PREFIX, UserInfo
from .resources import by_plural

Obj = dict[str, Any]

KEY_SALT = "kubeviz.apiserver.satokens.signing-key"
ISSUER = "https://kubernetes.default.svc.cluster.local"
#: the API server's own audience (--api-audiences defaults to the issuer)
API_AUDIENCE = ISSUER
LEGACY_ISSUER = "kubernetes/serviceaccount"
DEFAULT_EXPIRATION = 3600
MIN_EXPIRATION = 600
MAX_EXPIRATION = 1 << 32
MAX_TOKEN_BYTES = 8192
AUTH_GROUP = "authentication.k8s.io"
BOUND_KINDS = ("Pod", "Secret")
CREDENTIAL_ID = "authentication.kubernetes.io/credential-id"
_HEADER = {"alg": "HS256", "kid": "kubeviz"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(cluster: Cluster, secret: str) -> bytes:
    return salted_hmac(KEY_SALT, f"{cluster.name}/{cluster.token_salt}", secret=secret, algorithm="sha256").digest()


def _sign(signing_input: str, key: bytes) -> str:
    return _b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())


def sign(cluster: Cluster, claims: Obj) -> str:
    """A compact JWS (header.claims.signature) for ``claims``."""
    head = _b64(json.dumps(_HEADER, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signing_input = f"{head}.{body}"
    return f"{signing_input}.{_sign(signing_input, _key(cluster, settings.SECRET_KEY))}"


def _verified_claims(cluster: Cluster, token: bytes) -> Obj | None:
    """The claims of a token this cluster signed, or None. Size first, then the signature
    (every key tried, constant-time), and only then is anything decoded as JSON."""
    if len(token) > MAX_TOKEN_BYTES or token.count(b".") != 2:
        return None
    try:
        text = token.decode("ascii")
    except UnicodeDecodeError:
        return None
    head, body, signature = text.split(".")
    signing_input = f"{head}.{body}"
    matched = False
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        matched |= hmac.compare_digest(signature, _sign(signing_input, _key(cluster, secret)))
    if not matched:
        return None
    try:
        header = json.loads(_unb64(head))
        claims = json.loads(_unb64(body))
    except (ValueError, binascii.Error):
        return None
    if header != _HEADER or not isinstance(claims, dict):
        return None
    return claims


# ---- TokenRequest ------------------------------------------------------------------------


def _int_field(spec: Obj, key: str, default: int) -> Any:
    value = spec.get(key)
    return default if value is None else value


def _bound_object(cluster: Cluster, namespace: str, ref: Any) -> Obj | None:
    """The Pod or Secret a token is bound to (``kubectl create token --bound-object-kind``)."""
    if ref is None:
        return None
    if not isinstance(ref, dict) or ref.get("kind") not in BOUND_KINDS:
        kind = ref.get("kind") if isinstance(ref, dict) else ref
        raise errors.bad_request(f"cannot bind token object of kind {kind!r}: only Pod and Secret are supported")
    kind = ref["kind"]
    obj = registry.get(cluster, by_plural(kind.lower() + "s"), namespace, str(ref.get("name") or ""))
    uid = ref.get("uid")
    if uid and uid != obj["metadata"].get("uid"):
        raise errors.StatusError(
            409, "Conflict",
            f'Operation cannot be fulfilled on {kind.lower()}s "{ref.get("name")}": the UID in the bound object reference '
            f'({uid}) does not match the UID in record. The object might have been deleted and then recreated',
            name=str(ref.get("name") or ""), kind=kind.lower() + "s")
    return obj


def token_request(cluster: Cluster, namespace: str, name: str, body: Any) -> Obj:
    """Answer ``POST …/serviceaccounts/<name>/token`` (pkg/registry/core/serviceaccount/
    storage/token.go): a TokenRequest whose status carries the token and when it expires."""
    if not isinstance(body, dict) or body.get("kind") not in (None, "TokenRequest"):
        raise errors.bad_request("the body must be an authentication.k8s.io/v1 TokenRequest")
    sa = registry.get(cluster, by_plural("serviceaccounts"), namespace, name)
    spec = dict(body.get("spec") or {}) if isinstance(body.get("spec"), dict) else {}
    seconds = _int_field(spec, "expirationSeconds", DEFAULT_EXPIRATION)
    audiences = spec.get("audiences") or [API_AUDIENCE]
    problems: list[v.FieldError] = []
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        problems.append(v.invalid("spec.expirationSeconds", seconds, "must be an integer"))
    elif seconds < MIN_EXPIRATION:
        problems.append(v.invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes"))
    elif seconds > MAX_EXPIRATION:
        problems.append(v.invalid("spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds"))
    if not isinstance(audiences, list) or not all(isinstance(a, str) and a for a in audiences):
        problems.append(v.invalid("spec.audiences", audiences, "must be a list of non-empty strings"))
    if problems:
        raise errors.invalid("TokenRequest", name, problems, AUTH_GROUP)
    bound = _bound_object(cluster, namespace, spec.get("boundObjectRef"))
    now = clock.now(cluster).replace(microsecond=0)
    expires = now + timedelta(seconds=seconds)
    private: Obj = {"namespace": namespace, "serviceaccount": {"name": name, "uid": sa["metadata"]["uid"]}}
    if bound is not None:
        private[bound["kind"].lower()] = {"name": bound["metadata"]["name"], "uid": bound["metadata"]["uid"]}
        spec["boundObjectRef"] = {"kind": bound["kind"], "apiVersion": "v1", "name": bound["metadata"]["name"],
                                  "uid": bound["metadata"]["uid"]}
    stamp = int(now.timestamp())
    claims = {
        "aud": audiences, "exp": int(expires.timestamp()), "iat": stamp, "nbf": stamp, "iss": ISSUER,
        "jti": str(uuid.uuid4()), "sub": f"{SA_PREFIX}{namespace}:{name}", "kubernetes.io": private,
    }
    return {
        "kind": "TokenRequest", "apiVersion": f"{AUTH_GROUP}/v1",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": clock.rfc3339(now)},
        "spec": {**spec, "audiences": audiences, "expirationSeconds": seconds, "boundObjectRef": spec.get("boundObjectRef")},
        "status": {"token": sign(cluster, claims), "expirationTimestamp": clock.rfc3339(expires)},
    }


#: what the kubelet asks for a pod's projected token (1 h + 7 s, as it does)
POD_TOKEN_SECONDS = 3607


def pod_token(cluster: Cluster, pod: Obj) -> str | None:
    """The token the kubelet mounts at /var/run/secrets/kubernetes.io/serviceaccount/token:
    a TokenRequest for the pod's ServiceAccount, bound to the pod. None when the pod or its
    ServiceAccount is not (or no longer) there."""
    meta = pod.get("metadata") or {}
    namespace = meta.get("namespace") or "default"
    name = (pod.get("spec") or {}).get("serviceAccountName") or "default"
    try:
        answer = token_request(cluster, namespace, name, {"spec": {
            "expirationSeconds": POD_TOKEN_SECONDS,
            "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": meta.get("name", ""), "uid": meta.get("uid")}}})
    except errors.StatusError:
        return None
    return answer["status"]["token"]


def legacy_token(cluster: Cluster, secret: Obj, sa: Obj) -> str:
    """The non-expiring token the token controller writes into a legacy
    ``kubernetes.io/service-account-token`` Secret (legacy claims, no ``exp``)."""
    meta = secret["metadata"]
    return sign(cluster, {
        "iss": LEGACY_ISSUER, "sub": f"{SA_PREFIX}{meta['namespace']}:{sa['metadata']['name']}",
        "kubernetes.io/serviceaccount/namespace": meta["namespace"],
        "kubernetes.io/serviceaccount/secret.name": meta["name"],
        "kubernetes.io/serviceaccount/service-account.name": sa["metadata"]["name"],
        "kubernetes.io/serviceaccount/service-account.uid": sa["metadata"]["uid"],
    })


# ---- authentication ----------------------------------------------------------------------


def _uid_of(cluster: Cluster, plural: str, namespace: str, name: Any) -> str | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return registry.get(cluster, by_plural(plural), namespace, name)["metadata"].get("uid")
    except errors.StatusError:
        return None


def _user(namespace: str, name: str, uid: str, extra: dict[str, list[str]]) -> UserInfo:
    groups = ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", AUTHENTICATED)
    return UserInfo(f"{SA_PREFIX}{namespace}:{name}", groups, uid, extra)


def _bound_user(cluster: Cluster, claims: Obj, now: datetime) -> UserInfo | None:
    private = claims.get("kubernetes.io")
    if not isinstance(private, dict) or not isinstance(claims.get("exp"), int) or not isinstance(claims.get("nbf"), int):
        return None
    if not claims["nbf"] <= now.timestamp() < claims["exp"]:
        return None
    aud = claims.get("aud")
    if not isinstance(aud, list) or API_AUDIENCE not in aud:
        return None
    namespace, sa = private.get("namespace"), private.get("serviceaccount")
    if not isinstance(namespace, str) or not isinstance(sa, dict):
        return None
    uid = _uid_of(cluster, "serviceaccounts", namespace, sa.get("name"))
    if uid is None or uid != sa.get("uid"):
        return None
    extra: dict[str, list[str]] = {CREDENTIAL_ID: [f"JTI={claims.get('jti', '')}"]}
    for kind in ("pod", "secret"):
        bound = private.get(kind)
        if isinstance(bound, dict):
            if _uid_of(cluster, kind + "s", namespace, bound.get("name")) != bound.get("uid"):
                return None
            if kind == "pod":
                extra["authentication.kubernetes.io/pod-name"] = [str(bound.get("name"))]
                extra["authentication.kubernetes.io/pod-uid"] = [str(bound.get("uid"))]
    return _user(namespace, str(sa["name"]), str(sa["uid"]), extra)


def _legacy_user(cluster: Cluster, claims: Obj) -> UserInfo | None:
    prefix = "kubernetes.io/serviceaccount/"
    namespace, secret_name = claims.get(prefix + "namespace"), claims.get(prefix + "secret.name")
    name, uid = claims.get(prefix + "service-account.name"), claims.get(prefix + "service-account.uid")
    if not all(isinstance(x, str) and x for x in (namespace, secret_name, name, uid)):
        return None
    try:
        secret = registry.get(cluster, by_plural("secrets"), namespace, secret_name)
    except errors.StatusError:
        return None
    if (secret.get("metadata") or {}).get("annotations", {}).get("kubernetes.io/service-account.uid") != uid:
        return None
    if _uid_of(cluster, "serviceaccounts", namespace, name) != uid:
        return None
    return _user(namespace, name, uid, {})


def token_authenticate(cluster: Cluster, token: bytes | str) -> UserInfo | None:
    """Who a ServiceAccount token says the requester is, or None (401): a bad signature, an
    expired token, or a ServiceAccount (or bound object) that is gone or was recreated."""
    if isinstance(token, str):
        token = token.encode()
    claims = _verified_claims(cluster, token)
    if claims is None:
        return None
    if claims.get("iss") == LEGACY_ISSUER:
        return _legacy_user(cluster, claims)
    if claims.get("iss") != ISSUER:
        return None
    return _bound_user(cluster, claims, clock.now(cluster))
