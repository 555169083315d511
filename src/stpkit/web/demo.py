"""Demonstration data for ``stp serve --demo``: the bundled example plans and one account per
role, each with a new random password printed once."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from stpkit.api import PlanRun
from stpkit.examples import DEFAULT_EXAMPLE, example_paths
from stpkit.web import results
from stpkit.web.models import Footprint, Membership, Plan, Role
from stpkit.web.revisions import create_plan

LOADER = "stpkit-demo-loader"  # the author of the example plans' first revisions; cannot sign in


def load_examples() -> list[Plan]:
    """Each bundled example plan not loaded yet, with its central case worked out."""
    User = get_user_model()
    loader, made = User.objects.get_or_create(username=LOADER, defaults={"is_active": False})
    if made:
        loader.set_unusable_password()
        loader.save()
    loaded = []
    for name, path in example_paths().items():
        run = PlanRun.load(path)
        if Plan.objects.filter(footprint_id=run.plan.footprint.code, title=run.plan.title[:300]).exists():
            continue
        revision = create_plan(loader, run, message=f"bundled example {name}")
        results.central(revision)
        loaded.append(revision.plan)
    return loaded


def demo_users() -> dict[str, str]:
    """One account per role (for the default example's footprint and region), each given a new
    random password: user name to password."""
    footprint = Footprint.objects.get(pk=PlanRun.load(example_paths()[DEFAULT_EXAMPLE]).plan.footprint.code)
    places = {
        Role.EDITOR: {"footprint": footprint},
        Role.LEAD: {"footprint": footprint},
        Role.REGIONAL_REVIEWER: {"region": footprint.region},
        Role.NATIONAL_REVIEWER: {},
        Role.ADMINISTRATOR: {},
    }
    User = get_user_model()
    passwords = {}
    with transaction.atomic():
        for role, place in places.items():
            username = f"demo-{role.value.replace('_', '-')}"
            user, _ = User.objects.get_or_create(username=username)
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
            Membership.objects.get_or_create(user=user, role=role, **place)
            passwords[username] = password
    return passwords
