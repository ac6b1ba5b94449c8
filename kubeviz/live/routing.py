"""Websocket routes (wrapped by AllowedHostsOriginValidator in kubeviz.asgi)."""
from django.urls import path

from .consumers import StepsConsumer

websocket_urlpatterns = [
    path("ws/clusters/<slug:name>/steps/", StepsConsumer.as_asgi(), name="ws-steps"),
]
