"""Personal API tokens: minting, checking, and the DRF authentication class.

A token is ``kv_`` followed by 32 random bytes in URL-safe base64 (46 characters). A
cluster's bearer token (``kubeviz.apiserver.tokens``) is 43 characters of the same
alphabet, so prefix and length together tell the two apart without a database lookup:
``Authorization: Bearer kv_…`` is always a person, anything else may be a cluster."""
from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from .models import PersonalToken
from .roles import Identity

TOKEN_PREFIX = "kv_"
TOKEN_LENGTH = len(TOKEN_PREFIX) + 43  # 32 bytes, base64 without padding
SHOWN_PREFIX = len(TOKEN_PREFIX) + 4
KEYWORDS = (b"bearer", b"token")
#: ``last_used`` is written at most this often per token, not on every request.
LAST_USED_EVERY = timedelta(minutes=1)


def token_new() -> str:
    """A fresh token; the caller shows it once and keeps only ``token_digest``."""
    return TOKEN_PREFIX + base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_personal_token(presented: str) -> bool:
    """Whether a presented credential is shaped like a personal token (not a cluster's)."""
    return presented.startswith(TOKEN_PREFIX) and len(presented) == TOKEN_LENGTH


def token_user(presented: str):
    """The user a personal token belongs to (and the token's row), or None. Notes its use."""
    try:
        row = PersonalToken.objects.select_related("user").get(digest=token_digest(presented))
    except PersonalToken.DoesNotExist:
        return None
    if not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used is None or now - row.last_used > LAST_USED_EVERY:
        PersonalToken.objects.filter(pk=row.pk).update(last_used=now)
        row.last_used = now
    return row.user, row


class PersonalTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer kv_…`` or ``Token kv_…``: the token's owner. Any other
    credential is left to the next authentication class (a cluster's bearer token)."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() not in KEYWORDS:
            return None
        try:
            presented = parts[1].decode()
        except UnicodeDecodeError:
            return None
        if not is_personal_token(presented):
            return None
        found = token_user(presented)
        if found is None:
            raise AuthenticationFailed("this personal API token is not valid (revoked, or never issued)")
        user, row = found
        # What every door reads (clusters.access.request_identity): the token's owner.
        user.identity = Identity(user=user)
        return user, row

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="kubeviz"'
