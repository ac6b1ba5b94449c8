"""Websocket routes (wrapped by AllowedHostsOriginValidator in kubeviz.asgi)."""
from django.urls import path

from kubeviz.classes.broadcast import BroadcastConsumer
from kubeviz.classes.consumers import RoomConsumer

from .consumers import StepsConsumer

websocket_urlpatterns = [
    path("ws/clusters/<slug:name>/steps/", StepsConsumer.as_asgi(), name="ws-steps"),
    path("ws/classes/<int:pk>/room/", RoomConsumer.as_asgi(), name="ws-room"),
    path("ws/classes/<int:pk>/broadcast/", BroadcastConsumer.as_asgi(), name="ws-broadcast"),
]
