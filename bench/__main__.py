"""``python -m bench`` (``make bench``): run every benchmark in turn."""
from bench import (
    actions,
    autoscaling,
    browser,
    catalogue,
    checks,
    classes,
    classroom,
    engine,
    exercises,
    exercises_load,
    history,
    kubeapi,
    lessons,
    lifecycle,
    pacing,
    postgres,
    rbac,
    schemas,
    shell,
    sleep,
    streams,
    templates,
    timetravel,
    websocket,
)

engine.main([])
templates.main([])
actions.main([])
lifecycle.main([])
lessons.main([])
classes.main([])
websocket.main([])
kubeapi.main([])
history.main([])
timetravel.main([])
sleep.main([])
exercises_load.main([])
classroom.main([])
shell.main([])
checks.main([])
autoscaling.main([])
exercises.main([])
catalogue.main([])
postgres.main([])  # says why and skips itself where PostgreSQL or Redis is missing
rbac.main([])
schemas.main([])
streams.main([])
pacing.main([])  # says why and skips itself where Chromium is missing
browser.main([])  # says why and skips itself where Chromium is missing
