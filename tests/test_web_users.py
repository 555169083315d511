"""The users pages, for administrators: an account made with its first membership signs in with
the password shown once and sees exactly its footprint's plans; a bad combination of role and
place saves nothing; memberships added and removed, accounts deactivated and passwords reset,
each with its audit row; an administrator cannot lock themselves out; no one else gets in."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from stpkit.web.models import AuditEvent, Membership, Role
from web_support import AWAY, HOME, NEIGHBOUR, make_user, plan_without_revisions


@pytest.fixture
def admin(web_db):
    return make_user("admin", Role.ADMINISTRATOR)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _password(page: str) -> str:
    return re.search(r'<code id="one-time-password">([^<]+)</code>', page).group(1)


def _actions() -> list[str]:
    """The audit log's actions but sign-ins, in order."""
    return list(AuditEvent.objects.exclude(action__in=["sign_in", "sign_out"]).values_list("action", flat=True))


NEW_EDITOR = {"username": "new-editor", "email": "new.editor@nhs.net", "full_name": "Ann Other",
              "role": "editor", "footprint": HOME, "region": ""}


def test_a_new_user_signs_in_with_the_password_shown_and_sees_their_footprints_plans(admin):
    for code in (HOME, NEIGHBOUR, AWAY):
        plan_without_revisions(code, f"Plan of {code}")
    response = _client(admin).post("/users/new/", NEW_EDITOR)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # shown once: not kept by a browser's cache either
    page = response.content.decode()
    password = _password(page)
    user = get_user_model().objects.get(username="new-editor")
    assert (user.email, user.get_full_name()) == ("new.editor@nhs.net", "Ann Other")
    assert user.password.startswith("argon2$") and password not in user.password
    assert [(m.role, m.footprint_id, m.region) for m in user.memberships.all()] == [("editor", HOME, "")]

    client = Client()
    signed_in = client.post("/sign-in/", {"username": "new-editor", "password": password})
    assert signed_in.status_code == 302
    home = client.get("/").content.decode()
    assert f"Plan of {HOME}" in home
    assert f"Plan of {NEIGHBOUR}" not in home and f"Plan of {AWAY}" not in home
    # Two rows for the change (the account, its membership) and none holds the password.
    events = AuditEvent.objects.exclude(action="sign_in")
    assert [e.action for e in events] == ["user_created", "membership_added"]
    assert all(password not in str(e.detail) for e in events)
    assert events[1].detail == {"username": "new-editor", "role": "editor", "footprint": HOME, "region": ""}
    assert all(e.actor == admin and e.object_id == str(user.pk) for e in events)


@pytest.mark.parametrize("change, field, message", [
    ({"footprint": ""}, "footprint", "Choose the footprint of the footprint editor"),
    ({"region": "London"}, "region", "A footprint editor is held for a footprint, not a region"),
    ({"role": "regional_reviewer", "footprint": ""}, "region", "Choose the region of the regional reviewer"),
    ({"role": "national_reviewer"}, "footprint", "A national reviewer is held for all of England"),
    ({"role": "administrator", "footprint": "", "region": "London"}, "region",
     "An administrator is held for all of England: choose no region"),
    ({"role": "regional_reviewer", "region": "London"}, "footprint",
     "A regional reviewer is held for a region, not a footprint: choose no footprint"),
    ({"role": ""}, "role", "Choose a role"),
    ({"username": "Admin"}, "username", "The user name Admin is taken"),
    ({"username": "no spaces"}, "username", "Enter a valid username"),
    ({"email": "not-an-address"}, "email", "Enter an email address like name@nhs.net"),
    ({"full_name": ""}, "full_name", "Enter the full name"),
])
def test_a_form_with_a_problem_saves_nothing_and_says_what_and_where(admin, change, field, message):
    response = _client(admin).post("/users/new/", NEW_EDITOR | change)
    assert response.status_code == 422
    page = response.content.decode()
    # In the error summary, linked to the field, and by the field itself.
    assert re.search(rf'<a href="#{field}"\s*>\s*{re.escape(message)}', page)
    assert re.search(rf'id="{field}-error"\s*>\s*<span class="nhsuk-u-visually-hidden">Error: </span>'
                     rf"{re.escape(message)}", page)
    assert page.count('class="nhsuk-error-message"') == 1
    assert get_user_model().objects.count() == 1  # the administrator alone
    assert Membership.objects.count() == 1
    assert _actions() == []


def test_memberships_are_added_and_removed_with_their_audit_rows(admin):
    user = make_user("reviewer")
    client = _client(admin)
    added = client.post(f"/users/{user.pk}/", {"action": "add_membership", "role": "regional_reviewer",
                                                "footprint": "", "region": "South West"})
    assert added.status_code == 302 and added["Location"] == f"/users/{user.pk}/?done=membership_added"
    assert "Membership added" in client.get(added["Location"]).content.decode()
    membership = user.memberships.get()
    assert (membership.role, membership.footprint_id, membership.region) == ("regional_reviewer", None, "South West")
    # The same again is refused, saying why (the database alone would let a second one in: no footprint).
    again = client.post(f"/users/{user.pk}/", {"action": "add_membership", "role": "regional_reviewer",
                                                "region": "South West"})
    assert again.status_code == 409 and "reviewer already holds this membership" in again.content.decode()
    # A bad combination on this page too: nothing saved.
    bad = client.post(f"/users/{user.pk}/", {"action": "add_membership", "role": "lead", "footprint": ""})
    assert bad.status_code == 422 and "Choose the footprint of the footprint lead" in bad.content.decode()
    removed = client.post(f"/users/{user.pk}/", {"action": "remove_membership", "membership": membership.pk})
    assert removed.status_code == 302
    assert not user.memberships.exists()
    assert _actions() == ["membership_added", "membership_removed"]
    assert AuditEvent.objects.get(action="membership_removed").detail == {
        "username": "reviewer", "role": "regional_reviewer", "footprint": "", "region": "South West"}


