"""A learner with nothing but a browser plays "The life of a pod" through its buttons,
predicting each next component, on a sandbox of their own run by the live engine."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# (the answer to give, whether the step's buttons must be pressed until Next is enabled)
ANSWERS = [None, "apiserver", "scheduler", "kubelet", "kubelet", "the API server", None]


def _press_until_next(page, lesson) -> None:
    """Press the step's first button (Create the pod, or Next step) until the wait holds:
    one component action at a time may concern something else than the pod."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    for _ in range(12):
        if lesson.locator("#lesson-next").is_enabled():
            return
        lesson.locator("#lesson-action-0").click()
        try:
            expect(lesson.locator("#lesson-next")).to_be_enabled(timeout=6000)
            return
        except (AssertionError, PlaywrightTimeout):
            continue
    expect(lesson.locator("#lesson-next")).to_be_enabled()


def test_a_guest_plays_the_life_of_a_pod(page, live_engine_server):
    from playwright.sync_api import expect

    page.goto(f"{live_engine_server.http}/lessons/")
    page.get_by_role("link", name="The life of a pod").click()
    page.locator("#lesson-start").click()
    lesson = page.locator("#lesson")
    expect(lesson.locator("#lesson-step-title")).to_have_text("Meet the control plane")
    expect(page.locator("#diagram .component.lesson-focus").first).to_be_attached()
    for index, answer in enumerate(ANSWERS):
        expect(lesson.locator("#lesson-body")).to_have_attribute("data-step", str(index))
        if answer is not None:
            lesson.get_by_label(answer, exact=True).check()
            lesson.locator("#lesson-answer").click()
            expect(lesson.locator("#lesson-answer-result")).to_be_visible()
        if lesson.locator("#lesson-action-0").count():
            _press_until_next(page, lesson)
        expect(lesson.locator("#lesson-next")).to_be_enabled()
        if answer is not None:
            expect(lesson.locator("#lesson-answer-result")).to_have_attribute("data-correct", "yes")
        lesson.locator("#lesson-next").click()
    expect(lesson.locator("#lesson-done")).to_be_visible()
