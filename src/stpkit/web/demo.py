"""Demonstration data for ``stp serve --demo``: the bundled example plans, the illustrative plan
of every other footprint, and one account per role, each with a new random password printed once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from stpkit.api import PlanRun
from stpkit.examples import DEFAULT_EXAMPLE, example_paths
from stpkit.web import results
from stpkit.web.models import Footprint, Membership, Plan, Role
from stpkit.web.revisions import create_plan
from stpkit.web.users import one_time_password

LOADER = "stpkit-demo-loader"  # the author of the example plans' first revisions; cannot sign in


def _loader():
    User = get_user_model()
    loader, made = User.objects.get_or_create(username=LOADER, defaults={"is_active": False})
    if made:
        loader.set_unusable_password()
        loader.save()
    return loader


def load_demo_plans() -> list[Plan]:
    """The examples (``load_examples``), then the illustrative plan of each footprint that has no
    plan yet (``load_illustrative``): every footprint has a plan."""
    return load_examples() + load_illustrative()


def load_examples() -> list[Plan]:
    """Each bundled example plan not loaded yet, with its central case worked out (the plans the
    demo accounts start from)."""
    loader = _loader()
    loaded = []
    for name, path in example_paths().items():
        run = PlanRun.load(path)
        if Plan.objects.filter(footprint_id=run.plan.footprint.code, title=run.plan.title[:300]).exists():
            continue
        revision = create_plan(loader, run, message=f"bundled example {name}")
        results.central(revision)
        loaded.append(revision.plan)
    return loaded


def load_illustrative() -> list[Plan]:
    """The bundled illustrative plan of each footprint with no plan yet. Their central cases are
    left to be worked out when first asked for (about a second each), so that loading all of
    them takes seconds, not a minute."""
    loader = _loader()
    with transaction.atomic():  # one commit for all: on SQLite each commit is a disk flush
        return [
            create_plan(loader, PlanRun.illustrative(code), message="bundled illustrative plan").plan
            for code in Footprint.objects.filter(plans__isnull=True).values_list("pk", flat=True)
        ]


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
            password = one_time_password()
            user.set_password(password)
            user.save()
            Membership.objects.get_or_create(user=user, role=role, **place)
            passwords[username] = password
    return passwords
