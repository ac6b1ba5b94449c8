"""``python -m bench`` (``make bench``): run every benchmark in turn."""
from bench import browser, engine, history, kubeapi, pacing, templates, websocket

engine.main([])
templates.main([])
websocket.main([])
kubeapi.main([])
history.main([])
pacing.main([])  # says why and skips itself where Chromium is missing
browser.main([])  # says why and skips itself where Chromium is missing
