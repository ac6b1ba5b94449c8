"""Browser fixtures: Debian's Chromium driven by Playwright against a live server whose
engine workers run, so what the page shows is what the cluster does."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from .chromium import launch, missing

TIMEOUT_MS = 30_000


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One Chromium for the whole session (each test gets its own context and page)."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    # The engine runs in another process on a shared machine: be patient, never sleep.
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator:
    """A fresh page at 1280×720 that fails the test on any uncaught script error or dialog."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def refuse(dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", refuse)
    yield page
    context.close()
    assert not dialogs, f"the page opened a dialog: {dialogs}"
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def engine_cluster(live_engine_server):
    """A new demo cluster on the live server with engine workers, for one test."""
    return live_engine_server.new_cluster("b")
