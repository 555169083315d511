"""Two people save the same draft at the same moment, each on a connection of their own: one
save goes through, the other is refused, and nothing is lost or overwritten."""

from __future__ import annotations

import threading

from django.db import connection

from stpkit.web.models import Revision, Role
from stpkit.web.revisions import StaleVersion, new_revision, read_upload
from web_support import HOME, SMALL_PLAN, make_user, signed_off_plan, small_plan


def test_of_two_concurrent_saves_one_is_refused(web_transactional_db):
    editor = make_user("editor", Role.EDITOR, HOME)
    lead = make_user("lead", Role.LEAD, HOME)
    plan = small_plan(editor)
    # Read before the race so that both saves reach the database together.
    edits = {
        editor: read_upload(SMALL_PLAN.replace("(test plan)", "(editor's)")),
        lead: read_upload(SMALL_PLAN.replace("(test plan)", "(lead's)")),
    }
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def save(user):
        try:
            start.wait()
            outcomes[user.username] = new_revision(user, plan, edits[user], base_version=1, message=user.username)
        except StaleVersion as exc:
            outcomes[user.username] = exc
        finally:
            connection.close()  # each thread had a connection of its own

    threads = [threading.Thread(target=save, args=(user,)) for user in edits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    saved = [name for name, outcome in outcomes.items() if isinstance(outcome, Revision)]
    refused = [name for name, outcome in outcomes.items() if isinstance(outcome, StaleVersion)]
    assert (len(saved), len(refused)) == (1, 1), outcomes
    assert outcomes[refused[0]].current_version == 2
    revisions = list(Revision.objects.filter(plan=plan).values_list("number", "message"))
    assert revisions == [(1, "first"), (2, saved[0])]
    plan.refresh_from_db()
    assert plan.version == 2
    assert plan.title.endswith(f"({saved[0]}'s)")


def test_of_two_reviewers_acting_at_once_one_is_refused(web_transactional_db):
    """One reviewer agrees and another returns the same plan from the same page, each on a
    connection of its own: exactly one move is made; the other is told who moved it first."""
    from stpkit.web import transitions, workflow
    from stpkit.web.models import PlanState, Transition

    lead = make_user("lead", Role.LEAD, HOME)
    regional = make_user("regional", Role.REGIONAL_REVIEWER, region="South West")
    national = make_user("national", Role.NATIONAL_REVIEWER)
    plan = signed_off_plan(lead)
    workflow.act(lead, plan, transitions.SUBMIT, 0)
    workflow.act(regional, plan, transitions.OPEN_REVIEW, 1)
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def move(user, action, reason):
        try:
            start.wait()
            outcomes[action] = workflow.act(user, plan, action, 2, reason)
        except workflow.Conflict as exc:
            outcomes[action] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move, args=(national, transitions.AGREE, "")),
        threading.Thread(target=move, args=(regional, transitions.RETURN, "the capital is not funded")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    won = [action for action, outcome in outcomes.items() if isinstance(outcome, Transition)]
    lost = [action for action, outcome in outcomes.items() if isinstance(outcome, workflow.Conflict)]
    assert (len(won), len(lost)) == (1, 1), outcomes
    winner = {transitions.AGREE: ("national", "agreed"), transitions.RETURN: ("regional", "returned")}[won[0]]
    assert f"{winner[0]} {winner[1]} it at" in str(outcomes[lost[0]])
    plan.refresh_from_db()
    assert plan.step == 3
    assert plan.state == {transitions.AGREE: PlanState.AGREED, transitions.RETURN: PlanState.DRAFT}[won[0]]
    assert list(Transition.objects.filter(plan=plan).values_list("step", "action")) == [
        (1, "submit"), (2, "open_review"), (3, won[0])]
