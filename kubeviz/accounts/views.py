"""Sign-up, log-in and log-out pages. Thin: Django's auth does the work."""
from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from kubeviz.clusters.services import sandboxes_adopt
from kubeviz.lessons.services import progress_adopt

from . import services
from .forms import SignupForm
from .roles import GUEST_SESSION_KEY


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A learner account. A guest who signs up keeps their session, and with it their sandboxes."""
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            user = services.learner_create(name=form.cleaned_data["username"], password=form.cleaned_data["password1"])
            sandboxes_adopt(guest=request.session.get(GUEST_SESSION_KEY, ""), user=user)
            progress_adopt(guest=request.session.get(GUEST_SESSION_KEY, ""), user=user)
            login(request, user)
            return redirect(_next(request))
    else:
        form = SignupForm()
    return render(request, "accounts/signup.html", {"form": form, "next": _next(request)},
                  status=400 if form.errors else 200)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link cannot log anybody out behind their back."""

    next_page = "/"
