"""``python -m bench`` (``make bench``): run every benchmark in turn."""
from bench import websocket

websocket.main([])
