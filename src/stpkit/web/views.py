"""The pages: sign in and out, "my footprint", the plan page in tabs, revision history,
downloads, the new-revision form, the form that edits a plan's schemes and key assumptions,
the reviews, the assurance cycle's moves, the centre's dashboard, the audit trail, for
administrators the users and their memberships, and the public pages of published plans. Every
one declares its permission, and reaches a plan only through the access path (``plans_for``,
``plan_for``); the public pages read publications alone. The plan page shows the sections of
``stp report``, made by the report's own code from the revision's plan."""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from stpkit.api import PlanRun, to_pdf
from stpkit.domain.enums import RatingCategory
from stpkit.domain.formatting import gbp000, money, money_m, pct, plain_number, share_pct
from stpkit.inputs.located import InputError, LocatedProblem
from stpkit.outputs.report.charts import fan_chart
from stpkit.outputs.report.html import figure, section
from stpkit.outputs.report.public import date_words
from stpkit.outputs.results import to_csv
from stpkit.reference.parameters import load_parameters
from stpkit.web import centre, edit, publication, results, review, trail, transitions, users, workflow
from stpkit.web.access import (
    CENTRE_VIEW,
    PLAN_ACT,
    PLAN_EDIT,
    PLAN_READ,
    PLAN_REVIEW,
    PUBLIC,
    SIGNED_IN,
    USERS_MANAGE,
    footprints_for,
    may,
    plan_for,
    plans_for,
    requires,
    reviews_anything,
    reviews_nationally,
)
from stpkit.web.compare import YearsDiffer, compare_revisions
from stpkit.web.models import (
    Anchor,
    ChallengeAnswer,
    Job,
    Mark,
    NationalResult,
    Plan,
    PlanState,
    Review,
    ReviewMark,
    Revision,
    Round,
    StoredResult,
)
from stpkit.web.revisions import StaleVersion, new_revision, read_upload, revision_plan

