"""Home (routes each person to their own start page), API tokens, passwords and the members of
an organization."""

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
    """Create and revoke API tokens for the CLI (``worktrial login``). A new token is shown once,
    on the page the POST redirects to (reloading it does not make another)."""
    from django.shortcuts import redirect

    if request.method == "POST":
        if "revoke" in request.POST:
            token = ApiToken.objects.filter(user=request.user, pk=request.POST["revoke"]).first()
            if token is not None:
                do_revoke_api_token(token, actor=request.user)
        else:
            _, raw = do_create_api_token(request.user, request.POST.get("name", "cli"))
            request.session["new_api_token"] = raw
        return redirect("accounts:tokens")
    raw = request.session.pop("new_api_token", None)
    rows = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True)
    response = render(request, "accounts/tokens.html", {"tokens": rows, "raw": raw})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    """Set a password (an account made by invitation has none yet) or change it."""
    from django.contrib import messages
    from django.contrib.auth import update_session_auth_hash
    from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
    from django.shortcuts import redirect

    from worktrial.web.audit.actions import record

    user = request.user
    form_class = PasswordChangeForm if user.has_usable_password() else SetPasswordForm
    form = form_class(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        record("password.set", actor=user, target=user)
        messages.success(request, "Your password is saved.")
        return redirect("home")
    return render(request, "accounts/password.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, org_id: int) -> HttpResponse:
    """An organization's people and their roles; admins add, change and remove them."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from worktrial.errors import WorktrialError
    from worktrial.web.accounts.access import staff_membership
    from worktrial.web.accounts.actions import (
        STAFF_ROLE_CHOICES,
        do_add_member,
        do_invite_member,
        do_remove_member,
    )
    from worktrial.web.accounts.models import Membership

    mine = staff_membership(request.user, org_id, ("admin",))
    org = mine.organization
    link = None
    error = None
    status = 200
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                target = Membership.objects.filter(
                    organization=org, pk=request.POST.get("remove")
                ).first()
                if target is not None:
                    do_remove_member(target, actor=request.user)
                    messages.success(request, f"{target.user.email} was removed.")
                return redirect("accounts:members", org_id=org.pk)
            if "change" in request.POST:
                target = (
                    Membership.objects.filter(organization=org, pk=request.POST.get("change"))
                    .select_related("user")
                    .first()
                )
                if target is not None:
                    do_add_member(
                        org, target.user, request.POST.get("role", ""), actor=request.user
                    )
                    messages.success(
                        request,
                        f"{target.user.email} is now {request.POST.get('role')}.",
                    )
                return redirect("accounts:members", org_id=org.pk)
            membership, raw = do_invite_member(
                org,
                request.POST.get("email", ""),
                request.POST.get("role", ""),
                actor=request.user,
                name=request.POST.get("name", ""),
            )
            if raw is not None:
                link = request.build_absolute_uri(f"/accounts/link/{raw}/")
            messages.success(
                request, f"{membership.user.email} is now {membership.get_role_display().lower()}."
            )
        except WorktrialError as err:
            error, status = err.message, err.http_status
    rows = (
        Membership.objects.filter(organization=org)
        .select_related("user")
        .order_by("role", "user__email")
    )
    response = render(
        request,
        "accounts/members.html",
        {
            "org": org,
            "rows": rows,
            "roles": STAFF_ROLE_CHOICES,
            "link": link,
            "error": error,
            "form": request.POST if error else {},
        },
        status=status,
    )
    if link:
        response["Cache-Control"] = "no-store"
    return response
