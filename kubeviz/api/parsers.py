"""The REST API's body parsers: DRF's, with a multipart body held to its format.

Django's multipart parser skips a part that has no ``Content-Disposition`` (it cannot name
the field), so a malformed body (a bare ``true`` between two boundaries) read as an empty
form and a write with every field optional went ahead with its defaults. Such a body is a
400 here, as a malformed JSON body is. (A well-formed form with no parts is an empty form;
a serializer for which that means nothing refuses it itself: ``min_properties``.)
"""
from __future__ import annotations

import io
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import MultiPartParser


class StrictMultiPartParser(MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        raw = stream.read() if stream is not None else b""
        boundary = _boundary(media_type or "")
        if boundary:
            if raw.strip() and not raw.lstrip(b"\r\n").startswith(b"--" + boundary):
                raise ParseError("Multipart form parse error - the body does not start with its boundary")
            for part in raw.split(b"--" + boundary)[1:]:
                if part.startswith(b"--"):
                    break  # the closing boundary
                head = part.lstrip(b"\r\n").split(b"\r\n\r\n", 1)[0].lower()
                if b"content-disposition:" not in head:
                    raise ParseError("Multipart form parse error - a part without a Content-Disposition header")
        request = (parser_context or {}).get("request")
        if request is not None:
            request.META["CONTENT_LENGTH"] = str(len(raw))
        return super().parse(io.BytesIO(raw), media_type, parser_context)


def _boundary(media_type: str) -> bytes:
    for param in media_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary":
            return value.strip('"').encode("latin-1", "replace")
    return b""