#: The plan page's tabs, in order: (key of the report's part, tab label).
TABS = (
    ("summary", "Summary"),
    ("bridge", "Bridge"),
    ("risk", "Risk"),
    ("schemes", "Schemes"),
    ("beds", "Beds"),
    ("ae", "A&E"),
    ("workforce", "Workforce"),
    ("capital", "Capital"),
    ("findings", "Findings"),
    ("gaps", "Three gaps"),
)
#: Risk runs the plan page asks the worker for: as many as ``stp report`` does by default.
PAGE_RUNS, PAGE_SEED = 2000, 20170101
#: While its risk runs are queued or running the plan page can reload itself this often (a meta
#: refresh: no script). Only when the reader asks (``?refresh=on``: queuing the runs asks), since a
#: page that reloads on its own fails WCAG 2.2.1 unless the reader can turn it off beforehand.
REFRESH_SECONDS = 5
#: Each reload goes to the other of these: a refresh to the page's own address with its #risk
#: would only move to the fragment, not load the page again.
REFRESH_NEXT = {"on": "again", "again": "on"}
#: What each download is: (file name suffix, content type).
DOWNLOADS = {
    "yaml": (".yaml", "application/yaml"),
    "workbook": ("-submission.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "results": ("-results.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": ("-report.pdf", "application/pdf"),
}

sign_in = requires(PUBLIC)(auth_views.LoginView.as_view(template_name="stpkit/sign_in.html"))
_log_out = auth_views.LogoutView.as_view()


@requires(SIGNED_IN)
@require_http_methods(["GET", "POST"])
def sign_out(request):
    """A page with the sign-out button (a link cannot sign out: that needs a POST with the CSRF token)."""
    if request.method == "POST":
        return _log_out(request)
    return render(request, "stpkit/sign_out.html")


def _latest(plan: Plan) -> Revision | None:
    return Revision.objects.filter(plan=plan, number=plan.version).select_related("author").first()


def _stored_risk(revision: Revision) -> StoredResult | None:
    """The revision's stored results with the most risk runs, if any have been worked out."""
    return (
        StoredResult.objects.filter(revision=revision, parameter_version=results.parameter_version(), runs__gt=0)
        .order_by("-runs", "-pk")
        .first()
    )


@requires(SIGNED_IN)
def my_footprint(request):
    """Every plan the user may read, with its latest revision's stored figures."""
    rows = []
    for plan in plans_for(request.user):
        latest = _latest(plan)
        row = {"plan": plan, "revision": latest}
        stored = results.stored(latest, results.CENTRAL_RUNS, results.CENTRAL_SEED) if latest else None
        if stored is not None:
            consolidated = stored.results["consolidated"]
            row |= {
                "do_nothing": money_m(consolidated["do_nothing_gbp000"][-1]),
                "with_plan": money_m(consolidated["with_plan_gbp000"][-1]),
                "rating": stored.assessment["rating"]["category"].replace("_", " "),
                "errors": stored.assessment["summary"]["errors"],
            }
        risk = _stored_risk(latest) if latest else None
        if risk is not None:
            row["chance"] = f"{100 * risk.results['risk']['probability_of_balance'][-1]:.0f}%"
        rows.append(row)
    latest_reviews = review.latest_reviews(row["plan"] for row in rows)
    challenges = review.open_challenge_counts(latest_reviews.values())
    for row in rows:
        found = latest_reviews.get(row["plan"].pk)
        row["challenges"] = challenges[found.pk] if found else 0
    memberships = request.user.memberships.select_related("footprint")
    return render(request, "stpkit/my_footprint.html", {"rows": rows, "memberships": memberships,
                                                        "reviews": reviews_anything(request.user)})


def _revision(plan: Plan, number: int | None) -> Revision:
    revision = _latest(plan) if number is None else plan.revisions.filter(number=number).first()
    if revision is None:
        raise Http404("no such revision")
    return revision


#: Revisions whose plan page sections a process keeps: every footprint's latest few. The sections of
#: a revision are 25-50 kB of HTML, so this is at most about 25 MB; 64 was fewer than the 44
#: footprints' latest two revisions, and a reviewer going through them all found none kept.
KEPT_PARTS = 512


@lru_cache(maxsize=KEPT_PARTS)
def _parts(revision_pk: int, sha256: str, parameter_version: str) -> dict[str, str]:
    """The report's sections for a revision (central case): a revision never changes, so the
    sections of one (revision, content, parameters) are kept and reused."""
    revision = Revision.objects.get(pk=revision_pk)
    return PlanRun.from_plan(revision_plan(revision)).report_parts(runs=0)


def _risk_part(revision: Revision) -> tuple[str, StoredResult | None]:
    """The risk tab: the stored risk runs' fan chart (the report's chart), or nothing yet."""
    stored = _stored_risk(revision)
    if stored is None:
        return "", None
    risk, years = stored.results["risk"], stored.results["years"]
    spread = risk["with_plan"]
    fan = fan_chart("risk", years, risk["central_gbp000"], spread["p10_gbp000"], spread["p50_gbp000"],
                    spread["p90_gbp000"], risk["runs"])
    return section("Risk: how likely the plan is to hold", figure(fan)), stored


@requires(PLAN_READ)
def plan_page(request, plan_id: int, number: int | None = None):
    plan = plan_for(request.user, plan_id)
    revision = _revision(plan, number)
    results.central(revision)  # the figures on "my footprint" come from here
    parts = dict(_parts(revision.pk, revision.sha256, results.parameter_version()))
    parts["risk"], risk = _risk_part(revision)
    job = None
    if risk is None:
        job = Job.objects.filter(revision=revision, runs=PAGE_RUNS, seed=PAGE_SEED).order_by("-pk").first()
    pending = job is not None and job.state in (Job.State.QUEUED, Job.State.RUNNING)
    tabs = [{"key": key, "label": label, "html": parts.get(key, "")} for key, label in TABS]
    return render(request, "stpkit/plan.html", {
        "plan": plan, "revision": revision, "tabs": tabs, "risk": risk, "job": job,
        "percent_done": int(100 * job.progress) if job else 0,
        "refresh_next": REFRESH_NEXT.get(request.GET.get("refresh", "")) if pending else None,
        "refresh_seconds": REFRESH_SECONDS,
        "latest": revision.number == plan.version, "runs": PAGE_RUNS,
        "may_edit": may(request.user, plan, PLAN_EDIT), "moves": _moves(request.user, plan),
        "review": workflow.open_review(plan),
    })


def _moves(user, plan: Plan) -> list[transitions.Move]:
    """The moves of the assurance cycle ``user`` may make on ``plan`` as it stands."""
    return [m for m in transitions.moves_from(plan.state) if may(user, plan, m.action)]


@requires(PLAN_ACT)
@require_http_methods(["POST"])
def plan_act(request, plan_id: int):
    """Make a move of the assurance cycle (submit, open the review, return, agree, publish ...).
    The form names the step its page showed: if the plan has moved since, nothing is done and
    the page says what happened meanwhile."""
    plan = plan_for(request.user, plan_id)
    action = request.POST.get("action", "")
    try:
        step = int(request.POST.get("step", ""))
    except ValueError:
        step = -1
    context = {"plan": plan, "action": transitions.LABELS.get(action, action)}
    try:
        done = workflow.act(request.user, plan, action, step, request.POST.get("reason", ""))
    except workflow.Conflict as exc:
        return render(request, "stpkit/act_refused.html", context | {"problem": str(exc)}, status=409)
    except workflow.NotReady as exc:
        return render(request, "stpkit/act_refused.html", context | {"problem": str(exc)}, status=422)
    return redirect(reverse("plan", args=[plan.pk]) + f"?moved={done.step}")


@requires(PLAN_READ)
@require_http_methods(["POST"])
def plan_risk(request, plan_id: int, number: int):
    """Queue the risk runs of a revision for the worker (or find them queued or done)."""
    revision = _revision(plan_for(request.user, plan_id), number)
    results.with_risk(revision, PAGE_RUNS, PAGE_SEED)
    # The reader who asked for the runs watches them: the page reloads itself until they are done.
    return redirect(reverse("plan-revision", args=[plan_id, number]) + "?refresh=on#risk")


@requires(PLAN_READ)
def history(request, plan_id: int):
    plan = plan_for(request.user, plan_id)
    revisions = plan.revisions.select_related("author").order_by("-number")
    return render(request, "stpkit/history.html", {"plan": plan, "revisions": revisions,
                                                   "saved": request.GET.get("saved")})


def _label(path: str) -> str:
    """A plan document's field path as a reader says it: ``phasing_pct.2017/18`` -> "Phasing (%):
    2017/18", ``baseline.allocation_gbp000`` -> "Baseline: allocation (£000)"."""
    parts = []
    for part in path.split("."):
        for suffix, unit in (("_pct", " (%)"), ("_gbp000", " (£000)")):
            if part.endswith(suffix):
                part = part[: -len(suffix)] + unit
        parts.append(part.replace("_", " "))
    return ": ".join(parts)[:1].upper() + ": ".join(parts)[1:]


def _value(value) -> str:
    """A field's value in a table: "not set" where the revision has none."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return plain_number(value)
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value) or "none"
    return str(value)


def _signed(text: str, value: float) -> str:
    """A difference as text with its sign: a rise gets a plus (a fall already has its minus)."""
    return "+" + text if text not in ("0", "£0.0m") and value > 0 else text


def _revision_number(request, name: str, default: int) -> int:
    raw = request.GET.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise Http404(f"no such revision: {name}") from None


@requires(PLAN_READ)
def compare_page(request, plan_id: int):
    """Two revisions side by side: what changed in the inputs and what that did to the results.
    Without ``from`` and ``to``, the latest revision against the one before it."""
    plan = plan_for(request.user, plan_id)
    numbers = list(plan.revisions.order_by("-number").values_list("number", flat=True))
    to_number = _revision_number(request, "to", plan.version)
    from_number = _revision_number(request, "from", to_number - 1)
    context = {"plan": plan, "numbers": numbers, "from_number": from_number, "to_number": to_number,
               "comparison": None, "problem": ""}
    if len(numbers) < 2 and not request.GET:
        return render(request, "stpkit/compare.html", context)
    old, new = _revision(plan, from_number), _revision(plan, to_number)
    try:
        comparison = compare_revisions(old, new)
    except YearsDiffer as exc:
        context["problem"] = str(exc)
        return render(request, "stpkit/compare.html", context, status=422)
    context |= {"comparison": comparison, "old": old, "new": new, "label": _label, "value": _value,
                "gbp000": gbp000, "money_m": money_m, "share": share_pct, "signed": _signed}
    return render(request, "stpkit/compare.html", context)


@requires(PLAN_READ)
def download(request, plan_id: int, number: int, kind: str):
    """The revision as a plan file, a submission workbook, a results workbook or the PDF report."""
    if kind not in DOWNLOADS:
        raise Http404("no such download")
    plan = plan_for(request.user, plan_id)
    revision = _revision(plan, number)
    run = PlanRun.from_plan(revision_plan(revision))
    if kind == "yaml":
        content: bytes = run.plan_yaml().encode("utf-8")
    elif kind == "workbook":
        content = run.submission_workbook()
    elif kind == "results":
        content = run.results_workbook()
    else:
        content = to_pdf(run.report_html(runs=0))
    suffix, content_type = DOWNLOADS[kind]
    response = HttpResponse(content, content_type=content_type)
    filename = f"{plan.footprint_id}-revision-{revision.number}{suffix}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _kept_upload(request) -> tuple[bytes, str] | None:
    """The file of the form: just chosen, or kept from a save that was refused as stale."""
    chosen = request.FILES.get("plan_file")
    if chosen is not None:
        return chosen.read(), chosen.name
    kept, name = request.POST.get("kept", ""), request.POST.get("kept_name", "")
    if kept and name:
        try:
            return base64.b64decode(kept, validate=True), name
        except binascii.Error:
            return None
    return None


def _keepable(content: bytes) -> str:
    """The upload as text for a hidden field, when it fits in a form's body; else empty (the user
    chooses the file again)."""
    encoded = base64.b64encode(content).decode("ascii")
    return encoded if len(encoded) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 64_000 else ""


def _posted_number(request, name: str) -> int:
    """A revision number the form sends back (-1, a revision that never exists, if it is not one)."""
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        return -1


@requires(PLAN_EDIT)
@require_http_methods(["GET", "POST"])
def new_revision_page(request, plan_id: int):
    """Upload a plan file or a submission workbook as the next revision. A bad upload shows every
    problem and saves nothing; a save over someone else's is refused, keeping the user's input."""
    plan = plan_for(request.user, plan_id, PLAN_EDIT)
    context = {"plan": plan, "base_version": plan.version, "message": "", "problems": [], "stale": None}
    if request.method == "GET":
        return render(request, "stpkit/new_revision.html", context)
    message = request.POST.get("message", "").strip()
    base_version = _posted_number(request, "base_version")
    context |= {"message": message, "base_version": base_version}
    upload = _kept_upload(request)
    if upload is None:
        context["problems"] = ["Choose a plan file (YAML or JSON) or a submission workbook (.xlsx)"]
        return render(request, "stpkit/new_revision.html", context, status=422)
    content, name = upload
    try:
        revision = new_revision(request.user, plan, content, base_version, message, name=name)
    except InputError as exc:
        context["problems"] = [str(p) for p in exc.problems]
        return render(request, "stpkit/new_revision.html", context, status=422)
    except StaleVersion as exc:
        meanwhile = plan.revisions.filter(number__gt=base_version).select_related("author").order_by("number")
        context |= {
            "stale": exc, "meanwhile": meanwhile, "kept": _keepable(content), "kept_name": name,
            "base_version": exc.current_version,
        }
        return render(request, "stpkit/new_revision.html", context, status=409)
    results.central(revision)
    return redirect(reverse("history", args=[plan.pk]) + f"?saved={revision.number}")


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


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%d %B %Y %H:%M}"


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
        {"review": r, "opened": _when(r.opened), "outcome": outcomes.get(r.pk, "in progress")}
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
        "when": _when, "problem": problem, "posted": request.POST if problem else {},
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


def _when(moment) -> str:
    """A time as the pages show it, in the service's time zone; "never" for none."""
    return timezone.localtime(moment).strftime("%d %B %Y %H:%M") if moment else "never"


