"""The lesson pages: the list, and the player (the lesson beside the learner's live
dashboard). Thin: find the learner, call one service, render. The player's buttons post
with htmx and get the lesson panel back; without htmx they redirect to the page."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from kubeviz.accounts.roles import Identity, guest_begin
from kubeviz.apiserver.errors import StatusError
from kubeviz.clusters.access import cluster_check, request_identity
from kubeviz.clusters.permissions import Action, Denied
from kubeviz.web.views import dashboard_context

from . import services
from .loader import lesson_get
from .models import LessonProgress
from .selectors import lesson_list, player_view, progress_find

PANEL = "lessons/partials/player.html"


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@require_GET
def lesson_index(request: HttpRequest) -> HttpResponse:
    return render(request, "lessons/lesson_list.html", {"lessons": lesson_list(request_identity(request))})


def _lesson(slug: str) -> Any:
    lesson = lesson_get(slug)
    if lesson is None:
        raise Http404(f"no lesson {slug}")
    return lesson


def _watch(identity: Identity, progress: LessonProgress) -> None:
    """The sandbox's one permission rule, which also keeps it awake while the page is open."""
    try:
        cluster_check(progress.cluster, identity, Action.WATCH)
    except Denied as exc:
        raise Http404(exc.message) from None


@require_GET
def lesson_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The player on the learner's sandbox, or the lesson's cover with Start."""
    lesson = _lesson(slug)
    identity = request_identity(request)
    progress = progress_find(identity, slug)
    if progress is None or progress.cluster is None:
        return render(request, "lessons/lesson_cover.html", {"lesson": lesson, "progress": progress})
    _watch(identity, progress)
    context = {**dashboard_context(request, progress.cluster), **player_view(progress, lesson)}
    response = render(request, "lessons/lesson_player.html", context)
    add_never_cache_headers(response)
    return response


@require_GET
def lesson_panel(request: HttpRequest, slug: str) -> HttpResponse:
    """The lesson panel alone (htmx refreshes it as the cluster records steps)."""
    lesson = _lesson(slug)
    identity = request_identity(request)
    progress = progress_find(identity, slug)
    if progress is None or progress.cluster is None:
        raise Http404("start the lesson first")
    _watch(identity, progress)
    response = render(request, PANEL, player_view(progress, lesson))
    add_never_cache_headers(response)
    return response


@require_POST
def lesson_start(request: HttpRequest, slug: str) -> HttpResponse:
    """Start (or resume) the lesson; a visitor who is not signed in becomes a guest."""
    _lesson(slug)
    if not request.user.is_authenticated:
        guest_begin(request.session)
    try:
        services.lesson_start(identity=request_identity(request), slug=slug)
    except (StatusError, Denied) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect("lesson-page", slug=slug)


def _play(request: HttpRequest, slug: str, call: Callable[..., Any]) -> HttpResponse:
    """Run one player service; answer with the refreshed panel (htmx) or the page."""
    lesson = _lesson(slug)
    identity = request_identity(request)
    note, error = "", ""
    try:
        result = call(identity)
        note = result if isinstance(result, str) else ""
    except StatusError as exc:
        error = exc.message
    except Denied as exc:
        if not exc.visible:
            raise Http404(exc.message) from None
        raise PermissionDenied(exc.message) from None
    if not _htmx(request):
        if error:
            messages.error(request, error)
        return redirect("lesson-page", slug=slug)
    progress = progress_find(identity, slug)
    if progress is None or progress.cluster is None:
        raise Http404("start the lesson first")
    response = render(request, PANEL, {**player_view(progress, lesson), "note": note, "error": error})
    add_never_cache_headers(response)
    return response


@require_POST
def lesson_act(request: HttpRequest, slug: str, index: int) -> HttpResponse:
    return _play(request, slug, lambda who: services.lesson_act(identity=who, slug=slug, action=index))


@require_POST
def lesson_answer(request: HttpRequest, slug: str) -> HttpResponse:
    answer = request.POST.get("answer", "")
    return _play(request, slug, lambda who: services.lesson_answer(identity=who, slug=slug, answer=answer))


_MOVES = {"hint": services.lesson_hint, "next": services.lesson_next, "back": services.lesson_back,
          "skip": services.lesson_skip, "restart": services.lesson_restart}


@require_POST
def lesson_move(request: HttpRequest, slug: str, move: str) -> HttpResponse:
    service = _MOVES.get(move)
    if service is None:
        raise Http404(f"no such move {move}")
    return _play(request, slug, lambda who: service(identity=who, slug=slug))
