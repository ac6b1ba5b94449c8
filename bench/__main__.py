"""``python -m bench`` (``make bench``): run every benchmark in turn."""
from bench import actions, browser, engine, history, kubeapi, lifecycle, pacing, sleep, templates, timetravel, websocket
from bench import lessons as lesson_bench

engine.main([])
templates.main([])
actions.main([])
lifecycle.main([])
lesson_bench.main([])
websocket.main([])
kubeapi.main([])
history.main([])
timetravel.main([])
sleep.main([])
pacing.main([])  # says why and skips itself where Chromium is missing
browser.main([])  # says why and skips itself where Chromium is missing
