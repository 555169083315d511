"""`stp serve --demo`: the example plans, an illustrative plan for every other footprint, one
account per role, and plans in every state of the assurance cycle, moved there by the service's
own functions; signed in, each role sees exactly the plans it may and the moves it may make."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from stpkit.api import PlanRun
from stpkit.examples import example_paths
from stpkit.web import demo, results, review, transitions, workflow
from stpkit.web.demo import demo_users, load_demo_cycle, load_demo_plans
from stpkit.web.models import (
    AuditEvent,
    Footprint,
    Plan,
    PlanState,
    Publication,
    ReviewComment,
    Role,
    Round,
    StoredResult,
    Transition,
)

FOOTPRINTS = 44


def test_every_footprint_has_a_plan_and_the_examples_keep_theirs(web_db):
    loaded = load_demo_plans()
    examples = [PlanRun.load(path).plan for path in example_paths().values()]
    with_example = {plan.footprint.code for plan in examples}
    assert len(with_example) == 3  # North West London, Cornwall, Lincolnshire (two examples)
    assert Footprint.objects.count() == FOOTPRINTS
    assert set(Plan.objects.values_list("footprint", flat=True)) == set(Footprint.objects.values_list("pk", flat=True))
    assert Plan.objects.count() == len(loaded) == FOOTPRINTS - len(with_example) + len(examples)
    for code in with_example:  # the example, not an illustrative plan as well
        titles = set(Plan.objects.filter(footprint=code).values_list("title", flat=True))
        assert titles == {plan.title for plan in examples if plan.footprint.code == code}
    illustrative = Plan.objects.exclude(footprint__in=with_example)
    assert all("illustrative plan" in plan.title for plan in illustrative)
    # The examples' central cases are worked out at load; the others on first view, once.
    assert StoredResult.objects.count() == len(examples)
    assert load_demo_plans() == []  # loading again adds nothing
    first = illustrative.first().revisions.get()
    assert results.central(first).results["plan"]["illustrative"] is True
    assert StoredResult.objects.count() == len(examples) + 1


def _states_by_footprint() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for code, state in Plan.objects.values_list("footprint", "state"):
        found.setdefault(code, set()).add(state)
    return found


def test_the_demo_holds_plans_in_every_state_moved_by_the_service(web_db, django_capture_on_commit_callbacks,
                                                                    mailoutbox):
    load_demo_plans()
    with django_capture_on_commit_callbacks(execute=True):
        played = load_demo_cycle()
    # South West London 1 move (submit), North West London 4 (submit, open review, agree,
    # publish), North London 2, South East London 3 (... return), Cornwall 3 (... agree),
    # Lincolnshire 1 and its alternative 2 (submit, withdraw): 16.
    assert len(played) == Transition.objects.count() == 16
    assert load_demo_cycle() == []  # played once
    assert set(Plan.objects.values_list("state", flat=True)) == set(PlanState.values)
    states = _states_by_footprint()
    assert {code: states[code] for code in (demo.NORTH_WEST_LONDON, demo.NORTH_LONDON, demo.SOUTH_EAST_LONDON,
                                            demo.SOUTH_WEST_LONDON, demo.CORNWALL, demo.LINCOLNSHIRE)} == {
        demo.NORTH_WEST_LONDON: {PlanState.PUBLISHED}, demo.NORTH_LONDON: {PlanState.IN_REVIEW},
        demo.SOUTH_EAST_LONDON: {PlanState.DRAFT}, demo.SOUTH_WEST_LONDON: {PlanState.SUBMITTED},
        demo.CORNWALL: {PlanState.AGREED}, demo.LINCOLNSHIRE: {PlanState.SUBMITTED, PlanState.WITHDRAWN},
    }
    # The accounts have addresses, but loading the demo emails nobody.
    assert demo.demo_accounts()[Role.LEAD].email == "demo-lead@example.nhs.uk"
    assert mailoutbox == []

    # Every move has its one audit row, naming its step.
    for move in Transition.objects.all():
        rows = AuditEvent.objects.filter(action=f"plan_{move.action}", object_type="Plan", object_id=str(move.plan_id))
        assert [row.detail["step"] for row in rows if row.detail["step"] == move.step] == [move.step], move
    assert AuditEvent.objects.filter(action__in=[f"plan_{a}" for a in transitions.ACTIONS]).count() == 16

    # North West London is published: revision 2, the example with the London Ambulance Service's
    # pending sign-off completed by the demo.
    publication = Publication.objects.get()
    assert (publication.footprint_id, publication.number, publication.revision.number) == (demo.NORTH_WEST_LONDON, 1, 2)
    assert publication.revision.message == demo.SIGNED_OFF_MESSAGE
    assert workflow.sign_off_missing(publication.revision) == []
    assert b"%PDF" in bytes(publication.report_pdf)[:8]

    # South East London was returned with its review; the footprint answered the challenge in
    # revision 3 (1 illustrative, 2 signed off and submitted, 3 the answer).
    south_east = Plan.objects.get(footprint=demo.SOUTH_EAST_LONDON)
    returned = workflow.open_review(south_east)
    assert returned.revision.number == 2 and south_east.version == 3
    assert south_east.transitions.last().action == transitions.RETURN
    (challenge,) = review.challenges(returned)
    assert review.open_challenges(returned) == []
    assert [a.revision.number for a in challenge.answers.all()] == [3]
    # North London's review is under way: one challenge waiting, a comment on its last year.
    in_progress = workflow.open_review(Plan.objects.get(footprint=demo.NORTH_LONDON))
    assert len(review.open_challenges(in_progress)) == 1
    assert ReviewComment.objects.get(review=in_progress).anchor_code == "2020/21"

    # Rounds relative to today: the earlier one closed five weeks ago (South West London's
    # submission to it, made today, is late), the current one is due in a week (five footprints
    # on time; the other 39 have not submitted to it).
    today = timezone.localdate()
    earlier, current = Round.objects.order_by("due")
    assert (earlier.due, current.due) == (today - timedelta(days=35), today + timedelta(days=7))
    assert current.name == f"{today + timedelta(days=7):%B %Y} submission"
    submissions = Transition.objects.filter(action=transitions.SUBMIT).select_related("plan", "round")
    late = {(s.plan.footprint_id, s.round) for s in submissions if timezone.localdate(s.when) > s.round.due}
    assert late == {(demo.SOUTH_WEST_LONDON, earlier)}
    on_time = {s.plan.footprint_id for s in submissions if s.round == current}
    assert on_time == {demo.NORTH_WEST_LONDON, demo.NORTH_LONDON, demo.SOUTH_EAST_LONDON, demo.CORNWALL,
                       demo.LINCOLNSHIRE}
    assert FOOTPRINTS - len(on_time) == 39


def _statuses(page: str, names: set[str]) -> dict[str, set[str]]:
    """The status tags of each footprint's plans on the my-footprint page."""
    shown: dict[str, set[str]] = {}
    for row in re.findall(r"<tr class=\"nhsuk-table__row\">(.*?)</tr>", page, re.S):
        name = next((n for n in names if re.search(f"<td[^>]*>{re.escape(n)}</td>", row)), None)
        tag = re.search(r"<strong class=\"nhsuk-tag[^\"]*\"[^>]*>\s*(.*?)\s*</strong>", row, re.S)
        if name and tag:
            shown.setdefault(name, set()).add(tag.group(1))
    return shown