def test_a_deactivated_account_cannot_sign_in_and_is_signed_out(admin):
    user = make_user("editor", Role.EDITOR, HOME)
    their_client = _client(user)
    assert their_client.get("/").status_code == 200
    response = _client(admin).post(f"/users/{user.pk}/", {"action": "deactivate"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert their_client.get("/").status_code == 302  # the open session ends at its next request
    assert Client().post("/sign-in/", {"username": "editor", "password": "editor-Pa55word!"}).status_code == 200
    _client(admin).post(f"/users/{user.pk}/", {"action": "reactivate"})
    assert Client().post("/sign-in/", {"username": "editor", "password": "editor-Pa55word!"}).status_code == 302
    assert _actions()[:2] == ["user_deactivated", "sign_in_failed"]
    assert _actions()[2:] == ["user_reactivated"]


def test_an_administrator_cannot_lock_themselves_out(admin):
    client = _client(admin)
    page = client.get(f"/users/{admin.pk}/").content.decode()
    # No button to do it, and the page says why.
    assert 'value="deactivate"' not in page and "You cannot deactivate your own account" in page
    assert 'value="remove_membership"' not in page
    # A POST made anyway is refused, saying why.
    response = client.post(f"/users/{admin.pk}/", {"action": "deactivate"})
    assert response.status_code == 409
    assert "You cannot deactivate your own account: another administrator must" in response.content.decode()
    own = admin.memberships.get()
    response = client.post(f"/users/{admin.pk}/", {"action": "remove_membership", "membership": own.pk})
    assert response.status_code == 409
    assert "You cannot remove your own administrator membership" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active and admin.memberships.count() == 1
    assert _actions() == []


def test_a_password_reset_shows_a_new_password_once_and_the_old_one_stops_working(admin):
    user = make_user("lead", Role.LEAD, HOME)
    response = _client(admin).post(f"/users/{user.pk}/", {"action": "reset_password"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    password = _password(response.content.decode())
    assert Client().post("/sign-in/", {"username": "lead", "password": "lead-Pa55word!"}).status_code == 200
    assert Client().post("/sign-in/", {"username": "lead", "password": password}).status_code == 302
    reset = AuditEvent.objects.get(action="password_reset")
    assert (reset.actor, reset.object_id, reset.detail) == (admin, str(user.pk), {"username": "lead"})


@pytest.mark.parametrize("role, footprint, region", [
    (Role.EDITOR, HOME, ""), (Role.LEAD, HOME, ""), (Role.REGIONAL_REVIEWER, None, "South West"),
    (Role.NATIONAL_REVIEWER, None, ""), (None, None, ""),
])
def test_no_one_else_sees_or_changes_users(web_db, role, footprint, region):
    someone = make_user("someone", role, footprint, region)
    target = make_user("target", Role.EDITOR, HOME)
    client = _client(someone)
    for url in ("/users/", "/users/new/", f"/users/{target.pk}/"):
        assert client.get(url).status_code == 403, url
    assert client.post("/users/new/", NEW_EDITOR).status_code == 403
    for action in ("deactivate", "reset_password"):
        assert client.post(f"/users/{target.pk}/", {"action": action}).status_code == 403
    membership = target.memberships.get()
    assert client.post(f"/users/{target.pk}/", {"action": "remove_membership",
                                                  "membership": membership.pk}).status_code == 403
    target.refresh_from_db()
    assert target.is_active and target.check_password("target-Pa55word!") and target.memberships.count() == 1
    assert not get_user_model().objects.filter(username="new-editor").exists()
    assert _actions() == []


def test_a_change_needs_the_csrf_token(admin):
    user = make_user("editor", Role.EDITOR, HOME)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert client.post(f"/users/{user.pk}/", {"action": "deactivate"}).status_code == 403
    user.refresh_from_db()
    assert user.is_active


def test_the_users_page_lists_every_account_with_its_memberships(admin):
    make_user("editor", Role.EDITOR, HOME)
    gone = make_user("gone", Role.REGIONAL_REVIEWER, None, "London")
    gone.is_active = False
    gone.save()
    page = " ".join(_client(admin).get("/users/").content.decode().split())
    rows = re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', page)
    assert [re.search(r">([\w-]+)</a>", row).group(1) for row in rows] == ["admin", "editor", "gone"]
    assert "Footprint editor: Cornwall and the Isles of Scilly" in rows[1] and "Active" in rows[1]
    assert "Regional reviewer: London" in rows[2] and "Deactivated" in rows[2] and "never" in rows[2]
    # The header links here for administrators alone.
    assert 'href="/users/"' in page
    assert 'href="/users/"' not in _client(make_user("national", Role.NATIONAL_REVIEWER)).get("/").content.decode()
