"""A class in real browsers at once, as issue 16 asks: the teacher makes a class on
/classes/, three learners (each their own browser context) join with the code, the room's
grid shows their three tiles, the teacher fails node-2 in every sandbox and the tiles show
it. Chromium against Daphne with the engine workers running; every wait is a Playwright
expectation."""
from __future__ import annotations

import pytest

from .conftest import TIMEOUT_MS

pytestmark = pytest.mark.browser

LEARNERS = ("Ada", "Grace", "Linus")


def _context(browser, errors: list[str]):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page


def test_a_teacher_and_three_learners_in_one_room(browser, live_engine_server):
    from playwright.sync_api import expect

    server = live_engine_server
    errors: list[str] = []
    contexts = []
    try:
        teacher_context, teacher = _context(browser, errors)
        contexts.append(teacher_context)
        teacher_context.add_cookies(server.browser_cookies())
        teacher.goto(f"{server.http}/classes/")
        teacher.fill("input[name=name]", "Pods 101")
        teacher.select_option("select[name=template]", "demo")
        teacher.click("#class-create")
        code = teacher.locator("#join-code").inner_text()
        assert len(code) == 6
        expect(teacher.locator("#join-qr svg")).to_be_visible()
        expect(teacher.locator("#room-conn")).to_have_attribute("data-state", "live")

        for name in LEARNERS:  # three laptops, each its own browser
            context, learner = _context(browser, errors)
            contexts.append(context)
            learner.goto(f"{server.http}/classes/join/")
            learner.fill("input[name=code]", code.lower())
            learner.click("#join-box button[type=submit]")
            learner.fill("input[name=display_name]", name)
            learner.click("#join-submit")
            expect(learner.locator("#member-name")).to_have_text(name)
            expect(learner.locator("#my-sandbox")).to_be_visible()

        tiles = teacher.locator("#room-grid .tile")
        expect(tiles).to_have_count(3)  # arrived over the websocket, without a reload
        for name in LEARNERS:
            expect(teacher.locator(f"#room-grid .tile[data-learner='{name}'] .nodes")).to_have_text("●●●")

        teacher.fill("#room-fault-text", "node-fail node-2")
        teacher.click("#room-fault")
        expect(teacher.locator("#room-outcomes tr.ok")).to_have_count(3)
        for name in LEARNERS:
            tile = teacher.locator(f"#room-grid .tile[data-learner='{name}']")
            expect(tile).to_have_attribute("data-failed", "node-2")
            expect(tile.locator(".nodes")).to_contain_text("✕")

        # Over a learner's shoulder: their dashboard, live, with no buttons that change it.
        teacher.locator("#room-grid .tile[data-learner='Ada']").click()
        expect(teacher.locator("#connection")).to_have_attribute("data-state", "live")
        expect(teacher.locator("#watch-only")).to_be_visible()
        expect(teacher.locator("#btn-reset")).to_have_count(0)
    finally:
        for context in contexts:
            context.close()
    assert not errors, f"uncaught errors in a page: {errors}"
