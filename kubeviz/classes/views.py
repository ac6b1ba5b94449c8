"""Class pages: a teacher's classes and room view, joining with a code, a learner's class
page, room actions, the gradebook CSV, archive and delete. Thin: the classes' services and
selectors do the work; refusals become messages, another teacher's class a 404. POST only
for changes, with CSRF."""
from __future__ import annotations

import csv
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kubeviz.apiserver.errors import StatusError
from kubeviz.clusters.access import request_identity
from kubeviz.clusters.permissions import Denied
from kubeviz.clusters.templates import template_names
from kubeviz.exercises.loader import ExerciseError, exercise_get
from kubeviz.lessons.loader import lesson_get

from . import services
from .forms import ClassForm, CodeForm, JoinForm, RoomActionForm
from .models import Classroom
from .qr import qr_svg
from .room import room_state
from .selectors import class_for, class_open, classes_visible, code_normalise, members_of, membership_of


def _teacher_class(request: HttpRequest, pk: int) -> Classroom:
    try:
        return class_for(request_identity(request), pk)
    except Denied:
        raise Http404("no such class") from None


def _room(pk: int) -> HttpResponse:
    return redirect("class-detail", pk=pk)


def _run(request: HttpRequest, work: Callable[[], HttpResponse], back: Callable[[], HttpResponse]) -> HttpResponse:
    try:
        return work()
    except StatusError as exc:
        messages.error(request, exc.message)
        return back()


def _form_errors(form) -> str:
    return "; ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items())


@require_http_methods(["GET", "POST"])
def class_list(request: HttpRequest) -> HttpResponse:
    """GET: your classes (a teacher's own, a learner's joined). POST: make one (teachers)."""
    identity = request_identity(request)
    form = ClassForm(request.POST or None, initial={"template": "single-node" if "single-node" in template_names() else ""})
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, _form_errors(form))
        else:
            def work() -> HttpResponse:
                classroom = services.class_create(identity=identity, **form.cleaned_data)
                messages.success(request, f"class {classroom.name} made: its join code is {classroom.code}")
                return _room(classroom.pk)

            return _run(request, work, lambda: redirect("class-list"))
    return render(request, "classes/list.html", {"classes": classes_visible(identity), "form": form,
                                                 "code_form": CodeForm()})


@require_GET
def join_box(request: HttpRequest) -> HttpResponse:
    """The code box: a code typed here goes to its join page."""
    code = code_normalise(request.GET.get("code", ""))
    if code:
        return redirect("class-join-code", code=code)
    return render(request, "classes/join_box.html", {"code_form": CodeForm()})


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, code: str) -> HttpResponse:
    """A display name (and a password, to come back from elsewhere), and the learner is in."""
    classroom = Classroom.objects.filter(code=code_normalise(code)).first()
    form = JoinForm(request.POST or None)
    context = {"code": code, "classroom": classroom, "form": form,
               "closed": "" if classroom is None else class_open(classroom)}
    if classroom is None:
        context["closed"] = f'no class has the join code "{code[:20]}": check it with your teacher'
        return render(request, "classes/join.html", context, status=404)
    if context["closed"]:
        return render(request, "classes/join.html", context, status=410)
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return render(request, "classes/join.html", context, status=400)
        identity = request_identity(request)
        try:
            member = services.class_join(code=code, user=identity.user, **form.cleaned_data)
        except StatusError as exc:
            messages.error(request, exc.message)
            return render(request, "classes/join.html", context, status=exc.code)
        if identity.user is None:
            login(request, member.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"welcome to {classroom.name}, {member.display_name}")
        return _room(classroom.pk)
    return render(request, "classes/join.html", context)


def _material(classroom: Classroom) -> dict[str, list[dict[str, str]]]:
    lessons = [{"slug": s, "title": lesson.title} for s in classroom.lessons if (lesson := lesson_get(s)) is not None]
    exercises = []
    for slug in classroom.exercises:
        try:
            exercises.append({"slug": slug, "title": exercise_get(slug).title})
        except ExerciseError:
            continue
    return {"lessons": lessons, "exercises": exercises}


@require_GET
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The teacher's room view; a learner's class page (their sandbox, the material, the
    teacher's demo); anyone else: 404."""
    identity = request_identity(request)
    try:
        classroom = class_for(identity, pk)
    except Denied:
        member = membership_of(identity, pk)
        if member is None:
            raise Http404("no such class") from None
        return render(request, "classes/learner.html", {"member": member, "classroom": member.classroom,
                                                        **_material(member.classroom)})
    join_url = request.build_absolute_uri(reverse("class-join-code", args=[classroom.code]))
    form = ClassForm(initial={"name": classroom.name, "template": classroom.template, "lessons": classroom.lessons,
                              "exercises": classroom.exercises, "ends_at": classroom.ends_at})
    response = render(request, "classes/room.html", {
        "classroom": classroom, "join_url": join_url, "qr": qr_svg(join_url), "form": form,
        "members": members_of(classroom), "room": room_state(classroom), **_material(classroom),
        "room_data": {"ws": f"/ws/classes/{classroom.pk}/room/", "dashboard": "/clusters/"},
    })
    add_never_cache_headers(response)
    return response


@require_POST
def class_edit(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = _teacher_class(request, pk)
    form = ClassForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _room(pk)

    def work() -> HttpResponse:
        services.class_update(classroom=classroom, **form.cleaned_data)
        messages.success(request, "class saved")
        return _room(pk)

    return _run(request, work, lambda: _room(pk))


@require_POST
def class_code(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = services.class_code_regenerate(classroom=_teacher_class(request, pk))
    messages.success(request, f"new join code {classroom.code}: the old one no longer works")
    return _room(pk)


@require_POST
def room_action(request: HttpRequest, pk: int) -> HttpResponse:
    """One room action on every sandbox; the result per learner (htmx swaps it in)."""
    classroom = _teacher_class(request, pk)
    form = RoomActionForm(request.POST)
    outcomes, error = [], ""
    if not form.is_valid():
        error = _form_errors(form)
    else:
        try:
            outcomes = services.room_act(classroom=classroom, teacher=request_identity(request),
                                         kind=form.cleaned_data["action"], text=form.cleaned_data["text"],
                                         lesson=form.cleaned_data["lesson"])
        except StatusError as exc:
            error = exc.message
    context = {"outcomes": outcomes, "error": error, "action": form.data.get("action", "")}
    if request.headers.get("HX-Request"):
        return render(request, "classes/partials/outcomes.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        done = sum(o.ok for o in outcomes)
        messages.success(request, f"{form.cleaned_data['action']}: {done} of {len(outcomes)} sandboxes")
    return _room(pk)


@require_GET
def grades_csv(request: HttpRequest, pk: int) -> HttpResponse:
    from .selectors import grade_rows

    classroom = _teacher_class(request, pk)
    header, rows = grade_rows(classroom)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="class-{classroom.pk}-grades.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@require_POST
def class_archive(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = services.class_archive(classroom=_teacher_class(request, pk))
    messages.success(request, f"{classroom.name} archived: its sandboxes sleep, read-only")
    return _room(pk)


@require_POST
def class_delete(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = _teacher_class(request, pk)
    name = classroom.name
    count = services.class_delete(classroom=classroom)
    messages.success(request, f"{name} deleted with {count} sandboxes")
    return redirect("class-list")