#: What the user page says after a change: the ``done`` of its address, to the message.
USER_CHANGES = {
    "membership_added": "Membership added",
    "membership_removed": "Membership removed",
    "user_deactivated": "Account deactivated: it can no longer sign in",
    "user_reactivated": "Account reactivated: it can sign in again",
}


def _with_password(request, user, password: str, made: bool):
    """The page that shows a one-time password, once: never cached, and never kept by the service."""
    response = render(request, "stpkit/user_password.html", {"person": user, "password": password, "made": made})
    add_never_cache_headers(response)
    return response


@requires(USERS_MANAGE)
@require_http_methods(["GET"])
def users_page(request):
    """Every account with its memberships, active or not, and its last sign-in."""
    accounts = get_user_model().objects.order_by("username").prefetch_related("memberships__footprint")
    return render(request, "stpkit/users.html", {"accounts": accounts, "when": _when})


@requires(USERS_MANAGE)
@require_http_methods(["GET", "POST"])
def new_user_page(request):
    """Make an account with its first membership; its one-time password is shown once. A form
    with problems saves nothing and comes back with every problem."""
    form = users.NewUserForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account, password = users.create_user(request.user, form)
        except IntegrityError:
            username = form.cleaned_data["username"]
            if not get_user_model().objects.filter(username__iexact=username).exists():
                raise
            # The same user name, made by someone else since the form was checked.
            form.add_error("username", f"The user name {username} is taken: choose another")
        else:
            return _with_password(request, account, password, made=True)
    status = 422 if form.is_bound else 200
    return render(request, "stpkit/user_new.html", {"form": form}, status=status)


