"""Pages' buttons for a cluster's lifecycle: Try it, a new sandbox, clone, snapshot,
restore, reset, delete. Thin: check the caller may (``cluster_access``), call one service,
say what happened with Django's messages, redirect. POST only, with CSRF."""
from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from kubeviz.accounts.roles import guest_begin
from kubeviz.apiserver.errors import StatusError
from kubeviz.clusters import services
from kubeviz.clusters.access import cluster_access, request_identity
from kubeviz.clusters.models import Cluster
from kubeviz.clusters.permissions import Action, Denied
from kubeviz.clusters.templates import TemplateError

TRY_TEMPLATE = "demo"


class SandboxForm(forms.Form):
    template = forms.CharField(max_length=100)
    name = forms.CharField(max_length=63, required=False)
    public = forms.BooleanField(required=False)


class SnapshotForm(forms.Form):
    name = forms.CharField(max_length=63)


def _dashboard(name: str) -> HttpResponse:
    return redirect(reverse("cluster-detail", args=[name]))


def _home() -> HttpResponse:
    return redirect(reverse("cluster-list"))


def _form_errors(form: forms.Form) -> str:
    return "; ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items())


def _run(request: HttpRequest, work: Callable[[], HttpResponse], failed: Callable[[], HttpResponse]) -> HttpResponse:
    """Do it; a refusal (not allowed, a limit, a bad name) becomes an error message. A
    private cluster the caller may not even watch is a 404, as on every other door."""
    try:
        return work()
    except Denied as exc:
        if not exc.visible:
            raise Http404("no such cluster") from None
        messages.error(request, exc.message)
    except StatusError as exc:
        messages.error(request, exc.message)
    except TemplateError as exc:
        messages.error(request, str(exc))
    return failed()


def _access(request: HttpRequest, name: str, action: Action) -> Cluster:
    return cluster_access(name, request_identity(request), action)


@require_POST
def try_it(request: HttpRequest) -> HttpResponse:
    """Anyone: a guest (unless signed in) with a sandbox of the demo, shown at once."""
    if not request.user.is_authenticated:
        guest_begin(request.session)

    def work() -> HttpResponse:
        cluster = services.sandbox_create(identity=request_identity(request), template=TRY_TEMPLATE)
        messages.success(request, f"your sandbox {cluster.name} is ready: it is yours to break")
        return _dashboard(cluster.name)

    return _run(request, work, _home)


@require_POST
def sandbox_new(request: HttpRequest) -> HttpResponse:
    form = SandboxForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _home()

    def work() -> HttpResponse:
        data = form.cleaned_data
        cluster = services.sandbox_create(identity=request_identity(request), template=data["template"],
                                          name=data["name"] or None, public=data["public"])
        messages.success(request, f"sandbox {cluster.name} made from template {cluster.fixture}")
        return _dashboard(cluster.name)

    return _run(request, work, _home)


@require_POST
def clone(request: HttpRequest, name: str) -> HttpResponse:
    def work() -> HttpResponse:
        source = _access(request, name, Action.WATCH)
        copy = services.cluster_clone(identity=request_identity(request), source=source)
        messages.success(request, f"{copy.name} is a copy of {name} as it was a moment ago; its history starts now")
        return _dashboard(copy.name)

    return _run(request, work, lambda: _dashboard(name))


@require_POST
def delete(request: HttpRequest, name: str) -> HttpResponse:
    def work() -> HttpResponse:
        services.cluster_delete(cluster=_access(request, name, Action.ACT))
        messages.success(request, f"cluster {name} is deleted, and its kubeconfig no longer works")
        return _home()

    return _run(request, work, _home)


@require_POST
def reset(request: HttpRequest, name: str) -> HttpResponse:
    def work() -> HttpResponse:
        services.cluster_reset(cluster=_access(request, name, Action.ACT))
        messages.success(request, f"cluster {name} is back to its template")
        return _dashboard(name)

    return _run(request, work, lambda: _dashboard(name))


@require_POST
def snapshot_create(request: HttpRequest, name: str) -> HttpResponse:
    form = SnapshotForm(request.POST)

    def work() -> HttpResponse:
        cluster = _access(request, name, Action.ACT)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return _dashboard(name)
        snapshot = services.snapshot_create(cluster=cluster, name=form.cleaned_data["name"])
        messages.success(request, f"snapshot {snapshot.name} keeps {snapshot.objects_count} objects "
                                  f"at revision {snapshot.revision}")
        return _dashboard(name)

    return _run(request, work, lambda: _dashboard(name))


@require_POST
def snapshot_restore(request: HttpRequest, name: str, snapshot: str) -> HttpResponse:
    def work() -> HttpResponse:
        services.snapshot_restore(cluster=_access(request, name, Action.ACT), name=snapshot)
        messages.success(request, f"cluster {name} holds exactly the objects of snapshot {snapshot} again; "
                                  "watchers were told to list afresh")
        return _dashboard(name)

    return _run(request, work, lambda: _dashboard(name))


@require_POST
def snapshot_delete(request: HttpRequest, name: str, snapshot: str) -> HttpResponse:
    def work() -> HttpResponse:
        services.snapshot_delete(cluster=_access(request, name, Action.ACT), name=snapshot)
        messages.success(request, f"snapshot {snapshot} is deleted")
        return _dashboard(name)

    return _run(request, work, lambda: _dashboard(name))
