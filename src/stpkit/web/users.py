"""Users and memberships, for administrators (``USERS_MANAGE``): making an account with its first
membership, adding and removing memberships, deactivating and reactivating an account, and
giving it a new one-time password. Every change is one transaction with its audit row; a
password is shown once to the administrator and kept only as its Argon2 hash."""

from __future__ import annotations

import secrets

from django import forms
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.db import IntegrityError, transaction

from stpkit.web.audit import record
from stpkit.web.models import FOOTPRINT_ROLES, Footprint, Membership, Role


def one_time_password() -> str:
    """A new random password (16 characters from 12 random bytes) for an administrator to hand on."""
    return secrets.token_urlsafe(12)


class Refused(Exception):
    """A change an administrator may not make, with the reason as its message."""


def regions() -> list[str]:
    """The NHS England regions of the footprints, as the region a regional reviewer may hold."""
    return sorted(set(Footprint.objects.values_list("region", flat=True)))


def _place(membership) -> dict[str, str]:
    """What an audit row says of a membership."""
    return {"role": membership.role, "footprint": membership.footprint_id or "", "region": membership.region}


class MembershipForm(forms.Form):
    """A role and where it is held: a footprint for editors and leads, a region for regional
    reviewers, nothing for national reviewers and administrators (as Membership's constraints say)."""

    role = forms.ChoiceField(choices=Role.choices, error_messages={"required": "Choose a role",
                                                                     "invalid_choice": "Choose a role from the list"})
    footprint = forms.ChoiceField(required=False, error_messages={"invalid_choice": "Choose a footprint from the list"})
    region = forms.ChoiceField(required=False, error_messages={"invalid_choice": "Choose a region from the list"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["footprint"].choices = [("", "None")] + [
            (code, f"{name} ({code})") for code, name in Footprint.objects.values_list("code", "name")
        ]
        self.fields["region"].choices = [("", "None")] + [(region, region) for region in regions()]

    def clean(self):
        cleaned = super().clean()
        role, footprint, region = cleaned.get("role"), cleaned.get("footprint"), cleaned.get("region")
        if not role:
            return cleaned
        label = Role(role).label.lower()
        a_role = ("an " if label[0] in "aeiou" else "a ") + label
        if role in FOOTPRINT_ROLES:
            if not footprint:
                self.add_error("footprint", f"Choose the footprint of the {label}")
            if region:
                self.add_error("region", f"{a_role.capitalize()} is held for a footprint, not a region: "
                                         "choose no region")
        elif role == Role.REGIONAL_REVIEWER:
            if not region:
                self.add_error("region", "Choose the region of the regional reviewer")
            if footprint:
                self.add_error("footprint", "A regional reviewer is held for a region, not a footprint: "
                                            "choose no footprint")
        else:
            for field in ("footprint", "region"):
                if cleaned.get(field):
                    self.add_error(field, f"{a_role.capitalize()} is held for all of England: choose no {field}")
        return cleaned

    def membership(self, user) -> Membership:
        data = self.cleaned_data
        return Membership(user=user, role=data["role"], footprint_id=data["footprint"] or None, region=data["region"])


class NewUserForm(MembershipForm):
    """A new account and its first membership."""

    username = forms.CharField(max_length=150, validators=[get_user_model().username_validator],
                               error_messages={"required": "Enter a user name",
                                               "max_length": "A user name is at most 150 characters"})
    email = forms.EmailField(max_length=254, error_messages={"required": "Enter an email address",
                                                             "invalid": "Enter an email address like name@nhs.net"})
    full_name = forms.CharField(max_length=150, error_messages={"required": "Enter the full name",
                                                                "max_length": "A full name is at most 150 characters"})
    field_order = ["username", "email", "full_name", "role", "footprint", "region"]

    def clean_username(self):
        username = get_user_model().normalize_username(self.cleaned_data["username"])
        # Names that differ only in capitals would be told apart by the sign-in form alone.
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(f"The user name {username} is taken: choose another")
        return username


def create_user(actor, form: NewUserForm):
    """The account of a valid ``form`` and its first membership, with their audit rows; returns
    (user, password). Nothing is saved if the user name was taken meanwhile (IntegrityError)."""
    data, password = form.cleaned_data, one_time_password()
    with transaction.atomic():
        # The full name is kept whole in first_name: get_full_name() then gives it back as typed.
        user = get_user_model().objects.create_user(data["username"], data["email"], password,
                                                    first_name=data["full_name"])
        membership = form.membership(user)
        membership.save()
        record(actor, "user_created", user, username=user.username, email=user.email, full_name=user.first_name)
        record(actor, "membership_added", user, username=user.username, **_place(membership))
    return user, password


def add_membership(actor, user, form: MembershipForm) -> Membership:
    """The membership of a valid ``form`` for ``user``; Refused if they already hold it."""
    membership = form.membership(user)
    # Checked here as well as by the database: a unique constraint lets NULL footprints repeat.
    if user.memberships.filter(role=membership.role, footprint_id=membership.footprint_id,
                               region=membership.region).exists():
        raise Refused(f"{user.username} already holds this membership")
    try:
        with transaction.atomic():
            membership.save()
            record(actor, "membership_added", user, username=user.username, **_place(membership))
    except IntegrityError:  # added by someone else meanwhile
        raise Refused(f"{user.username} already holds this membership") from None
    return membership


def remove_membership(actor, user, membership_id: int) -> None:
    membership = user.memberships.filter(pk=membership_id).first()
    if membership is None:
        raise Refused("That membership has already been removed")
    if user.pk == actor.pk and membership.role == Role.ADMINISTRATOR:
        raise Refused("You cannot remove your own administrator membership: another administrator must, "
                      "so that the service is never left without one")
    with transaction.atomic():
        membership.delete()
        record(actor, "membership_removed", user, username=user.username, **_place(membership))


def set_active(actor, user, active: bool) -> None:
    """Deactivate (no sign-in; a session open is ended at its next request) or reactivate."""
    if user.pk == actor.pk and not active:
        raise Refused("You cannot deactivate your own account: another administrator must, "
                      "so that the service is never left without one")
    if user.is_active == active:
        return
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        record(actor, "user_reactivated" if active else "user_deactivated", user, username=user.username)


def reset_password(actor, user, request=None) -> str:
    """A new one-time password for ``user``, returned to be shown once; the old one stops working."""
    password = one_time_password()
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record(actor, "password_reset", user, username=user.username)
    if request is not None and user.pk == request.user.pk:
        update_session_auth_hash(request, user)  # an administrator resetting their own stays signed in
    return password