def test_demo_accounts_see_what_their_roles_allow(web_db):
    load_demo_plans()
    load_demo_cycle()
    passwords = demo_users()
    london = set(Footprint.objects.filter(region="London").values_list("name", flat=True))
    assert "North West London" in london and len(london) == 5
    visible = {
        "demo-editor": {"North West London"},
        "demo-lead": {"North West London"},
        "demo-regional-reviewer": london,
        "demo-national-reviewer": set(Footprint.objects.values_list("name", flat=True)),
        "demo-administrator": set(),
    }
    london_states = {"North West London": {"Published"}, "North London": {"In review"}, "East London": {"Draft"},
                     "South East London": {"Draft"}, "South West London": {"Submitted"}}
    statuses = {
        "demo-editor": {"North West London": {"Published"}},
        "demo-lead": {"North West London": {"Published"}},
        "demo-regional-reviewer": london_states,
        "demo-national-reviewer": london_states | {
            "Cornwall and the Isles of Scilly": {"Agreed"}, "Lincolnshire": {"Submitted", "Withdrawn"}},
        "demo-administrator": {},
    }
    # The buttons each account is shown on a plan page: the moves it may make there.
    plan_id = {code: Plan.objects.filter(footprint=code).order_by("pk").first().pk
               for code in (demo.NORTH_WEST_LONDON, demo.NORTH_LONDON, demo.SOUTH_WEST_LONDON)}
    moves = {
        "demo-editor": {demo.NORTH_WEST_LONDON: []},
        "demo-lead": {demo.NORTH_WEST_LONDON: ["Start a new draft"]},
        "demo-regional-reviewer": {demo.SOUTH_WEST_LONDON: ["Open the review"],
                                   demo.NORTH_LONDON: ["Return to the footprint", "Agree the plan"]},
        "demo-national-reviewer": {demo.NORTH_LONDON: ["Return to the footprint", "Agree the plan"]},
        "demo-administrator": {},
    }
    assert set(passwords) == set(visible)
    names = set(Footprint.objects.values_list("name", flat=True))
    for username, expected in visible.items():
        client = Client()
        assert client.post("/sign-in/", {"username": username, "password": passwords[username]}).status_code == 302
        page = client.get("/").content.decode()
        assert f"Signed in as {username}" in page and 'href="/sign-out/"' in page
        shown = {name for name in names if re.search(f"<td[^>]*>{re.escape(name)}</td>", page)}
        assert shown == expected, username
        if expected:
            # North West London's central case: a deficit in £m
            assert re.search(r"<td[^>]*>-£[\d.]+m</td>", page), page
        assert {n: s for n, s in _statuses(page, names).items() if n in statuses[username] or s != {"Draft"}} == \
            statuses[username], username
        for code, buttons in moves[username].items():
            plan_page = client.get(f"/plans/{plan_id[code]}/").content.decode()
            shown_moves = [transitions.LABELS[a] for a in re.findall(r'name="action" value="(\w+)"', plan_page)]
            assert shown_moves == buttons, (username, code)
    fresh = demo_users()
    assert all(fresh[u] != passwords[u] for u in passwords)  # new passwords every time
