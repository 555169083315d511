"""A plan's reviews: the list, the review page (checklist, marks, comments, proposed ratings,
answers) and the forms of the reviewer and the footprint, which call ``stpkit.web.review``."""

from __future__ import annotations

from collections import defaultdict

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from stpkit.domain.enums import RatingCategory
from stpkit.domain.formatting import money, pct, plain_number
from stpkit.web import results, review, transitions, workflow
from stpkit.web.access import (
    PLAN_EDIT,
    PLAN_READ,
    PLAN_REVIEW,
    may,
    plan_for,
    requires,
)
from stpkit.web.jinja import when
from stpkit.web.models import (
    Anchor,
    ChallengeAnswer,
    Mark,
    Plan,
    PlanState,
    Review,
    ReviewMark,
)

#: The rating categories as NHS England named them, best first.
RATING_LABELS = {
    RatingCategory.OUTSTANDING: "Outstanding",
    RatingCategory.ADVANCED: "Advanced",
    RatingCategory.MAKING_PROGRESS: "Making progress",
    RatingCategory.NEEDS_MOST_IMPROVEMENT: "Needs most improvement",
}


#: What a move of the cycle says about the review it concerns, for the list of a plan's reviews.
OUTCOMES = {
    transitions.OPEN_REVIEW: "in progress",
    transitions.REOPEN_REVIEW: "in progress",
    transitions.RETURN: "returned",
    transitions.AGREE: "agreed",
    transitions.WITHDRAW: "withdrawn",
}


def _rating_label(category: str) -> str:
    return RATING_LABELS.get(category, category.replace("_", " "))


def _finding_numbers(numbers: dict) -> list[tuple[str, str]]:
    """A finding's numbers as a reader says them: ``gap_gbp000`` -> ("Gap", "£1.2m"),
    ``occupancy_pct`` -> ("Occupancy", "92.0%") (its numbers in per cent already)."""
    shown = []
    for key, value in numbers.items():
        name = key
        if isinstance(value, bool) or not isinstance(value, int | float):
            text = str(value)
        elif key.endswith("_gbp000"):
            name, text = key.removesuffix("_gbp000"), money(value)
        elif key.endswith("_pct"):
            name, text = key.removesuffix("_pct"), pct(value)
        else:
            text = plain_number(value)
        name = name.replace("_", " ")
        shown.append((name[:1].upper() + name[1:], text))
    return shown


def _review_outcomes(plan: Plan) -> dict[int, str]:
    """Each review's outcome so far, read from the plan's moves: a review is in progress from its
    opening (or reopening) until a return, an agreement or a withdrawal of the plan in review."""
    outcomes, current = {}, None
    for move in plan.transitions.order_by("step"):
        if move.action == transitions.OPEN_REVIEW:
            current = move.review_id
        concerns_review = move.from_state == PlanState.IN_REVIEW or move.action in (
            transitions.OPEN_REVIEW, transitions.REOPEN_REVIEW)
        if current is not None and move.action in OUTCOMES and concerns_review:
            outcomes[current] = OUTCOMES[move.action]
    return outcomes


@requires(PLAN_READ)
def reviews(request, plan_id: int):
    """The plan's reviews, newest first: the revision reviewed, who opened it, its round and outcome."""
    plan = plan_for(request.user, plan_id)
    outcomes = _review_outcomes(plan)
    rows = [
        {"review": r, "opened": when(r.opened), "outcome": outcomes.get(r.pk, "in progress")}
        for r in plan.reviews.select_related("revision", "round", "opened_by").order_by("-opened", "-pk")
    ]
    return render(request, "stpkit/reviews.html", {"plan": plan, "rows": rows,
                                                   "may_edit": may(request.user, plan, PLAN_EDIT)})


def _review_of(user, plan_id: int, review_id: int) -> tuple[Plan, Review]:
    plan = plan_for(user, plan_id)
    found = plan.reviews.select_related("revision", "round", "opened_by").filter(pk=review_id).first()
    if found is None:
        raise Http404("no such review")
    return plan, found


