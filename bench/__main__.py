"""``python -m bench`` (``make bench``): run every benchmark in turn."""
from bench import (
    actions,
    browser,
    catalogue,
    checks,
    engine,
    exercises,
    exercises_load,
    history,
    kubeapi,
    lessons,
    lifecycle,
    pacing,
    rbac,
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
exercises_load.main([])
checks.main([])
exercises.main([])
catalogue.main([])
rbac.main([])
pacing.main([])  # says why and skips itself where Chromium is missing
browser.main([])  # says why and skips itself where Chromium is missing
