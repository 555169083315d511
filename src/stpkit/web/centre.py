"""The centre's dashboard: one row per footprint a reviewer reaches, with its plan's place in the
assurance cycle, the figures of the revision that counts (the latest agreed, else the latest
submitted), each footprint's submission in a round, and the national total of those revisions
against the national challenge (worked out by the worker, as ``stp national --runs``).

The rows are read in a fixed number of queries, whatever the number of footprints: the stored
results' few figures are picked out of their JSON by the database, not loaded whole."""

from __future__ import annotations

import hashlib
import io
import json
import time
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from stpkit.api import NationalRun, PlanRun, footprint_count
from stpkit.domain.enums import RatingCategory
from stpkit.national.rollup import national_challenge
from stpkit.outputs.json_text import json_text
from stpkit.web import results, review, transitions
from stpkit.web.access import footprints_for, plans_for
from stpkit.web.models import (
    Job,
    NationalResult,
    Plan,
    PlanState,
    RatingProposal,
    Review,
    Revision,
    Round,
    StoredResult,
    Transition,
)
from stpkit.web.revisions import revision_plan

#: The national total's risk runs and seed: as many as the plan page asks for (``stp report``'s default).
NATIONAL_RUNS, NATIONAL_SEED = 2000, 20170101
#: Round status, in the order the column sorts.
ON_TIME, LATE, MISSING, OVERDUE = "on time", "late", "missing", "overdue"
_ROUND_ORDER = {ON_TIME: 0, LATE: 1, MISSING: 2, OVERDUE: 3}
_RATING_ORDER = {c.value: k for k, c in enumerate(RatingCategory)}
_STATE_ORDER = {s.value: k for k, s in enumerate(PlanState)}


@dataclass
class Row:
    """One footprint on the dashboard. Money in £000, the final year of the shown revision."""

    code: str
    footprint: str
    region: str
    plan_id: int | None = None
    plan_title: str = ""
    state: str = ""  # PlanState value; empty when the footprint has no plan
    revision: int | None = None  # the number of the revision whose figures are shown
    revision_is: str = ""  # "agreed", "submitted" or "latest draft"
    days_since_submission: int | None = None
    reviewer: str = ""
    open_challenges: int | None = None  # None: no review yet
    rating: str = ""  # RatingCategory value
    rating_from: str = ""  # "reviewer" (the standing proposal) or "stpkit" (worked out)
    year: str = ""
    do_nothing_gbp000: float | None = None
    with_plan_gbp000: float | None = None
    chance: float | None = None  # of balance in the final year, 0 to 1, from stored risk runs
    chance_runs: int | None = None
    errors: int | None = None
    submission: str = ""  # in the chosen round: ON_TIME, LATE, MISSING or OVERDUE
    days_late: int | None = None
    reviewed_in_round: int | None = None  # the number of the revision reviewed in the chosen round
    revision_id: int | None = field(default=None, repr=False)
    national_revision_id: int | None = field(default=None, repr=False)  # agreed or submitted only

    @property
    def state_label(self) -> str:
        return PlanState(self.state).label if self.state else "no plan"

    @property
    def rating_label(self) -> str:
        return self.rating.replace("_", " ")


#: The columns that sort: the query's name, the label, and how a row sorts by it (None last).
COLUMNS = {
    "footprint": ("Footprint", lambda r: r.footprint),
    "region": ("Region", lambda r: r.region),
    "state": ("State", lambda r: _STATE_ORDER.get(r.state)),
    "days": ("Days since submission", lambda r: r.days_since_submission),
    "reviewer": ("Reviewer", lambda r: r.reviewer or None),
    "challenges": ("Open challenges", lambda r: r.open_challenges),
    "rating": ("Rating", lambda r: _RATING_ORDER.get(r.rating)),
    "do_nothing": ("Do-nothing gap", lambda r: r.do_nothing_gbp000),
    "with_plan": ("With the plan", lambda r: r.with_plan_gbp000),
    "chance": ("Chance of balance", lambda r: r.chance),
    "errors": ("Serious findings", lambda r: r.errors),
    "round": ("In the round", lambda r: (_ROUND_ORDER[r.submission], -(r.days_late or 0)) if r.submission else None),
}
ORDERS = ("ascending", "descending")


def sort_rows(rows: list[Row], column: str, order: str) -> list[Row]:
    """``rows`` by ``column`` (a key of COLUMNS), rows without a value last in either order, ties
    by footprint name."""
    key = COLUMNS.get(column, COLUMNS["footprint"])[1]
    rows = sorted(rows, key=lambda r: r.footprint)
    valued = [r for r in rows if key(r) is not None]
    return sorted(valued, key=key, reverse=order == "descending") + [r for r in rows if key(r) is None]


