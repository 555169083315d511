"""A plan's audit trail: every revision saved, every move of the assurance cycle (with its
reason), every reviewer's mark, comment and proposed rating, every answer to a challenge and
every publication, merged in time order with who and when.

It is read from the rows the cycle keeps (``Revision``, ``Transition``, ``ReviewMark``,
``ReviewComment``, ``RatingProposal``, ``ChallengeAnswer``, ``Publication``) rather than from the
audit log: those rows are append-only too, they are tied to the plan by their foreign keys, and
they hold the whole of what was said (a question, a comment, a reason in full), where the audit
log keeps only a note of each action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from django.urls import reverse
from django.utils import timezone

from stpkit.web import transitions
from stpkit.web.models import (
    Anchor,
    ChallengeAnswer,
    Mark,
    Plan,
    PlanState,
    Publication,
    RatingProposal,
    ReviewComment,
    ReviewMark,
    Revision,
    Transition,
)

#: The trail's columns, on the page and in the CSV.
COLUMNS = ("when", "who", "what", "revision", "detail")


@dataclass(frozen=True)
class Event:
    when: datetime
    who: str
    what: str
    revision: int | None  # the revision it concerns
    detail: str
    # Orders events of the same instant: saved before moved before reviewed before published.
    rank: int = 0
    pk: int = 0


def _state(value: str) -> str:
    return PlanState(value).label.lower()


def _rating(category: str) -> str:
    return category.replace("_", " ")


def audit_trail(plan: Plan) -> list[Event]:
    """Every event of ``plan``, oldest first, each once."""
    events: list[Event] = []
    for r in Revision.objects.filter(plan=plan).select_related("author"):
        events.append(Event(r.created, r.author.get_username(), "Saved a revision", r.number,
                            r.message, 0, r.pk))
    for t in Transition.objects.filter(plan=plan).select_related("actor", "revision"):
        moved = f"{_state(t.from_state)} to {_state(t.to_state)}"
        events.append(Event(t.when, t.actor.get_username(), transitions.DONE.get(t.action, t.action).capitalize()
                            + " the plan", t.revision.number if t.revision else None,
                            f"{moved}. Why: {t.reason}" if t.reason else moved, 1, t.pk))
    for m in ReviewMark.objects.filter(item__review__plan=plan).select_related("author", "item__review__revision"):
        item = m.item
        detail = f"{item.title}. Question: {m.question}" if m.question else item.title
        events.append(Event(m.when, m.author.get_username(), f"Marked {item.rule} {Mark(m.mark).label.lower()}",
                            item.review.revision.number, detail, 2, m.pk))
    for c in ReviewComment.objects.filter(review__plan=plan).select_related("author", "review__revision"):
        about = Anchor(c.anchor).label.lower() if c.anchor == Anchor.PLAN else f"{c.anchor} {c.anchor_code}"
        events.append(Event(c.when, c.author.get_username(), f"Commented on {about}", c.review.revision.number,
                            c.text, 3, c.pk))
    for p in RatingProposal.objects.filter(review__plan=plan).select_related("author", "review__revision"):
        events.append(Event(p.when, p.author.get_username(), f"Proposed the rating {_rating(p.category)}",
                            p.review.revision.number, p.reason, 4, p.pk))
    for a in ChallengeAnswer.objects.filter(challenge__item__review__plan=plan).select_related(
            "author", "revision", "challenge__item"):
        events.append(Event(a.when, a.author.get_username(), f"Answered the challenge on {a.challenge.item.rule}",
                            a.revision.number, a.text, 5, a.pk))
    for p in Publication.objects.filter(plan=plan).select_related("published_by", "revision").defer(
            "summary_html", "plan_yaml", "results", "open_data", "report_pdf"):
        events.append(Event(p.when, p.published_by.get_username(), f"Published as version {p.number}",
                            p.revision.number, reverse("published-version", args=[p.footprint_id, p.number]), 6,
                            p.pk))
    return sorted(events, key=lambda e: (e.when, e.rank, e.pk))


def when_text(when: datetime) -> str:
    """An event's time as the trail shows it, in the service's time zone, to the second."""
    return timezone.localtime(when).strftime("%d %B %Y %H:%M:%S")


def trail_table(events: list[Event]) -> pd.DataFrame:
    """The trail as a table (the CSV): the time in ISO 8601 with its offset from UTC."""
    return pd.DataFrame(
        [(timezone.localtime(e.when).isoformat(timespec="seconds"), e.who, e.what,
          "" if e.revision is None else e.revision, e.detail) for e in events],
        columns=list(COLUMNS), dtype=object,
    )
