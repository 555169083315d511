"""The centre's dashboard of the footprints a reviewer reaches (``stpkit.web.centre``), its
exports, submission rounds and the national total."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from stpkit.domain.formatting import money_m
from stpkit.web import centre, workflow
from stpkit.web.access import (
    CENTRE_VIEW,
    footprints_for,
    requires,
    reviews_nationally,
)
from stpkit.web.models import (
    NationalResult,
    Round,
)
from stpkit.web.views.plans import DOWNLOADS


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
