"""The join link as a QR code to project: drawn here as inline SVG (segno, pure Python), so
the page loads nothing from anywhere else."""
from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str) -> SafeString:
    """An SVG QR code of ``url``. segno writes only the modules' path (the URL is not in the
    markup), so it is safe to place as it is."""
    svg = segno.make(url, error="m").svg_inline(scale=5, border=2, title=None)
    return mark_safe(svg.replace("<svg ", '<svg role="img" aria-label="QR code of the join link" ', 1))  # noqa: S308