@requires(USERS_MANAGE)
@require_http_methods(["GET", "POST"])
def user_page(request, user_id: int):
    """One account: its memberships, added and removed; deactivated or reactivated; a new
    one-time password. Each change is a form's POST (with the CSRF token) naming its ``action``."""
    account = get_object_or_404(get_user_model(), pk=user_id)
    form, refused, status = users.MembershipForm(), "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add_membership":
                form = users.MembershipForm(request.POST)
                if form.is_valid():
                    users.add_membership(request.user, account, form)
                    return redirect(reverse("user", args=[account.pk]) + "?done=membership_added")
                status = 422
            elif action == "remove_membership":
                users.remove_membership(request.user, account, _number(request.POST.get("membership", "")))
                return redirect(reverse("user", args=[account.pk]) + "?done=membership_removed")
            elif action in ("deactivate", "reactivate"):
                users.set_active(request.user, account, action == "reactivate")
                return redirect(reverse("user", args=[account.pk]) + f"?done=user_{action}d")
            elif action == "reset_password":
                return _with_password(request, account, users.reset_password(request.user, account, request), False)
            else:
                refused, status = "Choose one of the page's buttons", 400
        except users.Refused as exc:
            refused, status = str(exc), 409
    memberships = account.memberships.select_related("footprint").order_by("role", "footprint", "region")
    return render(request, "stpkit/user.html", {
        "person": account, "memberships": memberships, "form": form, "refused": refused, "when": _when,
        "done": USER_CHANGES.get(request.GET.get("done", ""), ""), "myself": account.pk == request.user.pk,
    }, status=status)


