"""Exercise and exam pages: the catalogue, one exercise beside the live dashboard of the
attempt's cluster (the dashboard's ``beside`` block, as the lesson player) (Start, kubeconfig, Check my work, hints, Submit, Reset), and an exam
sitting's countdown. Thin: the exercises' and exams' services and selectors do the work;
refusals become messages, someone else's attempt or sitting a 404. POST only, with CSRF."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from kubeviz.accounts.roles import Identity, guest_begin
from kubeviz.apiserver.errors import StatusError
from kubeviz.clusters.access import cluster_check, request_identity
from kubeviz.clusters.permissions import Action, Denied
from kubeviz.content.markdown import render_markdown
from kubeviz.exams.selectors import exam_get, exams_list, sitting_attempts, sitting_card, sitting_get, sittings_of
from kubeviz.exams.services import sitting_enforce, sitting_start, sitting_submit
from kubeviz.exercises import services
from kubeviz.exercises.grading import Grade
from kubeviz.exercises.loader import LEVELS, TAGS
from kubeviz.exercises.models import Attempt
from kubeviz.exercises.selectors import attempt_get, attempt_may, attempts_of, exercise_summary, exercises_list
from kubeviz.web.views import dashboard_context


def _page(slug: str, attempt: Attempt | None = None) -> HttpResponse:
    url = reverse("exercise-detail", args=[slug])
    return redirect(f"{url}?attempt={attempt.pk}" if attempt is not None else url)


def _attempt(identity: Identity, pk: int, action: Action = Action.WATCH) -> Attempt:
    """The attempt if this visitor may; an exam's deadline is enforced first."""
    try:
        found = attempt_get(identity=identity, pk=pk)
        sitting_enforce(sitting_id=found.sitting_id)
        return attempt_get(identity=identity, pk=pk, action=action)
    except Denied as exc:
        if not exc.visible:
            raise Http404("no such attempt") from None
        raise StatusError(403, "Forbidden", exc.message) from None


@require_GET
def exercise_list(request: HttpRequest) -> HttpResponse:
    tag = request.GET.get("tag") or None
    level = request.GET.get("level") or None
    found = exercises_list(tag=tag if tag in TAGS else None, level=level if level in LEVELS else None)
    identity = request_identity(request)
    return render(request, "exercises/list.html", {
        "exercises": found, "tags": TAGS, "levels": LEVELS, "tag": tag, "level": level,
        "exams": exams_list() if identity.user is not None else [],
        "sittings": sittings_of(user=identity.user) if identity.user is not None else {}})


def _detail(request: HttpRequest, slug: str, grade: Grade | None = None, status: int = 200) -> HttpResponse:
    identity = request_identity(request)
    exercise = services.exercise_find(slug)
    wanted = request.GET.get("attempt") or request.POST.get("attempt")
    if wanted and wanted.isdigit():
        attempt = _attempt(identity, int(wanted))
        if attempt.exercise != slug:
            raise Http404("no such attempt")
    else:
        attempt = attempts_of(identity=identity).filter(exercise=slug).first()
        if attempt is not None:
            sitting_enforce(sitting_id=attempt.sitting_id)
            attempt.refresh_from_db()
    context: dict[str, Any] = {
        "exercise": exercise_summary(exercise),
        "task_html": render_markdown(exercise.task),
        "hints": [render_markdown(h) for h in exercise.hints],
        "attempt": attempt,
        "mine": attempt is not None and attempt_may(identity, Action.ACT, attempt),
        "grade": grade.as_dict() if grade is not None else None,
        "final": None if attempt is None or attempt.is_open else {
            "score": attempt.score, "maximum": attempt.maximum, "objectives": attempt.results},
    }
    template = "exercises/detail.html"
    if grade is not None and request.headers.get("HX-Request"):
        template = "exercises/partials/results.html"  # what the button swaps: no dashboard to build
    elif attempt is not None and attempt.cluster_id:
        context["cluster"] = attempt.cluster
        try:  # the dashboard's own rule (which also keeps the sandbox awake while the page is open)
            cluster_check(attempt.cluster, identity, Action.WATCH)
        except Denied:
            pass
        else:
            context = {**dashboard_context(request, attempt.cluster), **context}
            template = "exercises/attempt.html"
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)
    return response


@require_GET
def exercise_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _detail(request, slug)


def _act(request: HttpRequest, slug: str, work: Callable[[], HttpResponse]) -> HttpResponse:
    try:
        return work()
    except StatusError as exc:
        if exc.code == 404:
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
    return _page(slug)


@require_POST
def attempt_start(request: HttpRequest, slug: str) -> HttpResponse:
    """Anyone may try: a visitor who is not signed in becomes a guest, as with Try it."""
    if not request.user.is_authenticated:
        guest_begin(request.session)

    def work() -> HttpResponse:
        attempt = services.attempt_start(identity=request_identity(request), slug=slug)
        messages.success(request, f"Your sandbox {attempt.cluster.name} is set up: the task is yours.")
        return _page(slug, attempt)

    return _act(request, slug, work)


@require_POST
def attempt_check(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    def work() -> HttpResponse:
        grade = services.attempt_check(attempt=_attempt(request_identity(request), pk, Action.ACT))
        return _detail(request, slug, grade=grade)

    return _act(request, slug, work)


@require_POST
def attempt_submit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    def work() -> HttpResponse:
        attempt = _attempt(request_identity(request), pk, Action.ACT)
        grade = services.attempt_submit(attempt=attempt)
        messages.success(request, f"Submitted: {grade.score} of {grade.maximum}.")
        return _page(slug, attempt)

    return _act(request, slug, work)


@require_POST
def attempt_reset(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    def work() -> HttpResponse:
        attempt = services.attempt_reset(attempt=_attempt(request_identity(request), pk, Action.ACT))
        messages.success(request, "Back to the start: what you did before no longer counts.")
        return _page(slug, attempt)

    return _act(request, slug, work)


def _sitting(request: HttpRequest, pk: int):
    try:
        sitting = sitting_get(identity=request_identity(request), pk=pk)
    except StatusError:
        raise Http404("no such sitting") from None
    sitting_enforce(sitting_id=sitting.pk)
    sitting.refresh_from_db()
    return sitting


@require_GET
def sitting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The countdown and the exam's attempts; past the deadline all are submitted."""
    sitting = _sitting(request, pk)
    card = sitting_card(sitting)
    context = {"sitting": card, "attempts": sitting_attempts(sitting),
               "countdown": {"deadline": card["deadline"].isoformat(), "seconds_left": card["seconds_left"],
                             "submitted": card["submitted"] is not None}}
    response = render(request, "exercises/sitting.html", context)
    add_never_cache_headers(response)
    return response


@require_POST
def sitting_begin(request: HttpRequest, exam: int) -> HttpResponse:
    """Sit an exam from the exercises page: every attempt starts, and the clock with it."""
    try:
        sitting = sitting_start(identity=request_identity(request), exam=exam_get(pk=exam))
    except StatusError as exc:
        if exc.code == 404:
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
        return redirect("exercise-list")
    return redirect("sitting-detail", pk=sitting.pk)


@require_POST
def sitting_handin(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = _sitting(request, pk)
    if request.user.is_authenticated and sitting.learner_id == request.user.pk:
        sitting_submit(sitting=sitting)
        messages.success(request, "Handed in: every attempt is submitted.")
    return redirect("sitting-detail", pk=pk)
