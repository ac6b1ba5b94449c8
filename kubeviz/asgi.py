"""ASGI entry point: HTTP through Django (with the body cap), websockets through Channels."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubeviz.settings")
django_asgi = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from kubeviz import httplimits  # noqa: E402
from kubeviz.bodylimit import BodySizeLimit  # noqa: E402
from kubeviz.engine import gctune  # noqa: E402
from kubeviz.kubeapi.routing import websocket_urlpatterns as kube_websocket_urlpatterns  # noqa: E402
from kubeviz.lanes import Lanes  # noqa: E402
from kubeviz.live.routing import websocket_urlpatterns  # noqa: E402

browser_websockets = AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns))
kube_websockets = URLRouter(kube_websocket_urlpatterns)


async def websockets(scope, receive, send):
    """/k8s/ streams (kubectl exec, attach, port-forward) come from API clients, which send
    no Origin and authenticate with the cluster's token, never a cookie; every other
    WebSocket is a browser's and is origin-checked."""
    app = kube_websockets if scope["path"].startswith("/k8s/") else browser_websockets
    return await app(scope, receive, send)


from kubeviz.web.warmup import warm  # noqa: E402

httplimits.install()  # before Daphne's server starts: a too-long request line gets a 414

application = ProtocolTypeRouter({
    # Checks come fifty a second: they grade in a lane of their own; every other request
    # answered whole is served in a pool, in two hops rather than fifteen (kubeviz/lanes.py).
    "http": BodySizeLimit(Lanes(django_asgi, settings.KUBEVIZ_LANE_URLS, settings.KUBEVIZ_CHECK_THREADS,
                                settings.KUBEVIZ_HTTP_THREADS),
                          settings.KUBEVIZ_MAX_BODY_BYTES),
    # No session or auth middleware: the consumer reads the session once, when it checks
    # who may watch (kubeviz.accounts.roles.identity_from_cookies); the middleware would
    # wrap every frame sent afterwards.
    "websocket": websockets,
})

# A class arriving at once would otherwise fill every cache together (kubeviz.web.warmup).
warm()

# Everything loaded so far lives as long as the process: keep it out of the garbage
# collector's generations, so that collections during a request (a 1,000-pod list makes
# tens of thousands of objects) do not walk it again and again; the engine runs here too.
gctune.tune()
