"""Follow mode's pages: the teacher presents the class's demo cluster (their dashboard
publishes its player), a learner follows it (their dashboard plays what the teacher's
does). Both are the live dashboard of the demo cluster with ``static/js/follow.js``."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from kubeviz.clusters.access import request_identity
from kubeviz.web.views import dashboard_context

from .selectors import follow_role, membership_of
from .services import class_demo_ensure


def _page(request: HttpRequest, pk: int, role: str, back: str) -> HttpResponse:
    found = follow_role(request_identity(request), pk)
    if found is None or (role == "teacher") != (found[1] == "teacher"):
        raise Http404("no such class")
    classroom = found[0]
    if classroom.demo_cluster is None:
        if role == "teacher":
            return redirect("class-detail", pk=pk)
        raise Http404("the teacher has not presented a demo cluster yet")
    context = dashboard_context(request, classroom.demo_cluster)
    if role != "teacher":
        context["can_act"] = False  # a follower watches the teacher's cluster
    context.update({"classroom": classroom, "follow": {
        "role": role, "ws": f"/ws/classes/{pk}/broadcast/", "teacher": classroom.teacher.get_username(),
    }, "back": back})
    response = render(request, "classes/follow.html", context)
    add_never_cache_headers(response)
    return response


@require_GET
def class_follow(request: HttpRequest, pk: int) -> HttpResponse:
    """A learner's follow mode; "Back to my sandbox" is their class sandbox's dashboard."""
    member = membership_of(request_identity(request), pk)
    back = reverse("cluster-detail", args=[member.cluster.name]) if member and member.cluster else reverse("class-detail", args=[pk])
    return _page(request, pk, "member", back)


@require_GET
def class_broadcast(request: HttpRequest, pk: int) -> HttpResponse:
    """The teacher presenting: the demo cluster's dashboard, publishing its player."""
    return _page(request, pk, "teacher", reverse("class-detail", args=[pk]))


@require_POST
def class_present(request: HttpRequest, pk: int) -> HttpResponse:
    """Present to the class: make the demo cluster if there is none, then show it."""
    identity = request_identity(request)
    found = follow_role(identity, pk)
    if found is None or found[1] != "teacher":
        raise Http404("no such class")
    class_demo_ensure(classroom=found[0], teacher=identity)
    return redirect("class-broadcast", pk=pk)
