"""Demonstration data for ``stp serve --demo``: the bundled example plans, the illustrative plan
of every other footprint, one account per role, each with a new random password printed once,
and a story of the assurance cycle played through the service's own functions, so that there
are plans in every state with real transitions, reviews and audit rows (``load_demo_cycle``)."""

from __future__ import annotations

import copy
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from stpkit.api import PlanRun
from stpkit.domain import Plan as PlanDocument
from stpkit.domain.enums import RatingCategory, SignOffStatus
from stpkit.examples import DEFAULT_EXAMPLE, example_paths
from stpkit.web import notify, results, review, transitions, workflow
from stpkit.web.models import (
    Anchor,
    Footprint,
    Mark,
    Membership,
    Plan,
    Review,
    Revision,
    Role,
    Round,
    Transition,
)
from stpkit.web.revisions import create_plan, new_revision
from stpkit.web.users import one_time_password

LOADER = "stpkit-demo-loader"  # the author of the example plans' first revisions; cannot sign in
EXAMPLE_MESSAGE = "bundled example "  # and the example's name: the first revision's message


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
        revision = create_plan(loader, run, message=f"{EXAMPLE_MESSAGE}{name}")
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


def _default_footprint() -> Footprint:
    """The default example's footprint: that of its loaded plan, else read from its file."""
    loaded = Plan.objects.filter(revisions__number=1, revisions__message=f"{EXAMPLE_MESSAGE}{DEFAULT_EXAMPLE}").first()
    if loaded is not None:
        return loaded.footprint
    return Footprint.objects.get(pk=PlanRun.load(example_paths()[DEFAULT_EXAMPLE]).plan.footprint.code)


def _places() -> dict[Role, dict]:
    """Where each demo account's role is held: the default example's footprint and its region."""
    footprint = _default_footprint()
    return {
        Role.EDITOR: {"footprint": footprint},
        Role.LEAD: {"footprint": footprint},
        Role.REGIONAL_REVIEWER: {"region": footprint.region},
        Role.NATIONAL_REVIEWER: {},
        Role.ADMINISTRATOR: {},
    }


def _account(username: str, role: Role, **place):
    """The account ``username`` holding ``role`` at ``place``, made if need be with an example
    address (so that the console prints the emails it is sent) and no usable password."""
    user, made = get_user_model().objects.get_or_create(username=username)
    if made or not user.email:  # accounts of an earlier demo had no address
        user.email = f"{username}@example.nhs.uk"
        if made:
            user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(user=user, role=role, **place)
    return user


def demo_accounts() -> dict[Role, object]:
    """The five demo accounts, one per role, made if need be (passwords are ``demo_users``'s)."""
    return {role: _account(f"demo-{role.value.replace('_', '-')}", role, **place) for role, place in _places().items()}


def demo_users() -> dict[str, str]:
    """One account per role (for the default example's footprint and region), each given a new
    random password: user name to password."""
    passwords = {}
    with transaction.atomic():
        for user in demo_accounts().values():
            password = one_time_password()
            user.set_password(password)
            user.save()
            passwords[user.get_username()] = password
    return passwords


# The story the demo plays. North West London is the default example and the demo accounts'
# footprint; the other London footprints are the demo regional reviewer's, so that each demo
# account has something to do. East London is left a draft: its illustrative plan does not pass
# the readers' checks when read back, so it could not be reviewed.
NORTH_WEST_LONDON = "E54000027"  # published: anyone can read it at /footprints/E54000027/plan
NORTH_LONDON = "E54000028"  # in review: some findings marked, one challenged, a rating proposed
SOUTH_EAST_LONDON = "E54000030"  # returned to the footprint, which answered the challenge in a new revision
SOUTH_WEST_LONDON = "E54000031"  # submitted, late, to the round before
CORNWALL = "E54000036"  # agreed by the national reviewer
LINCOLNSHIRE = "E54000013"  # its plan submitted; the alternative (the wards stay open) withdrawn
#: The submission rounds, in days from the day the demo is loaded: (opens, due).
EARLIER_ROUND = (-63, -35)
CURRENT_ROUND = (-21, 7)
SIGNED_OFF_MESSAGE = "every member's board has signed the plan off (added by the demo so that it can be submitted)"