def _render_review(request, plan: Plan, found: Review, status: int = 200, problem: dict | None = None):
    """The review page: the checklist with each item's marks (the standing one first) and the
    answers to its challenge, the comments by what they are about, and the proposed ratings
    beside stpkit's own. The forms are those the user may use as the plan stands: a reviewer's
    while the review is in progress, the footprint's answers while the plan is a draft again."""
    user = request.user
    latest_review = workflow.open_review(plan) == found
    reviewing = latest_review and plan.state == PlanState.IN_REVIEW and may(user, plan, PLAN_REVIEW)
    answering = latest_review and plan.state == PlanState.DRAFT and may(user, plan, PLAN_EDIT)
    latest = workflow.latest_revision(plan)
    marks: dict[int, list[ReviewMark]] = defaultdict(list)
    for made in ReviewMark.objects.filter(item__review=found).select_related("author").order_by("-when", "-pk"):
        marks[made.item_id].append(made)
    answers: dict[int, list[ChallengeAnswer]] = defaultdict(list)
    for given in ChallengeAnswer.objects.filter(challenge__item__review=found).select_related("author", "revision"):
        answers[given.challenge_id].append(given)
    unanswered = {m.pk for m in review.open_challenges(found)}
    items = []
    for item in found.items.order_by("position"):
        standing = marks[item.pk][0] if marks[item.pk] else None  # newest first: the latest stands
        items.append({
            "item": item, "numbers": _finding_numbers(item.numbers), "marks": marks[item.pk], "standing": standing,
            "answers": answers[standing.pk] if standing else [],
            "open": standing is not None and standing.pk in unanswered,
        })
    choices = review.anchors(found)
    about = {(kind, code): label for kind, pairs in choices.items() for code, label in pairs}
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for said in found.comments.select_related("author").order_by("when", "pk"):
        grouped[(said.anchor, said.anchor_code)].append(said)
    comments = [{"about": label, "comments": grouped[key]} for key, label in about.items() if key in grouped]
    computed = results.central(found.revision).assessment["rating"]
    return render(request, "stpkit/review.html", {
        "plan": plan, "review": found, "items": items, "reviewing": reviewing, "answering": answering,
        "needs_revision": latest is None or latest.number <= found.revision.number,
        "open_count": len(unanswered), "anchors": choices, "anchor_kinds": dict(Anchor.choices),
        "comments": comments, "proposals": list(found.ratings.select_related("author").order_by("-when", "-pk")),
        "computed": {"label": _rating_label(computed["category"]), "score": computed.get("score")},
        "ratings": RATING_LABELS, "rating_label": _rating_label, "marks_offered": Mark.choices,
        "problem": problem, "posted": request.POST if problem else {},
        "may_edit": may(user, plan, PLAN_EDIT),
    }, status=status)


@requires(PLAN_READ)
def review_page(request, plan_id: int, review_id: int):
    """A review: its checklist, comments and ratings, with the forms the user may use."""
    plan, found = _review_of(request.user, plan_id, review_id)
    return _render_review(request, plan, found)


def _review_post(request, plan: Plan, found: Review, do, field: str, anchor: str):
    """Do a review action from a form; then back to the page (at ``anchor``), or the page again
    with the problem in an error summary linking to ``field``, and nothing saved."""
    try:
        do()
    except workflow.NotAllowed as exc:
        return _render_review(request, plan, found, 403, {"text": str(exc), "field": field})
    except workflow.NotReady as exc:
        return _render_review(request, plan, found, 422, {"text": str(exc), "field": field})
    return redirect(reverse("review", args=[plan.pk, found.pk]) + "#" + anchor)


@requires(PLAN_REVIEW)
@require_http_methods(["POST"])
def review_mark(request, plan_id: int, review_id: int, item_id: int):
    """Mark a checklist item accepted, challenged (with the question) or not applicable. The
    plan is reached for reading, so that a reader who may not review is told why on the page."""
    plan, found = _review_of(request.user, plan_id, review_id)
    item = found.items.filter(pk=item_id).first()
    if item is None:
        raise Http404("no such item")
    chosen = request.POST.get("mark", "")
    field = f"question-{item.pk}" if chosen == Mark.CHALLENGED else f"mark-{item.pk}"
    return _review_post(request, plan, found,
                        lambda: review.mark(request.user, item, chosen, request.POST.get("question", "")),
                        field, f"item-{item.pk}")


@requires(PLAN_REVIEW)
@require_http_methods(["POST"])
def review_comment(request, plan_id: int, review_id: int):
    """A comment on the plan as a whole, a scheme, an organisation or a year (``about`` is the
    kind and its code, as ``scheme:S1``)."""
    plan, found = _review_of(request.user, plan_id, review_id)
    kind, _, code = request.POST.get("about", "").partition(":")
    text = request.POST.get("text", "")
    field = "comment-text" if not text.strip() else "comment-about"
    return _review_post(request, plan, found, lambda: review.comment(request.user, found, kind, code, text),
                        field, "comments")


@requires(PLAN_REVIEW)
@require_http_methods(["POST"])
def review_rating(request, plan_id: int, review_id: int):
    plan, found = _review_of(request.user, plan_id, review_id)
    return _review_post(request, plan, found,
                        lambda: review.propose_rating(request.user, found, request.POST.get("category", ""),
                                                      request.POST.get("reason", "")),
                        "rating-category", "rating")


@requires(PLAN_EDIT)
@require_http_methods(["POST"])
def review_answer(request, plan_id: int, review_id: int, mark_id: int):
    """The footprint's answer to a challenge, given with its latest revision."""
    plan, found = _review_of(request.user, plan_id, review_id)
    challenge = ReviewMark.objects.filter(pk=mark_id, item__review=found, mark=Mark.CHALLENGED).first()
    if challenge is None:
        raise Http404("no such challenge")
    return _review_post(request, plan, found,
                        lambda: review.answer(request.user, challenge, request.POST.get("text", "")),
                        f"answer-{challenge.pk}", f"item-{challenge.item_id}")
