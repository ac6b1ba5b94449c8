"""Writes about people: sign-up, making teachers, personal API tokens."""
from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import transaction

from .models import PersonalToken
from .roles import TEACHERS_GROUP
from .tokens import SHOWN_PREFIX, token_digest, token_new


@transaction.atomic
def learner_create(*, name: str, password: str) -> User:
    """A learner account: a display name and a password, no e-mail."""
    return User.objects.create_user(username=name, password=password)


@transaction.atomic
def teacher_create(*, name: str, password: str, admin: bool = False) -> tuple[User, bool]:
    """Create the teacher (or give an existing user the role); returns (user, created)."""
    user = User.objects.filter(username=name).first()
    created = user is None
    if created:
        user = User.objects.create_user(username=name, password=password)
    elif password:
        user.set_password(password)
    if admin:
        user.is_staff = user.is_superuser = True
    user.save()
    group, _ = Group.objects.get_or_create(name=TEACHERS_GROUP)
    user.groups.add(group)
    return user, created


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[PersonalToken, str]:
    """A new personal API token for ``user``; returns its row and the token itself, which
    is never stored and so can be shown only this once."""
    token = token_new()
    row = PersonalToken.objects.create(user=user, name=name, prefix=token[:SHOWN_PREFIX], digest=token_digest(token))
    return row, token


@transaction.atomic
def token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of ``user``'s tokens; False if they have none of that id (someone
    else's counts as none)."""
    deleted, _ = PersonalToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)
