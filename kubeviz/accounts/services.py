"""Writes about people: sign-up and making teachers."""
from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import transaction

from .roles import TEACHERS_GROUP


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
