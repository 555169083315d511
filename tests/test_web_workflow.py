"""The assurance cycle: the transition table drives every move, each move is a compare-and-swap
on the plan's state and step, and each writes one transition and one audit row."""

from __future__ import annotations

import pytest

from stpkit.web import review, transitions, workflow
from stpkit.web.models import AuditEvent, Mark, PlanState, Publication, Role, Round, Transition
from stpkit.web.revisions import NotEditable, create_plan, new_revision
from web_support import HOME, make_user, move, signed_off, signed_off_plan


@pytest.fixture
def people(web_db):
    return {
        "editor": make_user("editor", Role.EDITOR, HOME),
        "lead": make_user("lead", Role.LEAD, HOME),
        "regional": make_user("regional", Role.REGIONAL_REVIEWER, region="South West"),
        "away": make_user("away", Role.REGIONAL_REVIEWER, region="London"),
        "national": make_user("national", Role.NATIONAL_REVIEWER),
    }


@pytest.fixture
def plan(people):
    return signed_off_plan(people["editor"])



def test_submit_review_agree_publish(plan, people, django_capture_on_commit_callbacks, mailoutbox):
    for user in people.values():
        user.email = f"{user.username}@example.nhs.uk"
        user.save()
    with django_capture_on_commit_callbacks(execute=True):
        submitted = move(plan, people["lead"], transitions.SUBMIT)
        review_opened = move(plan, people["regional"], transitions.OPEN_REVIEW)
        move(plan, people["national"], transitions.AGREE)
        move(plan, people["lead"], transitions.PUBLISH)
    plan.refresh_from_db()
    assert plan.state == PlanState.PUBLISHED and plan.step == 4
    assert submitted.revision.number == 1 and review_opened.review.revision == submitted.revision
    assert [t.action for t in Transition.objects.filter(plan=plan)] == ["submit", "open_review", "agree", "publish"]
    # One audit row per move, each naming its step.
    moves = AuditEvent.objects.filter(action__startswith="plan_").exclude(action="plan_created")
    assert [(e.action, e.detail["step"]) for e in moves] == [
        ("plan_submit", 1), ("plan_open_review", 2), ("plan_agree", 3), ("plan_publish", 4)]
    publication = Publication.objects.get()
    assert (publication.footprint_id, publication.number, publication.revision.number) == (HOME, 1, 1)
    assert b"%PDF" in bytes(publication.report_pdf)[:8]
    # Submission: the two reviewers who reach the plan (the regional one of London does not);
    # agreement: the editor and lead; publication: all four.
    told = [(m.subject.split(": ", 1)[1].split(" ")[1], m.to[0].split("@")[0]) for m in mailoutbox]
    assert sorted(told) == sorted([
        ("submitted", "regional"), ("submitted", "national"),
        ("agreed", "editor"), ("agreed", "lead"),
        ("published", "editor"), ("published", "lead"), ("published", "regional"), ("published", "national"),
    ])


def test_only_a_complete_sign_off_is_submitted(people):
    plan = create_plan(people["editor"], signed_off(pending="REF"), "pending", name="plan.yaml").plan
    with pytest.raises(workflow.NotReady, match=r"REF\): pending"):
        move(plan, people["lead"], transitions.SUBMIT)
    with pytest.raises(workflow.NotAllowed):  # an editor never submits
        move(plan, people["editor"], transitions.SUBMIT)
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT and not Transition.objects.exists()


def test_a_submitted_revision_is_frozen(plan, people):
    move(plan, people["lead"], transitions.SUBMIT)
    with pytest.raises(NotEditable):
        new_revision(people["editor"], plan, signed_off(), base_version=1)
    assert plan.revisions.count() == 1


def test_a_stale_page_does_nothing_and_says_what_happened(plan, people):
    move(plan, people["lead"], transitions.SUBMIT)
    move(plan, people["regional"], transitions.OPEN_REVIEW)
    plan.refresh_from_db()
    seen = plan.step
    workflow.act(people["regional"], plan, transitions.AGREE, seen)
    with pytest.raises(workflow.Conflict, match="regional agreed it"):
        workflow.act(people["national"], plan, transitions.RETURN, seen, "not yet")
    # Reopened, the plan is in review again, but a page from before is still stale.
    move(plan, people["national"], transitions.REOPEN_REVIEW, "one more look")
    with pytest.raises(workflow.Conflict):
        workflow.act(people["national"], plan, transitions.RETURN, seen, "not yet")
    assert Transition.objects.filter(plan=plan).count() == 4


