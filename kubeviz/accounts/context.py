"""Template context: who is looking, for the header of every page."""
from __future__ import annotations

from django.http import HttpRequest

from .roles import identity_of


def identity(request: HttpRequest) -> dict:
    return {"identity": identity_of(getattr(request, "user", None), getattr(request, "session", None))}
