"""Emails to the people a move concerns: the reviewers when a plan is submitted, the footprint
when it is returned or agreed, both when it is published, and the reviewers when a challenge is
answered. Sent through Django's email backend (the console in development, SMTP when set), one
message per person so that nobody sees who else was told; people without an address are skipped.
Moves made inside ``withheld()`` tell nobody (the demo's story is played out that way)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from stpkit.web import transitions
from stpkit.web.models import FOOTPRINT_ROLES, Plan, Role

log = logging.getLogger(__name__)
_withheld: ContextVar[bool] = ContextVar("stpkit_emails_withheld", default=False)

FOOTPRINT = "footprint"  # the plan's editors and lead
REVIEWERS = "reviewers"  # the regional reviewers of its region and the national reviewers
#: Who hears of each move (moves not named here tell nobody).
TOLD = {
    transitions.SUBMIT: (REVIEWERS,),
    transitions.RETURN: (FOOTPRINT,),
    transitions.AGREE: (FOOTPRINT,),
    transitions.PUBLISH: (FOOTPRINT, REVIEWERS),
}


def people(plan: Plan, groups) -> list:
    """The active users with an email address in ``groups`` for ``plan``, each once."""
    reach = Q(pk__in=[])
    if FOOTPRINT in groups:
        reach |= Q(memberships__role__in=FOOTPRINT_ROLES, memberships__footprint_id=plan.footprint_id)
    if REVIEWERS in groups:
        reach |= Q(memberships__role=Role.REGIONAL_REVIEWER, memberships__region=plan.footprint.region)
        reach |= Q(memberships__role=Role.NATIONAL_REVIEWER)
    return list(get_user_model().objects.filter(reach, is_active=True).exclude(email="").distinct().order_by("pk"))


@contextmanager
def withheld() -> Iterator[None]:
    """Moves made inside tell nobody, whenever their transaction commits: for loading the demo,
    whose accounts have addresses, without printing dozens of messages."""
    token = _withheld.set(True)
    try:
        yield
    finally:
        _withheld.reset(token)


def on_commit(send: Callable[[Any], int], what: Any) -> None:
    """``send(what)`` once the current transaction commits (a move rolled back tells nobody),
    unless emails are withheld now."""
    if not _withheld.get():
        transaction.on_commit(lambda: send(what))


def _send(recipients, subject: str, body: str) -> int:
    messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]) for user in recipients]
    if not messages:
        return 0
    try:
        return get_connection().send_messages(messages) or 0
    except OSError:  # the move is done and recorded; a mail server that is down must not undo it
        log.exception("could not send %d emails: %s", len(messages), subject)
        return 0


def _address(plan: Plan) -> str:
    return settings.SITE_URL + reverse("plan", args=[plan.pk])


def transition(done) -> int:
    """Tell the people a transition concerns; the number of emails sent."""
    groups = TOLD.get(done.action)
    if not groups:
        return 0
    plan = done.plan
    actor = done.actor.get_full_name() or done.actor.get_username()
    what = transitions.DONE[done.action]
    revision = f" (revision {done.revision.number})" if done.revision else ""
    subject = f"{plan.footprint.name}: {actor} {what} the plan{revision}"
    lines = [f"{actor} {what} the plan \"{plan.title}\"{revision} for {plan.footprint.name}."]
    if done.reason:
        lines += ["", "Why:", done.reason]
    lines += ["", f"The plan: {_address(plan)}"]
    return _send(people(plan, groups), subject, "\n".join(lines))


def answered(answer) -> int:
    """Tell the plan's reviewers that the footprint has answered a challenge."""
    challenge = answer.challenge
    review = challenge.item.review
    plan = review.plan
    who = answer.author.get_full_name() or answer.author.get_username()
    subject = f"{plan.footprint.name}: challenge on {challenge.item.rule} answered"
    body = "\n".join([
        f"{who} answered your challenge on {challenge.item.rule} ({challenge.item.title}) in revision "
        f"{answer.revision.number}.",
        "", "The challenge:", challenge.question, "", "The answer:", answer.text, "",
        f"The review: {settings.SITE_URL}{reverse('review', args=[plan.pk, review.pk])}",
    ])
    return _send(people(plan, (REVIEWERS,)), subject, body)
