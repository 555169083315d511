"""Who may do what: the one footprint-scoped access path. Deny by default: a user sees a plan
only through a membership that grants it, and every view declares its permission with
``requires`` (a test fails for any URL whose view does not).

Each membership reaches some footprints: an editor's or lead's own, a regional reviewer's
region, a national reviewer's all of England, an administrator's none.

| permission     | who, for the plans their membership reaches                                 |
|----------------|-----------------------------------------------------------------------------|
| plan.read      | every role but administrator                                                |
| plan.edit      | editor and lead, while the plan is a draft                                  |
| plan.review    | regional and national reviewers (the review's checklist and comments)       |
| plan.act       | whoever the transition table (``transitions.MOVES``) names for the action   |
| centre.view    | regional and national reviewers: the dashboard of the footprints they reach |
| users.manage   | administrator                                                               |

Anonymous visitors reach only the public pages (``PUBLIC``): published plans."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from stpkit.web import transitions
from stpkit.web.models import FOOTPRINT_ROLES, Footprint, Plan, Role

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any signed-in user; what they then see is scoped by ``plans_for``
PLAN_READ = "plan.read"
PLAN_EDIT = "plan.edit"
PLAN_REVIEW = "plan.review"
PLAN_ACT = "plan.act"  # a move of the assurance cycle: ``workflow.act`` checks the action's roles
CENTRE_VIEW = "centre.view"
USERS_MANAGE = "users.manage"
PERMISSIONS = (PUBLIC, SIGNED_IN, PLAN_READ, PLAN_EDIT, PLAN_REVIEW, PLAN_ACT, CENTRE_VIEW, USERS_MANAGE)
PLAN_ACTIONS = (PLAN_READ, PLAN_EDIT, PLAN_REVIEW, *transitions.ACTIONS)

_NOTHING = Q(pk__in=[])
_EVERY_PLAN = Q(pk__isnull=False)
_READERS = (*FOOTPRINT_ROLES, *transitions.REVIEWERS)


def _granted(action: str) -> list[tuple[tuple[Role, ...], Q]]:
    """For a plan action: the roles that may take it, each with the plans' states it needs."""
    if action == PLAN_READ:
        return [(_READERS, _EVERY_PLAN)]
    if action == PLAN_EDIT:
        return [(transitions.EDITORS, Q(state=transitions.EDITABLE))]
    if action == PLAN_REVIEW:
        return [(transitions.REVIEWERS, _EVERY_PLAN)]
    return [(m.roles, Q(state=m.from_state)) for m in transitions.MOVES if m.action == action]


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
            if permission == CENTRE_VIEW and not reviews_anything(request.user):
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
    grants = _granted(action)
    for membership in _memberships(user):
        for roles, states in grants:
            if membership.role in roles:
                scope |= _reach(membership) & states
    return scope


def _reach(membership) -> Q:
    """The plans a membership reaches, whatever it may do with them."""
    if membership.role in FOOTPRINT_ROLES:
        return Q(footprint_id=membership.footprint_id)
    if membership.role == Role.REGIONAL_REVIEWER:
        return Q(footprint__region=membership.region)
    if membership.role == Role.NATIONAL_REVIEWER:
        return _EVERY_PLAN
    return _NOTHING


def may(user, plan: Plan, action: str) -> bool:
    """Whether ``user`` may ``action`` ``plan`` as it stands in the database now."""
    return Plan.objects.filter(plan_scope(user, action), pk=plan.pk).exists()


def reviews_anything(user) -> bool:
    """Whether ``user`` holds a reviewer's role (the centre's dashboard is theirs)."""
    return user.is_authenticated and _memberships(user).filter(role__in=transitions.REVIEWERS).exists()


def reviews_nationally(user) -> bool:
    """Whether ``user`` is a national reviewer (the national total and submission rounds are theirs)."""
    return (user.is_authenticated and user.is_active
            and _memberships(user).filter(role=Role.NATIONAL_REVIEWER).exists())


def footprints_for(user) -> QuerySet[Footprint]:
    """The footprints a reviewer's memberships reach, with or without a plan: the rows of the
    centre's dashboard (their plans still come through ``plans_for``)."""
    if not user.is_authenticated or not user.is_active:
        return Footprint.objects.none()
    scope = _NOTHING
    for membership in _memberships(user).filter(role__in=transitions.REVIEWERS):
        scope |= _EVERY_PLAN if membership.role == Role.NATIONAL_REVIEWER else Q(region=membership.region)
    return Footprint.objects.filter(scope)


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
    if action != PLAN_READ and not may(user, plan, action):
        raise PermissionDenied(f"you may read this plan but not {action.split('.')[-1].replace('_', ' ')} it")
    return plan
