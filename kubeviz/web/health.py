"""``/readyz``: whether this web process can serve, for a load balancer or a kubelet's
readiness probe (deploy/kubernetes/). Ready means the database answers; Redis is not
needed to serve (the steps websocket does without the channel layer)."""
from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


def database_ready() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    if not database_ready():
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