def test_reviewers_act_only_in_their_reach(plan, people):
    move(plan, people["lead"], transitions.SUBMIT)
    with pytest.raises(workflow.NotAllowed):
        move(plan, people["away"], transitions.OPEN_REVIEW)
    with pytest.raises(workflow.NotAllowed):  # a reviewer does not submit or publish
        move(plan, people["national"], transitions.PUBLISH)


def test_a_return_needs_a_reason_and_challenges_are_answered_in_the_next_revision(
    plan, people, django_capture_on_commit_callbacks, mailoutbox
):
    people["regional"].email = "regional@example.nhs.uk"
    people["regional"].save()
    move(plan, people["lead"], transitions.SUBMIT)
    opened = move(plan, people["regional"], transitions.OPEN_REVIEW).review
    items = list(opened.items.all())
    # The checklist is stp check's findings on the submitted revision: A01 (the plan does not
    # balance in its final year) fires for this small plan.
    assert "A01" in [i.rule for i in items]
    a01 = next(i for i in items if i.rule == "A01")
    challenge = review.mark(people["regional"], a01, Mark.CHALLENGED, "How will you close the last £1m?")
    review.mark(people["regional"], items[-1], Mark.ACCEPTED)
    assert [m.pk for m in review.open_challenges(opened)] == [challenge.pk]
    with pytest.raises(workflow.NotReady, match="say why"):
        move(plan, people["regional"], transitions.RETURN)
    move(plan, people["regional"], transitions.RETURN, "answer the challenge")
    with pytest.raises(workflow.NotReady, match="revision 1 was the one reviewed"):
        review.answer(people["editor"], challenge, "by the new scheme")
    plan.refresh_from_db()
    new_revision(people["editor"], plan, signed_off(), base_version=1, message="answers A01")
    with django_capture_on_commit_callbacks(execute=True):
        answered = review.answer(people["editor"], challenge, "by the new scheme")
    assert answered.revision.number == 2 and review.open_challenges(opened) == []
    assert [m.to for m in mailoutbox] == [["regional@example.nhs.uk"]]
    # The review is kept: the next submission opens a new one; the old marks stay.
    move(plan, people["lead"], transitions.SUBMIT)
    second = move(plan, people["national"], transitions.OPEN_REVIEW).review
    assert second.revision.number == 2 and second != opened
    assert review.current_marks(opened)[a01.pk].mark == Mark.CHALLENGED


def test_a_submission_belongs_to_the_open_round(plan, people):
    import datetime

    today = datetime.date.today()
    Round.objects.create(name="Last round", opens=today - datetime.timedelta(days=60),
                         due=today - datetime.timedelta(days=30))
    june = Round.objects.create(name="This round", opens=today - datetime.timedelta(days=10),
                                due=today + datetime.timedelta(days=5))
    assert move(plan, people["lead"], transitions.SUBMIT).round == june


def test_a_move_made_while_the_role_is_checked_is_told_as_such(plan, people, monkeypatch):
    """The role check reads the plan's state as it is then: a move another reviewer makes just
    before it is a conflict, not "your role does not allow" (two reviewers at once, made certain)."""
    move(plan, people["lead"], transitions.SUBMIT)
    move(plan, people["regional"], transitions.OPEN_REVIEW)
    plan.refresh_from_db()
    seen = plan.step
    check = workflow.may

    def another_reviewer_returns_it_first(user, checked, action):
        if user == people["national"]:
            workflow.act(people["regional"], checked, transitions.RETURN, seen, "not yet")
        return check(user, checked, action)

    monkeypatch.setattr(workflow, "may", another_reviewer_returns_it_first)
    with pytest.raises(workflow.Conflict, match="regional returned it"):
        workflow.act(people["national"], plan, transitions.AGREE, seen)
