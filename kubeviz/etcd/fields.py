"""Model fields of the store."""
from __future__ import annotations

from typing import Any

from django.db import models


class StoredJSONField(models.JSONField):
    """A JSON column without SQLite's ``CHECK (JSON_VALID(...))``.

    Everything written to these columns is encoded by the store itself (``sql.dumps``), so
    the check could never fail; it did parse every value again on every insert and update,
    a few microseconds per kilobyte on the engine's hottest path."""

    def db_check(self, connection: Any) -> None:
        return None
