"""Helpers of the web service's tests (test_web_*.py). They run on the database the settings
name: SQLite always, and PostgreSQL too (test_web_postgresql.py runs them again with
DATABASE_URL set). The fixtures ``web_db`` and ``web_transactional_db`` are in conftest.py."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection

from stpkit.web.append_only import create_triggers
from stpkit.web.models import Footprint, Membership, Organisation, Plan, Role
from stpkit.web.reference_data import seed

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_PLAN = (FIXTURES / "valid_small.yaml").read_text("utf-8")  # footprint E54000036, South West
HOME = "E54000036"  # Cornwall and the Isles of Scilly (South West)
NEIGHBOUR = "E54000037"  # Devon (South West)
AWAY = "E54000027"  # North West London (London)


def ready() -> None:
    """Reference data and triggers in place: a transactional test before this one emptied the
    tables and dropped the triggers to do so (see ``web_transactional_db``)."""
    create_triggers(connection)
    if not Footprint.objects.exists():
        seed(Footprint, Organisation)


def make_user(username: str, role: Role | None = None, footprint: str | None = None, region: str = ""):
    user = get_user_model().objects.create_user(username=username, password=f"{username}-Pa55word!")
    if role is not None:
        Membership.objects.create(user=user, role=role, footprint_id=footprint, region=region)
    return user


def small_plan(user) -> Plan:
    """A plan of footprint HOME whose first revision is tests/fixtures/valid_small.yaml."""
    from stpkit.web.revisions import create_plan

    return create_plan(user, SMALL_PLAN, "first", name="valid_small.yaml").plan


def plan_without_revisions(footprint: str, title: str = "A plan") -> Plan:
    return Plan.objects.create(footprint_id=footprint, title=title)


def signed_off(text: str = SMALL_PLAN, *, pending: str | None = None) -> str:
    """``text`` (a plan of the two members 11N and REF) with every member's board signed off, or
    with ``pending``'s decision still to come: a lead may submit only the first."""
    entries = "".join(
        f"\n  - organisation: {code}\n    status: {'pending' if code == pending else 'signed_off'}"
        + ("" if code == pending else "\n    date: 2016-06-20")
        for code in ("11N", "REF")
    )
    return text.rstrip("\n") + "\ngovernance:\n  sign_off:" + entries + "\n"


def signed_off_plan(author) -> Plan:
    """A plan of footprint HOME whose first revision every member has signed off: its lead may
    submit it."""
    from stpkit.web.revisions import create_plan

    return create_plan(author, signed_off(), "signed off", name="plan.yaml").plan


def move(plan: Plan, user, action: str, reason: str = ""):
    """``workflow.act`` from the plan's step as it is now, as from a page just loaded."""
    from stpkit.web import workflow

    plan.refresh_from_db()
    return workflow.act(user, plan, action, plan.step, reason)
