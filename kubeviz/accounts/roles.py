"""Who is who: teachers, learners and guests.

Roles ride on Django's auth rather than a profile table: a teacher is a user in the
``teachers`` group (so Django's admin can make one with a tick box), a learner is any other
signed-in user, and a guest is a browser session that pressed *Try it*, known by an id kept
in its session (not the session key, which Django changes at login, so a guest who signs
up keeps what they made).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

TEACHERS_GROUP = "teachers"
GUEST_SESSION_KEY = "kubeviz_guest"

TEACHER = "teacher"
LEARNER = "learner"
GUEST = "guest"
ANONYMOUS = "anonymous"


def is_teacher(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Superusers count as teachers: the site's administrator may do what a teacher does."""
    if user is None or not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    cached = getattr(user, "_kubeviz_is_teacher", None)
    if cached is None:
        cached = user.groups.filter(name=TEACHERS_GROUP).exists()
        user._kubeviz_is_teacher = cached
    return cached


@dataclass(frozen=True)
class Identity:
    """The person behind a request, whatever door it came through (page, REST, websocket)."""

    user: AbstractBaseUser | None = None
    guest: str | None = None
    #: set when the request carried a cluster's bearer token: that cluster's administrator
    cluster_pk: int | None = None

    @property
    def role(self) -> str:
        if self.user is not None and self.user.is_authenticated:
            return TEACHER if is_teacher(self.user) else LEARNER
        return GUEST if self.guest else ANONYMOUS

    @property
    def is_teacher(self) -> bool:
        return self.role == TEACHER

    @property
    def is_staff(self) -> bool:
        """Staff and superusers run the site: they oversee every cluster and class."""
        user = self.user
        return user is not None and user.is_authenticated and bool(user.is_staff or user.is_superuser)

    @property
    def label(self) -> str:
        if self.user is not None and self.user.is_authenticated:
            return self.user.get_username()
        return "guest" if self.guest else "anonymous"


def identity_of(user, session) -> Identity:
    """The identity of a request or websocket scope (its user and session)."""
    real_user = user if user is not None and user.is_authenticated else None
    guest = session.get(GUEST_SESSION_KEY) if session is not None else None
    return Identity(user=real_user, guest=guest)


def guest_begin(session) -> str:
    """Make this browser a guest (once) and return its id."""
    guest = session.get(GUEST_SESSION_KEY)
    if not guest:
        guest = secrets.token_urlsafe(16)
        session[GUEST_SESSION_KEY] = guest
    return guest


def identity_from_cookies(cookie_header: str) -> Identity:
    """The identity of a websocket handshake, from its cookies: the session Django's
    middleware would load for a page. Channels' session and auth middleware would do the
    same but wrap every frame sent afterwards; a stream of steps only needs it once."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.conf import settings
    from django.contrib.auth import get_user
    from django.http.cookie import parse_cookie

    key = parse_cookie(cookie_header).get(settings.SESSION_COOKIE_NAME)
    if not key:
        return Identity()
    session = import_module(settings.SESSION_ENGINE).SessionStore(key)
    return identity_of(get_user(SimpleNamespace(session=session)), session)
