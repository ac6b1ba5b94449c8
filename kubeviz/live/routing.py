"""Websocket routes (the steps stream arrives with the live dashboard)."""
websocket_urlpatterns: list = []
