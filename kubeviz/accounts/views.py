"""Sign-up, log-in and log-out pages, and the account page with its personal API tokens.
Thin: Django's auth and the services do the work."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kubeviz.clusters.services import sandboxes_adopt
from kubeviz.exercises.services import attempts_adopt
from kubeviz.lessons.services import progress_adopt

from . import services
from .forms import SignupForm
from .roles import GUEST_SESSION_KEY
from .selectors import token_list


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A learner account. A guest who signs up keeps their session, and with it their sandboxes and attempts."""
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            user = services.learner_create(name=form.cleaned_data["username"], password=form.cleaned_data["password1"])
            guest = request.session.get(GUEST_SESSION_KEY, "")
            sandboxes_adopt(guest=guest, user=user)
            attempts_adopt(guest=guest, user=user)
            progress_adopt(guest=guest, user=user)
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


def _account(request: HttpRequest, status: int = 200, **extra: object) -> HttpResponse:
    return render(request, "accounts/account.html", {"tokens": token_list(user=request.user), **extra}, status=status)


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return _account(request)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """The new token is in this answer only (never in a message: those travel in cookies)."""
    name = request.POST.get("name", "").strip()
    if not name or len(name) > 100:
        return _account(request, status=400, error="Give the token a name (at most 100 characters).")
    row, token = services.token_create(user=request.user, name=name)
    response = _account(request, new_token=token, new_token_name=row.name)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if services.token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "Token revoked: it no longer works.")
    return redirect("account")
