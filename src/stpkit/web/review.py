"""What happens inside a review: the reviewer marks each finding of the checklist accepted,
challenged (with a question to the footprint) or not applicable, comments on a scheme, an
organisation or a year, and proposes a rating; the footprint answers each challenge with the
revision that answers it. Everything is a new row (the latest mark of an item stands), so nothing
in a review is ever changed or deleted; each action writes an audit row."""

from __future__ import annotations

from django.db import transaction

from stpkit.domain.enums import RatingCategory
from stpkit.domain.years import fy_range
from stpkit.web import audit, notify
from stpkit.web.access import PLAN_EDIT, PLAN_REVIEW, may
from stpkit.web.models import (
    Anchor,
    ChallengeAnswer,
    Mark,
    PlanState,
    RatingProposal,
    Review,
    ReviewComment,
    ReviewItem,
    ReviewMark,
)
from stpkit.web.revisions import revision_plan
from stpkit.web.workflow import NotAllowed, NotReady, latest_revision, open_review


def _reviewing(user, review: Review) -> None:
    """NotAllowed unless ``user`` reviews the plan and ``review`` is its review in progress."""
    plan = review.plan
    if not may(user, plan, PLAN_REVIEW):
        raise NotAllowed("only a reviewer of this plan's region, or a national reviewer, reviews it")
    plan.refresh_from_db()
    if plan.state != PlanState.IN_REVIEW or open_review(plan) != review:
        raise NotReady("this review is not in progress: reopen it to change it")


def mark(user, item: ReviewItem, mark: str, question: str = "") -> ReviewMark:
    """Mark a checklist item; a challenge needs its question."""
    _reviewing(user, item.review)
    if mark not in Mark.values:
        raise NotReady(f"a mark is one of {', '.join(Mark.values)}")
    question = question.strip()
    if mark == Mark.CHALLENGED and not question:
        raise NotReady(f"write the question the footprint must answer about {item.rule}")
    with transaction.atomic():
        made = ReviewMark.objects.create(item=item, mark=mark, question=question[:4000], author=user)
        audit.record(user, "review_mark", item.review, plan=item.review.plan_id, rule=item.rule, item=item.position,
                     mark=mark)
    return made


def anchors(review: Review) -> dict[str, list[tuple[str, str]]]:
    """What a comment may be anchored to in the reviewed revision: (code, label) by kind."""
    plan = revision_plan(review.revision)
    return {
        Anchor.PLAN: [("", "The plan as a whole")],
        Anchor.SCHEME: [(s.id, f"{s.id}: {s.name}") for s in plan.schemes],
        Anchor.ORGANISATION: [(o.code, f"{o.name} ({o.code})") for o in plan.organisations],
        Anchor.YEAR: [(y, y) for y in fy_range(plan.base_year, plan.horizon)],
    }


def comment(user, review: Review, anchor: str, code: str, text: str) -> ReviewComment:
    """A comment on the reviewed revision, anchored to one of its schemes, members or years."""
    _reviewing(user, review)
    text, code = text.strip(), code.strip()
    if not text:
        raise NotReady("write the comment")
    if anchor not in Anchor.values:
        raise NotReady(f"a comment is about one of: {', '.join(Anchor.values)}")
    known = {c for c, _ in anchors(review)[anchor]}
    if code not in known:
        raise NotReady(f"{code!r} is not a {Anchor(anchor).label.lower().removeprefix('a ').removeprefix('an ')} "
                       f"of revision {review.revision.number}")
    with transaction.atomic():
        made = ReviewComment.objects.create(review=review, anchor=anchor, anchor_code=code, text=text[:4000],
                                            author=user)
        audit.record(user, "review_comment", review, plan=review.plan_id, anchor=anchor, code=code)
    return made


def propose_rating(user, review: Review, category: str, reason: str = "") -> RatingProposal:
    _reviewing(user, review)
    if category not in {c.value for c in RatingCategory}:
        raise NotReady(f"a rating is one of {', '.join(c.value.replace('_', ' ') for c in RatingCategory)}")
    with transaction.atomic():
        made = RatingProposal.objects.create(review=review, category=category, reason=reason.strip()[:4000],
                                             author=user)
        audit.record(user, "review_rating", review, plan=review.plan_id, category=category)
    return made


def current_marks(review: Review) -> dict[int, ReviewMark]:
    """Each item's standing mark (its latest), by item id."""
    marks: dict[int, ReviewMark] = {}
    for m in ReviewMark.objects.filter(item__review=review).select_related("author").order_by("when", "pk"):
        marks[m.item_id] = m
    return marks


def challenges(review: Review) -> list[ReviewMark]:
    """The challenges that stand (an item's latest mark is a challenge), in checklist order."""
    return sorted((m for m in current_marks(review).values() if m.mark == Mark.CHALLENGED),
                  key=lambda m: m.item.position)


def open_challenges(review: Review) -> list[ReviewMark]:
    """The standing challenges the footprint has not answered yet."""
    answered = set(ChallengeAnswer.objects.filter(challenge__item__review=review).values_list("challenge", flat=True))
    return [m for m in challenges(review) if m.pk not in answered]


def latest_reviews(plans) -> dict[int, Review]:
    """Each plan's latest review (``workflow.open_review`` for many plans at once), by plan id."""
    latest: dict[int, Review] = {}
    for found in Review.objects.filter(plan__in=list(plans)).select_related("opened_by").order_by("opened", "pk"):
        latest[found.plan_id] = found
    return latest


def open_challenge_counts(reviews) -> dict[int, int]:
    """For the dashboard: how many ``open_challenges`` each review has, by review id, in two
    queries however many reviews there are."""
    reviews = list(reviews)
    standing: dict[int, tuple[int, int, str]] = {}  # item id -> (mark id, review id, mark), the latest
    for pk, item, review_id, made in (ReviewMark.objects.filter(item__review__in=reviews).order_by("when", "pk")
                                      .values_list("pk", "item_id", "item__review_id", "mark")):
        standing[item] = (pk, review_id, made)
    answered = set(ChallengeAnswer.objects.filter(challenge__item__review__in=reviews)
                   .values_list("challenge_id", flat=True))
    counts = {r.pk: 0 for r in reviews}
    for pk, review_id, made in standing.values():
        if made == Mark.CHALLENGED and pk not in answered:
            counts[review_id] += 1
    return counts


def answer(user, challenge: ReviewMark, text: str) -> ChallengeAnswer:
    """The footprint's answer to a standing challenge, given with its latest revision, which must
    be newer than the reviewed one: a challenge is answered in the next revision."""
    review = challenge.item.review
    plan = review.plan
    if not may(user, plan, PLAN_EDIT):
        raise NotAllowed("only the footprint's editors and lead answer challenges, while the plan is a draft")
    if challenge not in challenges(review):
        raise NotReady("this is not a standing challenge")
    text = text.strip()
    if not text:
        raise NotReady("write the answer")
    plan.refresh_from_db()
    revision = latest_revision(plan)
    if revision is None or revision.number <= review.revision.number:
        raise NotReady(f"save the revision that answers the challenge first: revision {review.revision.number} "
                       "was the one reviewed")
    with transaction.atomic():
        made = ChallengeAnswer.objects.create(challenge=challenge, revision=revision, text=text[:4000], author=user)
        audit.record(user, "challenge_answered", review, plan=plan.pk, rule=challenge.item.rule,
                     revision=revision.number)
        notify.on_commit(notify.answered, made)
    return made

