"""Launching Debian's Chromium with Playwright (shared by tests/browser and bench/browser.py).

Playwright cannot download its own browser on this network, so it drives the system one.
Without the background-networking flags Chromium keeps trying to reach Google's services,
and on a closed network those refused connections slow it down or stall it.
"""
from __future__ import annotations

import os

CHROMIUM = os.environ.get("KUBEVIZ_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def missing() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


def launch(playwright, *extra: str):
    """Chromium from ``CHROMIUM``, headless, with the flags above plus ``extra``."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, *extra])
