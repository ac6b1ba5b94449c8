"""Raw SQL for the store's hot paths, portable between SQLite and PostgreSQL.

The engine writes a handful of rows for every action (entry, change, steps); through the
ORM each costs more Python than the database work itself, so the write path speaks SQL
directly. Everything here runs on Django's connection, inside Django's transactions.
"""
from __future__ import annotations

import json
from typing import Any

import orjson
from django.db import connection


def one(sql: str, params: tuple | list = ()) -> tuple | None:
    """Run one statement; its first row, if it returns rows (SELECT, RETURNING)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


def json_placeholder() -> str:
    """A parameter a JSON column accepts: jsonb wants an explicit cast from text."""
    return "%s::jsonb" if connection.vendor == "postgresql" else "%s"


def dumps(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, separators=(",", ":"))


def loads(raw: Any) -> Any:
    """A JSON column's value as Python: SQLite returns text, psycopg already-decoded jsonb."""
    if raw is None or not isinstance(raw, (str, bytes)):
        return raw
    try:
        # Twice as fast as json.loads, which was the largest cost of listing 1,000 pods.
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)  # what orjson refuses: integers beyond 64 bits, NaN


def datetime_param(value: Any) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def locks_rows() -> bool:
    """Whether writers must take the cluster row lock themselves. SQLite's IMMEDIATE
    transactions already hold the database's only write lock; PostgreSQL needs FOR UPDATE."""
    return connection.vendor != "sqlite"