def rows_for(user, region: str = "", round_: Round | None = None, today: date | None = None) -> list[Row]:
    """The dashboard's rows for ``user`` (a reviewer), in footprint order."""
    today = today or timezone.localdate()
    footprints = footprints_for(user).order_by("name")
    if region:
        footprints = footprints.filter(region=region)
    plans = _plan_of_each(plans_for(user).filter(footprint__in=footprints))
    moves = _submissions_and_agreements(plans.values())
    latest_drafts = dict(Revision.objects.filter(plan__in=plans.values(), number=F("plan__version"))
                         .values_list("plan_id", "pk"))
    rows = []
    for fp in footprints:
        row = Row(fp.code, fp.name, fp.region)
        plan = plans.get(fp.code)
        if plan is not None:
            row.plan_id, row.plan_title, row.state = plan.pk, plan.title, plan.state
            agreed, submitted = moves[plan.pk]["agree"], moves[plan.pk]["submit"]
            if agreed or submitted:
                row.national_revision_id = (agreed or submitted).revision_id
                row.revision_id, row.revision_is = row.national_revision_id, "agreed" if agreed else "submitted"
            elif plan.pk in latest_drafts:
                row.revision_id, row.revision_is = latest_drafts[plan.pk], "latest draft"
            if submitted:
                row.days_since_submission = (today - timezone.localdate(submitted.when)).days
        rows.append(row)
    _add_figures(rows)
    _add_reviews(rows, plans.values())
    if round_ is not None:
        _add_round(rows, round_, today)
    return rows


def _plan_of_each(plans) -> dict[str, Plan]:
    """Each footprint's plan: the one submitted most recently, else the newest (a footprint
    rarely has more than one)."""
    plans = list(plans)
    last_submitted = dict(Transition.objects.filter(plan__in=plans, action=transitions.SUBMIT)
                          .order_by("when", "pk").values_list("plan_id", "when"))
    chosen: dict[str, Plan] = {}
    for plan in sorted(plans, key=lambda p: (p.pk in last_submitted, last_submitted.get(p.pk) or p.created, p.pk)):
        chosen[plan.footprint_id] = plan  # the last one sorted wins
    return chosen


def _submissions_and_agreements(plans) -> dict[int, dict[str, Transition | None]]:
    """Each plan's latest submission and latest agreement (None where there is none)."""
    latest = {p.pk: {"submit": None, "agree": None} for p in plans}
    for t in Transition.objects.filter(plan__in=list(plans), action__in=[transitions.SUBMIT, transitions.AGREE]) \
            .order_by("step").only("plan_id", "action", "revision_id", "when", "round_id"):
        latest[t.plan_id][t.action] = t
    return latest


def _add_figures(rows: list[Row]) -> None:
    """The shown revisions' stored central figures and their stored risk runs with the most runs."""
    ids = [r.revision_id for r in rows if r.revision_id]
    numbers = dict(Revision.objects.filter(pk__in=ids).values_list("pk", "number"))
    central = {
        found["revision_id"]: found
        for found in StoredResult.objects.filter(
            revision__in=ids, parameter_version=results.parameter_version(), runs=results.CENTRAL_RUNS,
            seed=results.CENTRAL_SEED,
        ).values("revision_id", "results__years", "results__consolidated__do_nothing_gbp000",
                 "results__consolidated__with_plan_gbp000", "assessment__rating__category",
                 "assessment__summary__errors")
    }
    risk = {}
    for found in StoredResult.objects.filter(revision__in=ids, parameter_version=results.parameter_version(),
                                             runs__gt=0).order_by("runs", "pk") \
            .values("revision_id", "runs", "results__risk__probability_of_balance"):
        risk[found["revision_id"]] = found  # the most runs last
    for row in rows:
        row.revision = numbers.get(row.revision_id)
        stored = central.get(row.revision_id)
        if stored is not None:
            row.year = stored["results__years"][-1]
            row.do_nothing_gbp000 = stored["results__consolidated__do_nothing_gbp000"][-1]
            row.with_plan_gbp000 = stored["results__consolidated__with_plan_gbp000"][-1]
            row.rating, row.rating_from = stored["assessment__rating__category"], "stpkit"
            row.errors = stored["assessment__summary__errors"]
        runs = risk.get(row.revision_id)
        if runs is not None:
            row.chance, row.chance_runs = runs["results__risk__probability_of_balance"][-1], runs["runs"]


def _add_reviews(rows: list[Row], plans) -> None:
    """Each plan's latest review: who opened it, its open challenges, the reviewer's standing rating."""
    latest = review.latest_reviews(plans)
    challenges = review.open_challenge_counts(latest.values())
    proposed = dict(RatingProposal.objects.filter(review__in=list(latest.values())).order_by("when", "pk")
                    .values_list("review_id", "category"))
    for row in rows:
        found = latest.get(row.plan_id)
        if found is None:
            continue
        row.reviewer, row.open_challenges = found.opened_by.get_username(), challenges[found.pk]
        if found.pk in proposed:
            row.rating, row.rating_from = proposed[found.pk], "reviewer"


