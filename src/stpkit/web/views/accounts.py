"""The administrators' pages: every account, a new account with its first membership, and one
account's memberships, activation and password (``stpkit.web.users`` does the changes)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from stpkit.web import users
from stpkit.web.access import (
    USERS_MANAGE,
    requires,
)

#: What the user page says after a change: the ``done`` of its address, to the message.
USER_CHANGES = {
    "membership_added": "Membership added",
    "membership_removed": "Membership removed",
    "user_deactivated": "Account deactivated: it can no longer sign in",
    "user_reactivated": "Account reactivated: it can sign in again",
}


def _with_password(request, user, password: str, made: bool):
    """The page that shows a one-time password, once: never cached, and never kept by the service."""
    response = render(request, "stpkit/user_password.html", {"person": user, "password": password, "made": made})
    add_never_cache_headers(response)
    return response


@requires(USERS_MANAGE)
@require_http_methods(["GET"])
def users_page(request):
    """Every account with its memberships, active or not, and its last sign-in."""
    accounts = get_user_model().objects.order_by("username").prefetch_related("memberships__footprint")
    return render(request, "stpkit/users.html", {"accounts": accounts})


@requires(USERS_MANAGE)
@require_http_methods(["GET", "POST"])
def new_user_page(request):
    """Make an account with its first membership; its one-time password is shown once. A form
    with problems saves nothing and comes back with every problem."""
    form = users.NewUserForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account, password = users.create_user(request.user, form)
        except IntegrityError:
            username = form.cleaned_data["username"]
            if not get_user_model().objects.filter(username__iexact=username).exists():
                raise
            # The same user name, made by someone else since the form was checked.
            form.add_error("username", f"The user name {username} is taken: choose another")
        else:
            return _with_password(request, account, password, made=True)
    status = 422 if form.is_bound else 200
    return render(request, "stpkit/user_new.html", {"form": form}, status=status)


@requires(USERS_MANAGE)
@require_http_methods(["GET", "POST"])
def user_page(request, user_id: int):
    """One account: its memberships, added and removed; deactivated or reactivated; a new
    one-time password. Each change is a form's POST (with the CSRF token) naming its ``action``."""
    account = get_object_or_404(get_user_model(), pk=user_id)
    form, refused, status = users.MembershipForm(), "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add_membership":
                form = users.MembershipForm(request.POST)
                if form.is_valid():
                    users.add_membership(request.user, account, form)
                    return redirect(reverse("user", args=[account.pk]) + "?done=membership_added")
                status = 422
            elif action == "remove_membership":
                users.remove_membership(request.user, account, _number(request.POST.get("membership", "")))
                return redirect(reverse("user", args=[account.pk]) + "?done=membership_removed")
            elif action in ("deactivate", "reactivate"):
                users.set_active(request.user, account, action == "reactivate")
                return redirect(reverse("user", args=[account.pk]) + f"?done=user_{action}d")
            elif action == "reset_password":
                return _with_password(request, account, users.reset_password(request.user, account, request), False)
            else:
                refused, status = "Choose one of the page's buttons", 400
        except users.Refused as exc:
            refused, status = str(exc), 409
    memberships = account.memberships.select_related("footprint").order_by("role", "footprint", "region")
    return render(request, "stpkit/user.html", {
        "person": account, "memberships": memberships, "form": form, "refused": refused,
        "done": USER_CHANGES.get(request.GET.get("done", ""), ""), "myself": account.pk == request.user.pk,
    }, status=status)


def _number(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 0  # no membership has it: "already removed"
