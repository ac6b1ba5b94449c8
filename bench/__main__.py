"""``python -m bench`` (``make bench``): run every benchmark in turn."""
from bench import engine, websocket

engine.main([])
websocket.main([])
