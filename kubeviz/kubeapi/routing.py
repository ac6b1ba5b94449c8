"""The Kubernetes API's WebSocket routes: exec, attach and port-forward of a pod."""
from django.urls import re_path

from .streams import PodStreamConsumer

websocket_urlpatterns = [
    re_path(r"^k8s/(?P<cluster>[-a-zA-Z0-9_]+)/api/v1/namespaces/(?P<namespace>[a-z0-9.-]+)/pods/(?P<name>[a-z0-9.-]+)/"
            r"(?P<sub>exec|attach|portforward)/?$", PodStreamConsumer.as_asgi()),
]
