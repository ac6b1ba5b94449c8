"""Reads about people: a user's personal API tokens (never the tokens themselves)."""
from __future__ import annotations

from django.contrib.auth.models import User

from .models import PersonalToken


def token_list(*, user: User) -> list[dict]:
    """The user's tokens as their owner sees them: name, prefix, when made and last used."""
    return [token_card(row) for row in PersonalToken.objects.filter(user=user)]


def token_card(row: PersonalToken) -> dict:
    return {"id": row.pk, "name": row.name, "prefix": row.prefix, "created": row.created.isoformat(),
            "last_used": row.last_used.isoformat() if row.last_used else None}
