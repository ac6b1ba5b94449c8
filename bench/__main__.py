"""``python -m bench`` (``make bench``): run every benchmark in turn."""
from bench import (
    actions,
    browser,
    catalogue,
    checks,
    engine,
    exercises,
    history,
    kubeapi,
    lessons,
    lifecycle,
    pacing,
    shell,
    sleep,
    templates,
    timetravel,
    websocket,
)

engine.main([])
templates.main([])
actions.main([])
lifecycle.main([])
lessons.main([])
websocket.main([])
kubeapi.main([])
history.main([])
timetravel.main([])
sleep.main([])
shell.main([])
checks.main([])
exercises.main([])
catalogue.main([])
pacing.main([])  # says why and skips itself where Chromium is missing
browser.main([])  # says why and skips itself where Chromium is missing
