"""Who may do what: the one footprint-scoped access path. Deny by default: a user sees a plan
only through a membership that grants it, and every view declares its permission with
``requires`` (a test fails for any URL whose view does not).

| role              | plan.read           | plan.edit (drafts)  | plan.sign_off | users.manage |
|-------------------|---------------------|---------------------|---------------|--------------|
| editor            | own footprint       | own footprint       |               |              |
| lead              | own footprint       | own footprint       | own footprint |              |
| regional_reviewer | footprints of region|                     |               |              |
| national_reviewer | all                 |                     |               |              |
| administrator     |                     |                     |               | yes          |

Anonymous visitors reach only the public pages (``PUBLIC``)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from stpkit.web.models import FOOTPRINT_ROLES, Plan, PlanState, Role

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any signed-in user; what they then see is scoped by ``plans_for``
PLAN_READ = "plan.read"
PLAN_EDIT = "plan.edit"
PLAN_SIGN_OFF = "plan.sign_off"
USERS_MANAGE = "users.manage"
PERMISSIONS = (PUBLIC, SIGNED_IN, PLAN_READ, PLAN_EDIT, PLAN_SIGN_OFF, USERS_MANAGE)
PLAN_ACTIONS = (PLAN_READ, PLAN_EDIT, PLAN_SIGN_OFF)

_NOTHING = Q(pk__in=[])
#: Who may change a draft of their own footprint's plan, by action.
_CHANGED_BY = {PLAN_EDIT: FOOTPRINT_ROLES, PLAN_SIGN_OFF: (Role.LEAD,)}


def requires(permission: str) -> Callable:
    """Declare the permission a view needs (kept on the view as ``stpkit_permission``). Anything
    but ``PUBLIC`` sends a visitor who is not signed in to the sign-in page; a plan permission is
    then checked by the view through ``plan_for``, which needs the plan."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def declare(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            if permission != PUBLIC and not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if permission == USERS_MANAGE and not manages_users(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        checked.stpkit_permission = permission
        return checked

    return declare


def _memberships(user):
    return user.memberships.all()


def manages_users(user) -> bool:
    """Whether ``user`` holds the administrator role (``USERS_MANAGE``): the pages' header asks too."""
    return user.is_authenticated and user.is_active and _memberships(user).filter(role=Role.ADMINISTRATOR).exists()


def plan_scope(user, action: str = PLAN_READ) -> Q:
    """The plans ``user`` may ``action``, as a filter on Plan (nothing for anyone not signed in)."""
    if action not in PLAN_ACTIONS:
        raise ValueError(f"not a plan permission: {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return _NOTHING
    scope = _NOTHING
    for membership in _memberships(user):
        own = Q(footprint_id=membership.footprint_id)
        if action == PLAN_READ:
            if membership.role in FOOTPRINT_ROLES:
                scope |= own
            elif membership.role == Role.REGIONAL_REVIEWER:
                scope |= Q(footprint__region=membership.region)
            elif membership.role == Role.NATIONAL_REVIEWER:
                scope |= Q(pk__isnull=False)  # every plan
        elif membership.role in _CHANGED_BY[action]:
            scope |= own & Q(state=PlanState.DRAFT)
    return scope


def plans_for(user, action: str = PLAN_READ) -> QuerySet[Plan]:
    """Every plan ``user`` may ``action``: the only way views and the API list plans."""
    return Plan.objects.filter(plan_scope(user, action)).select_related("footprint")


def plan_for(user, plan_id: int, action: str = PLAN_READ) -> Plan:
    """The plan ``plan_id`` if ``user`` may ``action`` it. Http404 when they may not read it
    (whether or not it exists, so that nothing is revealed); PermissionDenied when they may read
    it but not ``action`` it."""
    plan = plans_for(user, PLAN_READ).filter(pk=plan_id).first()
    if plan is None:
        raise Http404("no such plan")
    if action != PLAN_READ and not Plan.objects.filter(plan_scope(user, action), pk=plan.pk).exists():
        raise PermissionDenied(f"you may read this plan but not {action.split('.')[1].replace('_', ' ')} it")
    return plan
