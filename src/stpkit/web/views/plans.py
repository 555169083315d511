"""The pages of a plan: sign in and out, "my footprint", the plan page in tabs and its moves of
the assurance cycle, risk runs, revision history, comparing two revisions, downloads, a new
revision (uploaded, or edited in the form) and the audit trail. Each reaches a plan only through
the access path (``plans_for``, ``plan_for``). The plan page shows the sections of ``stp report``,
made by the report's own code from the revision's plan."""

from __future__ import annotations

import base64
import binascii
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from stpkit.api import PlanRun, to_pdf
from stpkit.domain.formatting import gbp000, money_m, plain_number, share_pct
from stpkit.inputs.located import InputError, LocatedProblem
from stpkit.outputs.report.charts import fan_chart
from stpkit.outputs.report.html import figure, section
from stpkit.outputs.results import to_csv
from stpkit.reference.parameters import load_parameters
from stpkit.web import edit, publication, results, review, trail, transitions, workflow
from stpkit.web.access import (
    PLAN_ACT,
    PLAN_EDIT,
    PLAN_READ,
    PUBLIC,
    SIGNED_IN,
    may,
    plan_for,
    plans_for,
    requires,
    reviews_anything,
)
from stpkit.web.compare import YearsDiffer, compare_revisions
from stpkit.web.models import (
    Job,
    Plan,
    Revision,
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
