"""Personal API tokens: how a script or a course platform acts as a user.

Only a SHA-256 digest of each token is kept (``digest``), never the token: a copy of the
database opens nothing, and the token is shown once, when it is made. DRF's ``authtoken``
stores its keys in clear, which is why it is not used."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class PersonalToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_tokens")
    name = models.CharField(max_length=100, help_text="what the token is for, as its owner named it")
    #: the token's first characters (``kv_`` and four more): enough to recognise it in a list
    prefix = models.CharField(max_length=16)
    #: SHA-256 (hex) of the whole token, ``kv_`` included
    digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created", "pk")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
