"""Django's SECRET_KEY without a key in the repository.

A known key would let anyone forge sessions and CSRF tokens and, since cluster tokens are
derived from it (``kubeviz.apiserver.tokens``), derive every cluster's bearer token. So the
key comes from ``DJANGO_SECRET_KEY`` or is generated once per installation and kept in a
file only its owner can read.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def secret_key_load(path: Path) -> str:
    """The key kept at ``path``, made on first use (mode 0600).

    Several processes start at once (Daphne, the engine workers, tests' servers): the key is
    written to a private temporary file and linked into place, so the first writer wins and
    nobody reads a half-written key.
    """
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(50) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise ValueError(f"{path} is empty: delete it to generate a new secret key, or set DJANGO_SECRET_KEY")
    return key
