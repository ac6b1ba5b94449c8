"""Reading an author's file (a cluster template, a lesson, an exercise): bounded before it
is read whole, and decoded as UTF-8 (a BOM allowed), each refusal said as a person would."""
from __future__ import annotations

from pathlib import Path


class UnreadableFile(Exception):
    """Why the file cannot be read as text; ``str()`` is the message for the author."""


def read_text(path: Path, limit: int) -> str:
    size = path.stat().st_size
    if size > limit:
        raise UnreadableFile(f"the file is {size} bytes; the limit is {limit}")
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not UTF-8 text (byte {exc.start})") from None