def _add_round(rows: list[Row], round_: Round, today: date) -> None:
    """Each footprint's submission in ``round_``: its first one, on time or late (after the due
    date, by so many days); missing when there is none, overdue once the due date has passed. And
    the revision reviewed in the round (its latest review there)."""
    first: dict[int, Transition] = {}
    for t in Transition.objects.filter(round=round_, action=transitions.SUBMIT).order_by("-when", "-pk") \
            .only("plan_id", "when"):
        first[t.plan_id] = t
    reviewed = dict(Review.objects.filter(round=round_).order_by("opened", "pk")
                    .values_list("plan_id", "revision__number"))
    for row in rows:
        submitted = first.get(row.plan_id)
        if submitted is None:
            row.submission = OVERDUE if today > round_.due else MISSING
            continue
        late = (timezone.localdate(submitted.when) - round_.due).days
        row.submission, row.days_late = (LATE, late) if late > 0 else (ON_TIME, None)
        row.reviewed_in_round = reviewed.get(row.plan_id)


# ------------------------------------------------------------------------------ rounds


class RoundProblems(Exception):
    """The round's form had problems: messages by field."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def make_round(user, name: str, opens: str, due: str) -> Round:
    """A new submission round; RoundProblems names each field that is wrong, and nothing is saved."""
    from stpkit.web import audit

    problems: dict[str, str] = {}
    name = name.strip()
    if not name:
        problems["name"] = "Enter the round's name"
    elif len(name) > 200:
        problems["name"] = "The name must be 200 characters or fewer"
    elif Round.objects.filter(name=name).exists():
        problems["name"] = f"There is already a round called {name!r}"
    dates = {}
    for key, text, label in (("opens", opens, "the date the round opens"), ("due", due, "the due date")):
        try:
            dates[key] = date.fromisoformat(text.strip())
        except ValueError:
            problems[key] = f"Enter {label} as a date, for example 2016-06-30"
    if "opens" in dates and "due" in dates and dates["due"] < dates["opens"]:
        problems["due"] = "The due date must be on or after the date the round opens"
    if problems:
        raise RoundProblems(problems)
    with transaction.atomic():
        made = Round.objects.create(name=name, **dates)
        audit.record(user, "round_created", made, name=name, opens=str(made.opens), due=str(made.due))
    return made


# ------------------------------------------------------------------------------ national total


def national_revisions(rows: list[Row]) -> list[Revision]:
    """The revision of each footprint that counts nationally (its latest agreed, else submitted)."""
    ids = [r.national_revision_id for r in rows if r.national_revision_id]
    return list(Revision.objects.filter(pk__in=ids).defer("document").order_by("pk"))


def national_key(revisions: list[Revision]) -> tuple[str, list[list]]:
    """The key of a national run of ``revisions``: a hash of their sorted [id, sha256] pairs, and the pairs."""
    pairs = sorted([r.pk, r.sha256] for r in revisions)
    return hashlib.sha256(json.dumps(pairs).encode("utf-8")).hexdigest(), pairs


def _runs_seed(runs: int | None, seed: int | None) -> tuple[int, int]:
    return (NATIONAL_RUNS if runs is None else runs), (NATIONAL_SEED if seed is None else seed)


def stored_national(revisions: list[Revision], runs: int | None = None, seed: int | None = None):
    """The stored national total of ``revisions`` (by default with the dashboard's runs and seed)."""
    runs, seed = _runs_seed(runs, seed)
    key, _ = national_key(revisions)
    return NationalResult.objects.filter(key=key, parameter_version=results.parameter_version(), runs=runs,
                                         seed=seed).first()


def national_job(revisions: list[Revision], runs: int | None = None, seed: int | None = None) -> Job | None:
    """The latest job for the national total of ``revisions``, if one was queued."""
    runs, seed = _runs_seed(runs, seed)
    key, _ = national_key(revisions)
    return Job.objects.filter(kind=Job.Kind.NATIONAL, key=key, parameter_version=results.parameter_version(),
                              runs=runs, seed=seed).order_by("-pk").first()


def queue_national(revisions: list[Revision], runs: int | None = None, seed: int | None = None):
    """The stored national total of ``revisions``, or the job (queued now, or already) that will store it."""
    runs, seed = _runs_seed(runs, seed)
    found = stored_national(revisions, runs, seed)
    if found is not None:
        return found
    pending = national_job(revisions, runs, seed)
    if pending is not None and pending.state in (Job.State.QUEUED, Job.State.RUNNING):
        return pending
    key, _ = national_key(revisions)
    return Job.objects.create(kind=Job.Kind.NATIONAL, key=key, revisions=[r.pk for r in revisions],
                              parameter_version=results.parameter_version(), runs=runs, seed=seed)


def compute_national(job: Job) -> NationalResult:
    """Do a national job: every footprint's risk runs with the national draws shared, the given
    revisions' plans where there are some, the illustrative plans elsewhere; stored once."""
    revisions = list(Revision.objects.filter(pk__in=job.revisions).order_by("pk"))
    key, pairs = national_key(revisions)
    found = stored_national(revisions, job.runs, job.seed)
    if found is not None:
        return found
    started = time.perf_counter()
    done, every = 0, footprint_count()

    def progress(advance: int) -> None:
        nonlocal done
        done += advance
        Job.objects.filter(pk=job.pk).update(progress=min(done / every, 0.99))

    run = NationalRun.run([PlanRun.from_plan(revision_plan(r)) for r in revisions], runs=job.runs, seed=job.seed,
                          progress=progress)
    try:
        with transaction.atomic():
            return NationalResult.objects.create(
                key=key, revisions=pairs, parameter_version=results.parameter_version(), runs=job.runs,
                seed=job.seed, document=json.loads(json_text(run.document())),
                challenge_gbp000=national_challenge(run.params, run.result.horizon), map_svg=run.map_svg(),
                seconds=time.perf_counter() - started,
            )
    except IntegrityError:  # another worker stored the same run meanwhile
        return stored_national(revisions, job.runs, job.seed)


# ------------------------------------------------------------------------------ exports

#: The exports' columns: (header, the row's value). Money in £000, unrounded.
EXPORT_COLUMNS = (
    ("Footprint code", lambda r: r.code),
    ("Footprint", lambda r: r.footprint),
    ("Region", lambda r: r.region),
    ("Plan", lambda r: r.plan_title),
    ("State", lambda r: r.state_label),
    ("Revision shown", lambda r: r.revision),
    ("Revision shown is", lambda r: r.revision_is),
    ("Days since the latest submission", lambda r: r.days_since_submission),
    ("Reviewer", lambda r: r.reviewer),
    ("Open challenges", lambda r: r.open_challenges),
    ("Rating", lambda r: r.rating_label),
    ("Rating from", lambda r: {"reviewer": "the reviewer's proposal", "stpkit": "worked out by stpkit"}.get(
        r.rating_from, "")),
    ("Final year", lambda r: r.year),
    ("Do-nothing gap in the final year (£000)", lambda r: r.do_nothing_gbp000),
    ("Position with the plan in the final year (£000)", lambda r: r.with_plan_gbp000),
    ("Chance of balance in the final year (%)", lambda r: None if r.chance is None else 100 * r.chance),
    ("Serious findings", lambda r: r.errors),
    ("Submission in the round", lambda r: r.submission),
    ("Days late", lambda r: r.days_late),
    ("Revision reviewed in the round", lambda r: r.reviewed_in_round),
)


def export_frame(rows: list[Row]) -> pd.DataFrame:
    """The rows as a table of EXPORT_COLUMNS; cells as they are (a count stays a whole number
    beside an empty cell, not a float)."""
    frame = pd.DataFrame([[value(r) for _, value in EXPORT_COLUMNS] for r in rows],
                         columns=[header for header, _ in EXPORT_COLUMNS], dtype=object)
    for column in frame.columns:
        values = frame[column].dropna()
        if len(values) and all(isinstance(v, int) for v in values):
            frame[column] = frame[column].astype("Int64")
    return frame


def export_csv(rows: list[Row]) -> str:
    from stpkit.outputs.results import to_csv

    return to_csv(export_frame(rows))


def export_xlsx(rows: list[Row], title: str) -> bytes:
    """The rows as a workbook: the title in A1, a note in A2, the header in row 3 (as the results
    workbook), text written as text (never a formula), money in £000 unrounded."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from stpkit.domain.formatting import EXCEL_GBP000
    from stpkit.inputs.submission.write import put_number, put_text

    book = Workbook()
    sheet = book.active
    sheet.title = "Dashboard"
    put_text(sheet.cell(1, 1), title)
    sheet.cell(1, 1).font = Font(bold=True)
    put_text(sheet.cell(2, 1), "Money in £ thousands (£000), unrounded: surplus positive, deficit negative.")
    for column, (header, _) in enumerate(EXPORT_COLUMNS, start=1):
        put_text(sheet.cell(3, column), header)
        sheet.cell(3, column).font = Font(bold=True)
    for line, row in enumerate(rows, start=4):
        for column, (header, value) in enumerate(EXPORT_COLUMNS, start=1):
            found = value(row)
            cell = sheet.cell(line, column)
            if isinstance(found, str):
                put_text(cell, found)
            elif found is not None:
                put_number(cell, found)
                if "(£000)" in header:
                    cell.number_format = EXCEL_GBP000
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
