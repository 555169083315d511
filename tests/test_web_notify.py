"""The assurance cycle's emails: who is told of each move, one message each; people without an
address are skipped; a mail server that fails does not undo the move; moves made while emails
are withheld (the demo's load) tell nobody."""

from __future__ import annotations

import pytest
from django.core.mail.backends.locmem import EmailBackend

from stpkit.web import notify, review, transitions
from stpkit.web.models import Mark, PlanState, Role, Transition
from stpkit.web.revisions import new_revision
from web_support import AWAY, HOME, make_user, move, signed_off, signed_off_plan


@pytest.fixture
def people(web_db):
    made = {
        "editor": make_user("editor", Role.EDITOR, HOME),
        "lead": make_user("lead", Role.LEAD, HOME),
        "regional": make_user("regional", Role.REGIONAL_REVIEWER, region="South West"),
        "national": make_user("national", Role.NATIONAL_REVIEWER),
        # Told of nothing here: another footprint's lead, another region's reviewer.
        "other-lead": make_user("other-lead", Role.LEAD, AWAY),
        "away": make_user("away", Role.REGIONAL_REVIEWER, region="London"),
    }
    for user in made.values():
        user.email = f"{user.username}@example.nhs.uk"
        user.save()
    # A second editor and a second national reviewer with no address: skipped.
    make_user("editor-without-address", Role.EDITOR, HOME)
    make_user("national-without-address", Role.NATIONAL_REVIEWER)
    return made


@pytest.fixture
def plan(people):
    return signed_off_plan(people["editor"])



def _told(mailoutbox) -> list[str]:
    """Who was sent each message (one recipient each), sorted; the outbox is emptied."""
    assert all(len(m.to) == 1 for m in mailoutbox)
    told = sorted(m.to[0].removesuffix("@example.nhs.uk") for m in mailoutbox)
    mailoutbox.clear()
    return told


def test_each_move_tells_the_people_it_concerns(plan, people, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        move(plan, people["lead"], transitions.SUBMIT)
    assert {m.subject for m in mailoutbox} == {"Cornwall and the Isles of Scilly: lead submitted the plan (revision 1)"}
    assert _told(mailoutbox) == ["national", "regional"]  # the region's reviewers and the national ones
    with django_capture_on_commit_callbacks(execute=True):
        move(plan, people["regional"], transitions.OPEN_REVIEW)  # tells nobody
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        move(plan, people["regional"], transitions.AGREE)
    assert _told(mailoutbox) == ["editor", "lead"]  # the footprint
    with django_capture_on_commit_callbacks(execute=True):
        move(plan, people["lead"], transitions.PUBLISH)
    assert _told(mailoutbox) == ["editor", "lead", "national", "regional"]  # both
    with django_capture_on_commit_callbacks(execute=True):
        move(plan, people["lead"], transitions.REDRAFT)
    assert mailoutbox == []


def test_a_return_tells_the_footprint_and_an_answer_the_reviewers(
    plan, people, django_capture_on_commit_callbacks, mailoutbox
):
    move(plan, people["lead"], transitions.SUBMIT)
    opened = move(plan, people["national"], transitions.OPEN_REVIEW).review
    challenge = review.mark(people["national"], opened.items.first(), Mark.CHALLENGED, "Why?")
    with django_capture_on_commit_callbacks(execute=True):
        move(plan, people["national"], transitions.RETURN, "Answer the challenge.")
    returned = list(mailoutbox)
    assert _told(mailoutbox) == ["editor", "lead"]
    assert "Why:\nAnswer the challenge." in returned[0].body
    new_revision(people["editor"], plan, signed_off(), base_version=1, message="answers it")
    with django_capture_on_commit_callbacks(execute=True):
        review.answer(people["editor"], challenge, "Because.")
    answered = list(mailoutbox)
    assert _told(mailoutbox) == ["national", "regional"]
    assert answered[0].subject == f"{plan.footprint.name}: challenge on {challenge.item.rule} answered"


def test_a_mail_server_that_fails_does_not_undo_the_move(
    plan, people, django_capture_on_commit_callbacks, mailoutbox, monkeypatch, caplog
):
    def refuse(self, messages):
        raise OSError("connection refused")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        done = move(plan, people["lead"], transitions.SUBMIT)
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED and Transition.objects.get() == done
    assert mailoutbox == []
    assert "could not send 2 emails" in caplog.text


def test_moves_made_while_emails_are_withheld_tell_nobody(
    plan, people, django_capture_on_commit_callbacks, mailoutbox
):
    # The callbacks run after ``withheld`` has ended (on commit), and still send nothing.
    with django_capture_on_commit_callbacks(execute=True), notify.withheld():
        move(plan, people["lead"], transitions.SUBMIT)
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        move(plan, people["national"], transitions.OPEN_REVIEW)
        move(plan, people["national"], transitions.AGREE)
    assert _told(mailoutbox) == ["editor", "lead"]
