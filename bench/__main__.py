"""``python -m bench`` (``make bench``): run every benchmark in turn."""
from bench import engine, kubeapi, websocket

engine.main([])
websocket.main([])
kubeapi.main([])
