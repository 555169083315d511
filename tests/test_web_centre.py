"""The centre's dashboard: one row per footprint a reviewer reaches, with the stored figures of
the revision that counts, sorting and a region filter, submission rounds (on time, late,
missing, overdue), exports that read back as the page, and the national total by the worker."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from stpkit.api import PlanRun
from stpkit.domain.formatting import money_m
from stpkit.examples import example_paths
from stpkit.web import centre, results, review, transitions, workflow
from stpkit.web.models import Footprint, Job, Mark, NationalResult, PlanState, Revision, Role, Round, Transition
from stpkit.web.revisions import content_sha256, create_plan, plan_document, read_upload
from web_support import AWAY, HOME, NEIGHBOUR, SMALL_PLAN, make_user, plan_without_revisions

#: The small plan with a smaller CCG allocation: a different position, so that sorting shows.
POORER_PLAN = SMALL_PLAN.replace("allocation_gbp000: 807035", "allocation_gbp000: 790000")


@pytest.fixture
def people(web_db):
    return {
        "national": make_user("national", Role.NATIONAL_REVIEWER),
        "regional": make_user("regional", Role.REGIONAL_REVIEWER, region="South West"),
        "lead": make_user("lead", Role.LEAD, HOME),
    }


def _plan(code: str, author, text: str = SMALL_PLAN, title: str = ""):
    """A plan of ``code`` whose revision 1 is ``text`` (the dashboard does not check its
    footprint), with its central case stored."""
    plan = plan_without_revisions(code, title or f"Plan of {code}")
    document = plan_document(read_upload(text))
    revision = Revision.objects.create(plan=plan, number=1, document=document, sha256=content_sha256(document),
                                       author=author)
    plan.version = 1
    plan.save()
    results.central(revision)
    return plan


def _submit(plan, user, when: datetime, round_: Round | None = None):
    """A submission made at ``when`` (a move of the table, dated as the test needs)."""
    plan.refresh_from_db()
    Transition.objects.create(plan=plan, step=plan.step + 1, action=transitions.SUBMIT, from_state=plan.state,
                              to_state=PlanState.SUBMITTED, actor=user, revision=plan.revisions.get(number=1),
                              round=round_, when=when)
    plan.state, plan.step = PlanState.SUBMITTED, plan.step + 1
    plan.save()


def _noon(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12))


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _body_names(html: str) -> list[str]:
    """The footprints in the table's body, in the page's order."""
    body = html.split('<tbody class="nhsuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r'<tr class="nhsuk-table__row">\s*<td[^>]*>(.*?)</td>',
                                                                 body, re.S)]


@pytest.fixture
def dashboard(people):
    """HOME submitted three days ago and in review (one open challenge, a proposed rating), with
    stored risk runs; NEIGHBOUR a draft of a poorer plan; AWAY without a plan."""
    home = _plan(HOME, people["lead"])
    neighbour = _plan(NEIGHBOUR, people["lead"], POORER_PLAN, title="=HYPERLINK(\"http://example.com\")")
    _submit(home, people["lead"], timezone.now() - timedelta(days=3))
    home.refresh_from_db()
    workflow.act(people["regional"], home, transitions.OPEN_REVIEW, home.step)
    opened = workflow.open_review(home)
    first, second = opened.items.all()[:2]
    review.mark(people["regional"], first, Mark.CHALLENGED, "Where does the saving come from?")
    review.mark(people["regional"], second, Mark.ACCEPTED)
    review.propose_rating(people["regional"], opened, "advanced", "a sound plan")
    results.compute_and_store(home.revisions.get(), 20, 1)
    return {"home": home, "neighbour": neighbour}


def test_rows_show_the_stored_figures(dashboard, people):
    home, neighbour = dashboard["home"], dashboard["neighbour"]
    rows = {r.code: r for r in centre.rows_for(people["national"])}
    assert len(rows) == 44  # every footprint, with a plan or not
    central = results.stored(home.revisions.get(), 0, 0)
    risk = results.stored(home.revisions.get(), 20, 1)
    row = rows[HOME]
    assert (row.revision, row.revision_is, row.state) == (1, "submitted", PlanState.IN_REVIEW)
    assert row.days_since_submission == 3
    assert (row.reviewer, row.open_challenges) == ("regional", 1)  # one challenged, one accepted
    assert (row.rating, row.rating_from) == ("advanced", "reviewer")
    assert row.do_nothing_gbp000 == central.results["consolidated"]["do_nothing_gbp000"][-1]
    assert row.with_plan_gbp000 == central.results["consolidated"]["with_plan_gbp000"][-1]
    assert row.errors == central.assessment["summary"]["errors"]
    assert (row.chance, row.chance_runs) == (risk.results["risk"]["probability_of_balance"][-1], 20)
    # The draft shows its latest revision and stpkit's own rating; no review, no submission.
    draft = rows[NEIGHBOUR]
    stored = results.stored(neighbour.revisions.get(), 0, 0)
    assert (draft.revision_is, draft.rating, draft.rating_from) == (
        "latest draft", stored.assessment["rating"]["category"], "stpkit")
    assert (draft.days_since_submission, draft.reviewer, draft.open_challenges, draft.chance) == (None, "", None, None)
    assert (rows[AWAY].plan_id, rows[AWAY].state_label, rows[AWAY].revision) == (None, "no plan", None)
    # The bulk count of open challenges is the review's own.
    assert review.open_challenge_counts([workflow.open_review(home)]) == {
        workflow.open_review(home).pk: len(review.open_challenges(workflow.open_review(home)))}
    page = _client(people["national"]).get("/centre/")
    assert page.status_code == 200
    html = unescape(page.content.decode())
    for value in (row.do_nothing_gbp000, row.with_plan_gbp000):
        assert money_m(value) in html
    assert f"{100 * row.chance:.0f}%" in html and "advanced <span class=\"muted\">(reviewer's proposal)" in html


def test_sorting_and_the_region_filter(dashboard, people):
    client = _client(people["national"])
    rows = {r.code: r for r in centre.rows_for(people["national"])}
    names = {code: Footprint.objects.get(pk=code).name for code in (HOME, NEIGHBOUR)}
    # The poorer plan's CCG has £17.035m less allocation, so its position with the plan is lower.
    assert rows[NEIGHBOUR].with_plan_gbp000 < rows[HOME].with_plan_gbp000
    html = client.get("/centre/?sort=with_plan&order=descending").content.decode()
    shown = _body_names(html)
    assert shown[:2] == [names[HOME], names[NEIGHBOUR]] and len(shown) == 44  # the rest have no figures: last
    assert '<th scope="col" aria-sort="descending"><a href="?sort=with_plan&amp;order=ascending">' in html
    assert _body_names(client.get("/centre/?sort=with_plan&order=ascending").content.decode())[:2] == [
        names[NEIGHBOUR], names[HOME]]
    html = client.get("/centre/?region=South+West&sort=footprint").content.decode()
    south_west = sorted(Footprint.objects.filter(region="South West").values_list("name", flat=True))
    assert _body_names(html) == south_west
    assert 'aria-sort="ascending"' in html


def test_a_regional_reviewer_sees_only_their_region(dashboard, people):
    client = _client(people["regional"])
    rows = centre.rows_for(people["regional"])
    assert {r.code for r in rows} == set(Footprint.objects.filter(region="South West").values_list("pk", flat=True))
    html = client.get("/centre/").content.decode()
    assert Footprint.objects.get(pk=AWAY).name not in html
    # The national total covers all of England: a national reviewer's.
    assert "against the national challenge" not in html
    assert client.post("/centre/national/").status_code == 403
    assert client.post("/centre/rounds/", {"name": "R", "opens": "2016-06-01", "due": "2016-06-30"}).status_code == 403
    assert not Round.objects.exists()


def test_late_and_missing_from_the_dates(people):
    june = Round.objects.create(name="June 2016 submission", opens=date(2016, 6, 1), due=date(2016, 6, 30))
    home = _plan(HOME, people["lead"])
    neighbour = _plan(NEIGHBOUR, people["lead"])
    _submit(home, people["lead"], _noon(date(2016, 7, 4)), june)  # 4 July less 30 June: 4 days late
    _submit(neighbour, people["lead"], _noon(date(2016, 6, 20)), june)  # before the due date: on time
    rows = {r.code: r for r in centre.rows_for(people["national"], round_=june, today=date(2016, 7, 10))}
    assert (rows[HOME].submission, rows[HOME].days_late) == (centre.LATE, 4)
    assert (rows[NEIGHBOUR].submission, rows[NEIGHBOUR].days_late) == (centre.ON_TIME, None)
    assert rows[AWAY].submission == centre.OVERDUE  # nothing submitted, and 10 July is after 30 June
    # On the due date itself nothing is overdue yet.
    on_due_date = {r.code: r for r in centre.rows_for(people["national"], round_=june, today=date(2016, 6, 30))}
    assert on_due_date[AWAY].submission == centre.MISSING
    # A submission on the due date itself is on time; a footprint that has not submitted in this
    # round (HOME submitted in June's) is overdue on 10 July, after 4 July.
    july = Round.objects.create(name="July 2016", opens=date(2016, 7, 1), due=date(2016, 7, 4))
    _submit(neighbour, people["lead"], _noon(date(2016, 7, 4)), july)
    in_july = {r.code: r for r in centre.rows_for(people["national"], round_=july, today=date(2016, 7, 10))}
    assert (in_july[NEIGHBOUR].submission, in_july[HOME].submission) == (centre.ON_TIME, centre.OVERDUE)
    html = _client(people["national"]).get(f"/centre/?round={june.pk}&sort=round").content.decode()
    assert "late, 4 days late" in html and "June 2016 submission" in html


def test_the_revision_reviewed_in_a_round(people):
    june = Round.objects.create(name="June", opens=date(2016, 6, 1), due=date(2016, 6, 30))
    home = _plan(HOME, people["lead"])
    _submit(home, people["lead"], _noon(date(2016, 6, 29)), june)
    home.refresh_from_db()
    workflow.act(people["national"], home, transitions.OPEN_REVIEW, home.step)
    assert workflow.open_review(home).round == june
    rows = {r.code: r for r in centre.rows_for(people["national"], round_=june, today=date(2016, 7, 1))}
    assert (rows[HOME].submission, rows[HOME].reviewed_in_round) == (centre.ON_TIME, 1)


def test_a_national_reviewer_makes_a_round(people):
    client = _client(people["national"])
    refused = client.post("/centre/rounds/", {"name": "June", "opens": "2016-06-30", "due": "2016-06-01"})
    assert refused.status_code == 422 and "The due date must be on or after" in refused.content.decode()
    refused = client.post("/centre/rounds/", {"name": "", "opens": "30 June", "due": "2016-06-01"})
    assert refused.status_code == 422
    assert "Enter the round's name" in unescape(refused.content.decode())
    assert "Enter the date the round opens as a date" in refused.content.decode()
    assert not Round.objects.exists()
    made = client.post("/centre/rounds/", {"name": "June", "opens": "2016-06-01", "due": "2016-06-30"})
    june = Round.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/centre/?round={june.pk}"
    assert (june.opens, june.due) == (date(2016, 6, 1), date(2016, 6, 30))
    again = client.post("/centre/rounds/", {"name": "June", "opens": "2016-06-01", "due": "2016-06-30"})
    assert again.status_code == 422 and Round.objects.count() == 1
    assert "June" in client.get("/centre/rounds/").content.decode()


def test_exports_read_back_as_the_page(dashboard, people):
    client = _client(people["national"])
    query = "?region=South+West&sort=with_plan&order=ascending"
    shown = _body_names(client.get("/centre/" + query).content.decode())
    rows = list(csv.DictReader(io.StringIO(client.get("/centre/export.csv" + query).content.decode())))
    assert [r["Footprint"] for r in rows] == shown
    by_code = {r.code: r for r in centre.rows_for(people["national"])}
    for line in rows:
        row = by_code[line["Footprint code"]]
        figure = line["Do-nothing gap in the final year (£000)"]
        assert (float(figure) if figure else None) == row.do_nothing_gbp000
        figure = line["Position with the plan in the final year (£000)"]
        assert (float(figure) if figure else None) == row.with_plan_gbp000
    # A title that starts like a formula stays text.
    assert {r["Plan"] for r in rows if r["Footprint code"] == NEIGHBOUR} == {"'=HYPERLINK(\"http://example.com\")"}
    book = load_workbook(io.BytesIO(client.get("/centre/export.xlsx" + query).content))
    sheet = book.active
    header = [c.value for c in sheet[3]]
    assert "Position with the plan in the final year (£000)" in header
    read = [dict(zip(header, (c.value for c in line), strict=True)) for line in sheet.iter_rows(min_row=4)]
    assert [r["Footprint"] for r in read] == shown
    for line, from_csv in zip(read, rows, strict=True):
        row = by_code[line["Footprint code"]]
        assert line["Position with the plan in the final year (£000)"] == row.with_plan_gbp000
        assert line["Do-nothing gap in the final year (£000)"] == row.do_nothing_gbp000
        challenges = line["Open challenges"]
        assert ("" if challenges is None else str(challenges)) == from_csv["Open challenges"]
    neighbour = next(line for line in read if line["Footprint code"] == NEIGHBOUR)
    assert neighbour["Plan"] == "=HYPERLINK(\"http://example.com\")"
    assert sheet.cell(4 + [r["Footprint code"] for r in read].index(NEIGHBOUR), 4).data_type == "s"


def test_the_national_total_by_the_worker(people, monkeypatch):
    """The submitted small plan (Cornwall) and the North West London example, illustrative plans
    elsewhere, 20 runs: England's position with the plans is the two stored positions plus the
    other 42 footprints' illustrative positions."""
    monkeypatch.setattr(centre, "NATIONAL_RUNS", 20)
    home = _plan(HOME, people["lead"])
    london = create_plan(people["lead"], PlanRun.load(example_paths()["north_west_london"]), message="example")
    results.central(london)
    for plan in (home, london.plan):
        _submit(plan, people["lead"], timezone.now())
    client = _client(people["national"])
    assert client.post("/centre/national/").status_code == 302
    job = Job.objects.get()
    assert (job.kind, job.runs, sorted(job.revisions)) == ("national", 20, sorted([home.revisions.get().pk, london.pk]))
    assert "being worked out (queued, 0% done)" in client.get("/centre/").content.decode()
    assert results.run_next_job().state == Job.State.DONE
    stored = NationalResult.objects.get()
    footprints = {f["code"]: f for f in stored.document["footprints"]}
    given = {HOME: results.stored(home.revisions.get(), 0, 0), AWAY: results.stored(london, 0, 0)}
    for code, central in given.items():
        assert footprints[code]["with_plan_gbp000"] == pytest.approx(
            central.results["consolidated"]["with_plan_gbp000"][-1])
    others = sum(f["with_plan_gbp000"] for code, f in footprints.items() if code not in given)
    expected = others + sum(c.results["consolidated"]["with_plan_gbp000"][-1] for c in given.values())
    assert len(footprints) == 44
    assert stored.document["england"]["with_plan_gbp000"] == pytest.approx(expected)
    assert stored.challenge_gbp000 and stored.runs == 20
    html = client.get("/centre/").content.decode()
    assert money_m(stored.document["england"]["with_plan_gbp000"]) in html
    assert f'src="/centre/national/{stored.pk}/map.svg"' in html
    svg = client.get(f"/centre/national/{stored.pk}/map.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content[:500]
    # Asked again for the same revisions, nothing new is queued: the stored total is the answer.
    client.post("/centre/national/")
    assert Job.objects.count() == 1 and NationalResult.objects.count() == 1


def test_the_queries_do_not_grow_with_the_rows(dashboard, people):
    """Each footprint's figures, review and challenges come in the same queries: a second plan
    in review adds none."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(people["national"])

    def counted() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/centre/").status_code == 200
        return len(queries)

    before = counted()
    neighbour = dashboard["neighbour"]
    _submit(neighbour, people["lead"], timezone.now())
    neighbour.refresh_from_db()
    workflow.act(people["regional"], neighbour, transitions.OPEN_REVIEW, neighbour.step)
    review.mark(people["regional"], workflow.open_review(neighbour).items.first(), Mark.CHALLENGED, "Why?")
    assert counted() == before
