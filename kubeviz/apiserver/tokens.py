"""Cluster bearer tokens: derived from the secret key, never stored.

A cluster's token is an HMAC, keyed with ``SECRET_KEY``, of its name and a random salt kept
in its row. Why this rather than storing a hash of a random token:

- a dump of the database hands out no working token: the salt alone opens nothing, and
  ``SECRET_KEY`` lives outside it (``DJANGO_SECRET_KEY`` or ``var/secret_key``);
- the token can be computed again whenever it is needed, so a kubeconfig can be downloaded
  any number of times and every copy works (with a stored hash, each download would have to
  mint a new token and cut off the copies handed out before);
- rotating is drawing a new salt: the old token stops matching at once, everywhere.

Changing ``SECRET_KEY`` changes every token; keys listed in ``SECRET_KEY_FALLBACKS`` keep the
old tokens working meanwhile, as they do for sessions. The name is in the HMAC so a reset
(which recreates the cluster's row) keeps the token by keeping the salt.
"""
from __future__ import annotations

import base64
import hmac

from django.conf import settings
from django.utils.crypto import salted_hmac

from kubeviz.clusters.models import Cluster, new_token_salt

KEY_SALT = "kubeviz.apiserver.tokens.cluster-token"


def _derive(name: str, salt: str, secret: str) -> bytes:
    digest = salted_hmac(KEY_SALT, f"{name}/{salt}", secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=")


def cluster_token(cluster: Cluster) -> str:
    """The bearer token a kubeconfig for this cluster carries."""
    return _derive(cluster.name, cluster.token_salt, settings.SECRET_KEY).decode()


def cluster_token_verify(cluster: Cluster, presented: bytes | str) -> bool:
    """Whether ``presented`` is this cluster's token: the one check behind both the
    Kubernetes API (/k8s/) and the REST API. Constant-time, and every key is tried so the
    time does not tell which one matched."""
    if isinstance(presented, str):
        presented = presented.encode()
    matched = False
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        matched |= hmac.compare_digest(presented, _derive(cluster.name, cluster.token_salt, secret))
    return matched


def cluster_token_rotate(*, cluster: Cluster) -> Cluster:
    """Give the cluster a new token; the old one is refused from the next request on."""
    cluster.token_salt = new_token_salt()
    Cluster.objects.filter(pk=cluster.pk).update(token_salt=cluster.token_salt)
    return cluster