def load_demo_cycle() -> list[Transition]:
    """Play the demo's story through ``workflow.act``, ``review`` and ``new_revision``, once: on a
    database with no rounds and no transitions yet (one where the cycle has begun is left alone).
    Two rounds are made relative to today (the day ``workflow.current_round`` reads): one that
    closed five weeks ago, to which South West London submits late, and one due in a week, to
    which five other footprints submit on time; the rest have not submitted. Returns the moves
    made; none of them emails anyone."""
    if Round.objects.exists() or Transition.objects.exists():
        return []
    today = timezone.localdate()
    people = demo_accounts()
    lead, editor = people[Role.LEAD], people[Role.EDITOR]
    regional, national = people[Role.REGIONAL_REVIEWER], people[Role.NATIONAL_REVIEWER]

    played: list[Transition] = []

    def move(user, plan: Plan, action: str, reason: str = "") -> Transition:
        plan.refresh_from_db()
        played.append(workflow.act(user, plan, action, plan.step, reason))
        return played[-1]

    def plan_of(code: str, example: str | None = None) -> Plan:
        """The footprint's plan: its bundled example ``example``, or its one plan."""
        plans = Plan.objects.filter(footprint_id=code)
        if example is not None:
            plans = plans.filter(revisions__number=1, revisions__message=f"{EXAMPLE_MESSAGE}{example}")
        return plans.get()

    def footprint_lead(code: str):
        """The demo lead for North West London; elsewhere a lead of the demo's own, who cannot sign in."""
        if code == NORTH_WEST_LONDON:
            return lead
        return _account(f"demo-lead-{code.lower()}", Role.LEAD, footprint_id=code)

    def submitted(plan: Plan) -> Transition:
        """Signed off (in a new revision, where need be) and submitted by the footprint's lead."""
        by = footprint_lead(plan.footprint_id)
        _sign_off(editor if by == lead else by, plan, today)
        return move(by, plan, transitions.SUBMIT)

    def reviewed(plan: Plan, reviewer, accept_all: bool) -> Review:
        """The review opened, with a proposed rating and every finding accepted, or every other
        one from the second (the first is left to be challenged)."""
        opened = move(reviewer, plan, transitions.OPEN_REVIEW).review
        items = list(opened.items.order_by("position"))
        for item in items if accept_all else items[1::2]:
            review.mark(reviewer, item, Mark.ACCEPTED)
        if accept_all:
            review.propose_rating(reviewer, opened, RatingCategory.ADVANCED, "Every finding is accepted.")
        else:
            review.propose_rating(reviewer, opened, RatingCategory.MAKING_PROGRESS, "Until the challenge is answered.")
        return opened

    with notify.withheld(), transaction.atomic():  # one commit: on SQLite each is a disk flush
        _round(today, EARLIER_ROUND)
        submitted(plan_of(SOUTH_WEST_LONDON))  # after the earlier round closed: late
        _round(today, CURRENT_ROUND)

        nwl = plan_of(NORTH_WEST_LONDON, "north_west_london")
        submitted(nwl)
        reviewed(nwl, regional, accept_all=True)
        move(regional, nwl, transitions.AGREE)
        move(lead, nwl, transitions.PUBLISH)

        north = plan_of(NORTH_LONDON)
        submitted(north)
        in_progress = reviewed(north, regional, accept_all=False)
        first = in_progress.items.order_by("position").first()
        review.mark(regional, first, Mark.CHALLENGED, f"{first.title}: what will you do about it, and by when?")
        year = review.anchors(in_progress)[Anchor.YEAR][-1][0]
        review.comment(regional, in_progress, Anchor.YEAR, year, f"Show how {year} balances without one-off money.")

        south_east = plan_of(SOUTH_EAST_LONDON)
        submitted(south_east)
        returned = reviewed(south_east, regional, accept_all=False)
        item = returned.items.order_by("position").first()
        challenge = review.mark(regional, item, Mark.CHALLENGED, f"{item.title}: how will you put this right?")
        move(regional, south_east, transitions.RETURN, "Please answer the challenge and resubmit.")
        answered = _answering_revision(footprint_lead(SOUTH_EAST_LONDON), south_east, item.title)
        review.answer(answered.author, challenge, f"Revision {answered.number} says how, in its narrative.")

        cornwall = plan_of(CORNWALL, "cornwall_and_isles_of_scilly")
        submitted(cornwall)
        reviewed(cornwall, national, accept_all=True)
        move(national, cornwall, transitions.AGREE)

        submitted(plan_of(LINCOLNSHIRE, "lincolnshire"))
        wards = plan_of(LINCOLNSHIRE, "lincolnshire_wards_stay_open")
        submitted(wards)
        move(footprint_lead(LINCOLNSHIRE), wards, transitions.WITHDRAW,
                           "The footprint's boards chose the other plan.")
    return played


def _round(today: date, days: tuple[int, int]) -> Round:
    opens, due = (today + timedelta(days=d) for d in days)
    return Round.objects.create(name=f"{due:%B %Y} submission", opens=opens, due=due)


def _revise(user, plan: Plan, message: str, change) -> Revision:
    """A new revision of ``plan``: its latest document as ``change`` leaves it, read back through
    the same checks as any plan."""
    plan.refresh_from_db()
    document = copy.deepcopy(workflow.latest_revision(plan).document)
    change(document)
    return new_revision(user, plan, PlanRun.from_plan(PlanDocument.model_validate(document)), plan.version,
                        message=message)


def _sign_off(user, plan: Plan, today: date) -> Revision | None:
    """A new revision of ``plan`` in which every member's board has signed it off (a month
    ago), where the latest one's sign-off is not complete (an illustrative plan has none)."""
    plan.refresh_from_db()
    if not workflow.sign_off_missing(workflow.latest_revision(plan)):
        return None

    def sign(document: dict) -> None:
        governance = document.setdefault("governance", {})
        signed = {e["organisation"]: e for e in governance.get("sign_off", [])
                  if e["status"] == SignOffStatus.SIGNED_OFF}
        governance["sign_off"] = [
            signed.get(org["code"]) or {"organisation": org["code"], "status": SignOffStatus.SIGNED_OFF.value,
                                        "date": (today - timedelta(days=30)).isoformat()}
            for org in document["organisations"]
        ]

    return _revise(user, plan, SIGNED_OFF_MESSAGE, sign)


def _answering_revision(user, plan: Plan, title: str) -> Revision:
    """The revision that answers a challenge on ``title``: the plan's narrative says how."""

    def answer(document: dict) -> None:
        said = document.get("narrative", "")
        document["narrative"] = (said + "\n\n" if said else "") + (
            f"In answer to the review's challenge ({title}): the footprint's boards have agreed the further "
            "action the review asked for, and will report on it each quarter."
        )

    return _revise(user, plan, f"answers the challenge: {title}", answer)