def _number(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 0  # no membership has it: "already removed"
@requires(PLAN_EDIT)
@require_http_methods(["GET", "POST"])
def edit_revision_page(request, plan_id: int):
    """The latest revision's schemes and key assumptions in a form; saving makes the next
    revision through the same checks as an upload. A plan with problems is shown again with each
    problem at its field and nothing saved; a save over someone else's is refused, keeping what
    was typed (``started_from`` is the revision the typing began from, so only the fields the
    user changed are put onto a later revision)."""
    plan = plan_for(request.user, plan_id, PLAN_EDIT)
    params = load_parameters()
    latest = _revision(plan, None)
    form = edit.layout(latest.document, params)
    context = {"plan": plan, "form": form, "base_version": latest.number, "started_from": latest.number,
               "message": "", "problems": [], "errors": {}, "stale": None, "conflicts": {}, "may_edit": True,
               "values": edit.values(latest.document, form, params)}
    if request.method == "GET":
        return render(request, "stpkit/edit_revision.html", context)
    message = request.POST.get("message", "").strip()
    base_version, started_from = _posted_number(request, "base_version"), _posted_number(request, "started_from")
    shown = plan.revisions.filter(number=base_version).first()  # the revision the form was made from
    started = plan.revisions.filter(number=started_from).first()
    if shown is None or started is None:
        raise Http404("no such revision")
    shown_form = edit.layout(shown.document, params)
    typed = {name: request.POST.get(name, "") for name in shown_form.fields}
    changed = edit.changes(typed, shown_form, started.document, params)
    context |= {"message": message, "started_from": started_from}
    if base_version != plan.version:
        return _stale_edit(request, context, plan, latest, started, changed, base_version, params)
    context |= {"base_version": base_version, "values": typed}
    document, missing = edit.apply(latest.document, changed, form)
    problems = [LocatedProblem("form", None, "schemes", f"scheme {scheme_id} is no longer in the plan")
                for scheme_id in missing]
    if not changed:
        problems.append(LocatedProblem("form", None, "", "nothing was changed: change a value, then save"))
    run = None
    if not problems:
        try:
            run = read_upload(json.dumps(document), "form.json")
        except InputError as exc:
            problems = exc.problems
    if run is None:
        placed = edit.place(problems, form)
        context |= {"problems": placed, "errors": edit.errors_by_field(placed)}
        return render(request, "stpkit/edit_revision.html", context, status=422)
    try:
        revision = new_revision(request.user, plan, run, base_version, message, name="form.json")
    except StaleVersion:
        plan.refresh_from_db()
        latest = _revision(plan, None)
        return _stale_edit(request, context, plan, latest, started, changed, base_version, params)
    results.central(revision)
    return redirect(reverse("history", args=[plan.pk]) + f"?saved={revision.number}")


def _stale_edit(request, context, plan: Plan, latest: Revision, started: Revision, changed, base_version: int,
                params):
    """The form again (409) on the latest revision, with the user's changes typed in, the
    revisions saved meanwhile listed, and the fields both changed pointed out."""
    form = edit.layout(latest.document, params)
    shown = edit.values(latest.document, form, params)
    conflicts = {}
    for name, f in form.fields.items():
        if f.key in changed:
            shown[name] = changed[f.key]
            now = edit.text_at(latest.document, f.key, params)
            if now != edit.text_at(started.document, f.key, params):
                conflicts[name] = now
    _, lost = edit.apply(latest.document, changed, form)  # schemes removed meanwhile
    meanwhile = plan.revisions.filter(number__gt=base_version).select_related("author").order_by("number")
    context |= {"form": form, "values": shown, "conflicts": conflicts, "meanwhile": meanwhile, "lost": lost,
                "stale": StaleVersion(plan, base_version), "base_version": latest.number}
    return render(request, "stpkit/edit_revision.html", context, status=409)



def _dashboard(request) -> dict:
    """The centre's dashboard as the query asks for it: ``region``, ``round`` (an id; else the
    current round), ``sort`` (a key of ``centre.COLUMNS``) and ``order``."""
    regions = sorted(set(footprints_for(request.user).values_list("region", flat=True)))
    region = request.GET.get("region", "")
    region = region if region in regions else ""
    sort = request.GET.get("sort", "footprint")
    sort = sort if sort in centre.COLUMNS else "footprint"
    order = request.GET.get("order", "ascending")
    order = order if order in centre.ORDERS else "ascending"
    rounds = list(Round.objects.order_by("-opens", "-pk"))
    chosen = request.GET.get("round", "")
    round_ = next((r for r in rounds if str(r.pk) == chosen), None) if chosen else workflow.current_round()
    rows = centre.sort_rows(centre.rows_for(request.user, region, round_), sort, order)
    return {"rows": rows, "regions": regions, "region": region, "sort": sort, "order": order, "rounds": rounds,
            "round": round_, "today": timezone.localdate()}


def _national(request, shown: dict) -> dict:
    """The national total of the revisions that count (every footprint), for a national reviewer."""
    if not shown["may_make_rounds"]:
        return {}
    # Every footprint counts, whatever the region shown: unfiltered, the rows shown are all of them.
    rows = centre.rows_for(request.user) if shown["region"] else shown["rows"]
    revisions = centre.national_revisions(rows)
    stored = centre.stored_national(revisions)
    return {"national": stored, "national_job": None if stored else centre.national_job(revisions),
            "national_revisions": len(revisions), "national_runs": centre.NATIONAL_RUNS}


def _query(context: dict, **changes) -> str:
    """The dashboard's query string, with ``changes``."""
    from urllib.parse import urlencode

    query = {"region": context["region"], "round": context["round"].pk if context["round"] else "",
             "sort": context["sort"], "order": context["order"]} | changes
    return urlencode({k: v for k, v in query.items() if v not in ("", None)})


def _headers(context: dict) -> list[dict]:
    """Each sortable column's header: its label, the link that sorts by it (the other way when
    it is the column sorted), and its aria-sort."""
    headers = []
    for key, (label, _) in centre.COLUMNS.items():
        if key == "round" and context["round"] is None:
            continue
        sorted_here = key == context["sort"]
        order = ("descending" if context["order"] == "ascending" else "ascending") if sorted_here else "ascending"
        headers.append({"key": key, "label": label, "href": "?" + _query(context, sort=key, order=order),
                        "aria_sort": context["order"] if sorted_here else None})
    return headers


@requires(CENTRE_VIEW)
def centre_page(request):
    """The centre's dashboard: the footprints the reviewer reaches, sortable and filtered by region."""
    context = _dashboard(request)
    context |= {"headers": _headers(context), "money_m": money_m, "query": _query(context),
                "may_make_rounds": reviews_nationally(request.user)}
    context |= _national(request, context)
    return render(request, "stpkit/centre.html", context)


@requires(CENTRE_VIEW)
def centre_export(request, kind: str):
    """The dashboard's rows, with the page's filter and sort, as CSV or an Excel workbook (£000)."""
    context = _dashboard(request)
    title = "The centre's dashboard" + (f": {context['region']}" if context["region"] else "") + (
        f", round {context['round'].name}" if context["round"] else "")
    if kind == "csv":
        response = HttpResponse(centre.export_csv(context["rows"]), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(centre.export_xlsx(context["rows"], title), content_type=DOWNLOADS["results"][1])
    response["Content-Disposition"] = f'attachment; filename="centre-dashboard.{kind}"'
    return response


def _national_reviewer(request) -> None:
    if not reviews_nationally(request.user):
        raise PermissionDenied("only a national reviewer does this")


@requires(CENTRE_VIEW)
@require_http_methods(["GET", "POST"])
def rounds_page(request):
    """The submission rounds; a national reviewer makes a new one (name, opens, due)."""
    context = {"rounds": Round.objects.order_by("-opens", "-pk"), "problems": {}, "values": {},
               "may_make_rounds": reviews_nationally(request.user)}
    if request.method == "GET":
        return render(request, "stpkit/rounds.html", context)
    _national_reviewer(request)
    values = {k: request.POST.get(k, "") for k in ("name", "opens", "due")}
    try:
        made = centre.make_round(request.user, **values)
    except centre.RoundProblems as exc:
        context |= {"problems": exc.problems, "values": values}
        return render(request, "stpkit/rounds.html", context, status=422)
    return redirect(reverse("centre") + f"?round={made.pk}")


@requires(CENTRE_VIEW)
@require_http_methods(["POST"])
def centre_national(request):
    """Queue the national total of the revisions that count, for the worker."""
    _national_reviewer(request)
    centre.queue_national(centre.national_revisions(centre.rows_for(request.user)))
    return redirect(reverse("centre") + "#national")


@requires(CENTRE_VIEW)
def national_map(request, result_id: int):
    """A stored national total's map of England, as an image (the pages allow no inline script)."""
    _national_reviewer(request)
    found = NationalResult.objects.filter(pk=result_id).only("map_svg").first()
    if found is None:
        raise Http404("no such national total")
    return HttpResponse(found.map_svg, content_type="image/svg+xml")



@requires(PLAN_READ)
def audit_page(request, plan_id: int):
    """The plan's audit trail: everything done to it, in time order, with who and when."""
    plan = plan_for(request.user, plan_id)
    return render(request, "stpkit/audit.html", {"plan": plan, "events": trail.audit_trail(plan),
                                                 "when_text": trail.when_text})


@requires(PLAN_READ)
def audit_csv(request, plan_id: int):
    """The audit trail as CSV: the page's rows."""
    plan = plan_for(request.user, plan_id)
    response = HttpResponse(to_csv(trail.trail_table(trail.audit_trail(plan))), content_type=publication.CSV)
    response["Content-Disposition"] = f'attachment; filename="{plan.footprint_id}-plan-{plan.pk}-audit.csv"'
    return response


def _day(when) -> str:
    """The day of ``when`` written out (21 October 2016), in the service's time zone."""
    return date_words(timezone.localtime(when).date())


@requires(PUBLIC)
def published_plans(request):
    """Every footprint with a published plan, by region."""
    return render(request, "stpkit/published_plans.html", {"regions": publication.published_footprints(),
                                                           "date_words": _day})


@requires(PUBLIC)
def published_plan(request, code: str, number: int | None = None):
    """A publication of a footprint's plan (its latest without a number), as it was published."""
    found, versions = publication.find_publication(code, number)
    open_data = sorted(found.open_data)
    return render(request, "stpkit/published_plan.html", {
        "publication": found, "versions": versions, "latest": versions[-1], "open_data": open_data,
        "published_on": _day(found.when), "date_words": _day,
    })


@requires(PUBLIC)
def published_file(request, code: str, number: int, name: str):
    """A file of a publication, byte for byte as it was stored when published."""
    found, _ = publication.find_publication(code, number)
    content, content_type = publication.published_file(found, name)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{code}-plan-v{number}-{name}"'
    return response
