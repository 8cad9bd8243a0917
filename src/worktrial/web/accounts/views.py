"""Home (routes each person to their own start page) and API tokens."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from worktrial.web.accounts.actions import do_create_api_token, do_revoke_api_token
from worktrial.web.accounts.models import ApiToken


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Staff see their organizations' trials; candidates their candidacies."""
    from worktrial.web.trials.access import own_candidacies, visible_trials

    trials = visible_trials(request.user).select_related("organization")
    candidacies = own_candidacies(request.user)
    return render(request, "home.html", {"trials": trials, "candidacies": candidacies})


@require_http_methods(["GET", "POST"])
def login_link(request: HttpRequest, token: str) -> HttpResponse:
    """Log in with a single-use link. GET shows a button (so link previews in chat or mail
    clients do not use the link up); POST uses it."""
    from django.contrib.auth import login
    from django.shortcuts import redirect

    from worktrial.web.accounts.actions import do_use_login_link

    if request.method == "POST":
        user = do_use_login_link(token)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home")
    return render(request, "accounts/login_link.html", {"token": token})


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """Create and revoke API tokens for the CLI (``worktrial login``)."""
    raw = None
    if request.method == "POST":
        if "revoke" in request.POST:
            token = ApiToken.objects.filter(user=request.user, pk=request.POST["revoke"]).first()
            if token is not None:
                do_revoke_api_token(token, actor=request.user)
        else:
            _, raw = do_create_api_token(request.user, request.POST.get("name", "cli"))
    rows = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True)
    return render(request, "accounts/tokens.html", {"tokens": rows, "raw": raw})
