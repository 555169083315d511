"""Published plans and the audit trail: anonymous visitors read what was published, byte for
byte as it was published, and nothing else; a plan's audit trail lists every event once, in
time order, on the page and in its CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime

import pytest
from django.test import Client

from pdf_text import html_tables
from stpkit.web import review, transitions
from stpkit.web.models import Mark, Publication, Role
from stpkit.web.revisions import new_revision, plan_document, read_upload
from stpkit.web.trail import when_text
from web_support import HOME, NEIGHBOUR, SMALL_PLAN, make_user, move, signed_off, signed_off_plan

#: The second revision: the trust's cost improvement scheme 5% instead of 4%.
BIGGER_SCHEME = signed_off(SMALL_PLAN.replace("size_pct: 4\n", "size_pct: 5\n"))
PLAN_URL = f"/footprints/{HOME}/plan"


@pytest.fixture
def people(web_db):
    return {
        "editor": make_user("editor", Role.EDITOR, HOME),
        "lead": make_user("lead", Role.LEAD, HOME),
        "regional": make_user("regional", Role.REGIONAL_REVIEWER, region="South West"),
        "national": make_user("national", Role.NATIONAL_REVIEWER),
    }


@pytest.fixture
def plan(people):
    return signed_off_plan(people["editor"])



def _agree(plan, people):
    move(plan, people["lead"], transitions.SUBMIT)
    move(plan, people["regional"], transitions.OPEN_REVIEW)
    move(plan, people["national"], transitions.AGREE)


def _agree_and_publish(plan, people):
    _agree(plan, people)
    move(plan, people["lead"], transitions.PUBLISH)


def _files(client: Client, publication: Publication) -> dict[str, bytes]:
    """Every download of a publication, by file name, as the page links them."""
    page = client.get(f"{PLAN_URL}/v{publication.number}").content.decode()
    prefix = f"{PLAN_URL}/v{publication.number}/"
    names = re.findall(rf'href="{re.escape(prefix)}([^"]+)"', page)
    found = {}
    for name in names:
        response = client.get(prefix + name)
        assert response.status_code == 200, name
        found[name] = response.content
    return found


def _summary(html: bytes) -> str:
    """The public summary's sections on a publication's page."""
    return re.search(r'<div class="report-part">(.*?)</div>\n<h2', html.decode(), re.S).group(1)


def test_anonymous_visitors_read_the_published_plan_and_download_its_files(plan, people):
    _agree_and_publish(plan, people)
    published = Publication.objects.get()
    anonymous = Client()
    page = anonymous.get(PLAN_URL)
    assert page.status_code == 200
    html = page.content.decode()
    # The summary in plain English, from the publication: its first section, and the footprint's name.
    assert "What the Cornwall and the Isles of Scilly plan means for you" in html
    assert "About this plan" in html and _summary(page.content) == published.summary_html
    assert "Revision 1 of the plan" in html and "1 of 1" in html and "This is the latest version" in html
    # Nothing of the signed-in service in the header; the published plans for everyone.
    assert "Sign out" not in html and "Signed in as" not in html and "My footprint" not in html
    assert 'href="/footprints/"' in html
    files = _files(anonymous, published)
    # The report, the plan, the results and one CSV per results table.
    assert set(files) == {"report.pdf", "plan.yaml", "results.json"} | set(published.open_data)
    assert len(published.open_data) >= 10 and all(name.endswith(".csv") for name in published.open_data)
    assert files["report.pdf"].startswith(b"%PDF")
    revision = plan.revisions.get(number=1)
    assert plan_document(read_upload(files["plan.yaml"], "plan.yaml")) == revision.document
    stored = revision.results.get(runs=0)
    assert json.loads(files["results.json"]) == stored.results
    for name in published.open_data:
        rows = list(csv.reader(io.StringIO(files[name].decode("utf-8"))))
        # A header, then rows as wide as it (a table the plan has nothing for is its header alone).
        assert rows and all(len(row) == len(rows[0]) for row in rows), name
    # Positions: the two members and the footprint, each doing nothing, with the plan and its
    # stranded cost, in each of the five years 2016/17 to 2020/21 (3 x 3 x 5 = 45 rows); the
    # footprint's with the plan in 2020/21 is the results document's.
    positions = list(csv.DictReader(io.StringIO(files["positions.csv"].decode("utf-8"))))
    assert len(positions) == 45
    (final,) = [float(row["position_gbp000"]) for row in positions
                if (row["organisation"], row["scenario"], row["year"]) == ("FOOTPRINT", "with_plan", "2020/21")]
    assert final == pytest.approx(stored.results["consolidated"]["with_plan_gbp000"][-1])
    assert anonymous.get(f"{PLAN_URL}/v1/report.pdf")["Content-Type"] == "application/pdf"
    assert anonymous.get(f"{PLAN_URL}/v1/nothing.csv").status_code == 404
    # The list of published plans, by region, links it.
    listing = anonymous.get("/footprints/").content.decode()
    assert "South West" in listing and f'href="{PLAN_URL}"' in listing


def test_a_later_publication_leaves_the_earlier_one_as_it_was(plan, people):
    _agree_and_publish(plan, people)
    anonymous = Client()
    first = Publication.objects.get()
    page_before = anonymous.get(f"{PLAN_URL}/v1").content
    files_before = _files(anonymous, first)
    # A new draft, agreed but not yet published: the public still sees version 1 only.
    move(plan, people["lead"], transitions.REDRAFT)
    new_revision(people["editor"], plan, BIGGER_SCHEME, base_version=1, message="a bigger scheme")
    _agree(plan, people)
    assert anonymous.get(f"{PLAN_URL}/v2").status_code == 404
    latest = anonymous.get(PLAN_URL).content.decode()
    assert "Revision 1 of the plan" in latest and "Revision 2" not in latest
    move(plan, people["lead"], transitions.PUBLISH)
    second = Publication.objects.get(number=2)
    assert second.revision.number == 2 and second.summary_html != first.summary_html
    latest = anonymous.get(PLAN_URL).content.decode()
    assert "Revision 2 of the plan" in latest and "2 of 2" in latest
    # Version 1: the same summary and the same files, byte for byte; only the links to the
    # other versions say there is now a second.
    page_after = anonymous.get(f"{PLAN_URL}/v1").content
    assert _summary(page_after) == _summary(page_before)
    assert _files(anonymous, first) == files_before
    assert "1 of 2" in page_after.decode() and f'The latest is <a href="{PLAN_URL}/v2">version 2</a>' in (
        page_after.decode())


def test_a_plan_never_published_is_not_found(plan, people):
    anonymous = Client()
    urls = [PLAN_URL, f"{PLAN_URL}/v1", f"{PLAN_URL}/v1/report.pdf", "/footprints/E99999999/plan"]
    assert [anonymous.get(url).status_code for url in urls] == [404] * 4
    _agree(plan, people)  # agreed, not published
    assert [anonymous.get(url).status_code for url in urls] == [404] * 4
    assert "No plan has been published yet" in anonymous.get("/footprints/").content.decode()
    move(plan, people["lead"], transitions.PUBLISH)
    assert anonymous.get(PLAN_URL).status_code == 200
    # Another footprint's address, and a version this one does not have, stay not found.
    assert anonymous.get(f"/footprints/{NEIGHBOUR}/plan").status_code == 404
    assert anonymous.get(f"{PLAN_URL}/v2").status_code == 404


def test_the_audit_trail_lists_every_event_once_in_order(plan, people):
    regional, editor, lead = people["regional"], people["editor"], people["lead"]
    move(plan, lead, transitions.SUBMIT)
    opened = move(plan, regional, transitions.OPEN_REVIEW).review
    items = list(opened.items.all())
    a01 = next(i for i in items if i.rule == "A01")
    last = items[-1]
    assert last != a01
    review.mark(regional, a01, Mark.CHALLENGED, "How will you close the last £1m?")
    review.mark(regional, last, Mark.ACCEPTED)
    review.comment(regional, opened, "scheme", "REF-CIP-01", "Is 4% a year realistic?")
    review.propose_rating(regional, opened, "making_progress", "one challenge open")
    move(plan, regional, transitions.RETURN, "answer the challenge")
    plan.refresh_from_db()
    new_revision(editor, plan, BIGGER_SCHEME, base_version=1, message="answers A01")
    review.answer(editor, review.challenges(opened)[0], "by a bigger scheme")
    _agree_and_publish(plan, people)
    signed_in = Client()
    signed_in.force_login(editor)
    page = signed_in.get(f"/plans/{plan.pk}/audit/")
    assert page.status_code == 200
    (table,) = [t for t in html_tables(page.content.decode()) if t.caption.startswith("The audit trail")]
    assert table.headers == ["When", "Who", "What", "Revision", "Detail"]
    # Each thing done above, once, in the order it was done. The publication's content is
    # frozen just before the move that publishes it.
    assert [(who, what, revision) for _, who, what, revision, _ in table.rows] == [
        ("editor", "Saved a revision", "1"),
        ("lead", "Submitted the plan", "1"),
        ("regional", "Opened the review of the plan", "1"),
        ("regional", "Marked A01 challenged", "1"),
        ("regional", f"Marked {last.rule} accepted", "1"),
        ("regional", "Commented on scheme REF-CIP-01", "1"),
        ("regional", "Proposed the rating making progress", "1"),
        ("regional", "Returned the plan", "1"),
        ("editor", "Saved a revision", "2"),
        ("editor", "Answered the challenge on A01", "2"),
        ("lead", "Submitted the plan", "2"),
        ("regional", "Opened the review of the plan", "2"),
        ("national", "Agreed the plan", "2"),
        ("lead", "Published as version 1", "2"),
        ("lead", "Published the plan", "2"),
    ]
    details = [row[4] for row in table.rows]
    assert details[3] == f"{a01.title}. Question: How will you close the last £1m?"
    assert details[7] == "in review to draft. Why: answer the challenge"
    assert details[8] == "answers A01" and details[9] == "by a bigger scheme"
    assert details[13] == f"/footprints/{HOME}/plan/v1"
    # The CSV: the same rows, the time to the second with its offset from UTC.
    response = signed_in.get(f"/plans/{plan.pk}/audit.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0] == ["when", "who", "what", "revision", "detail"]
    assert [[when_text(datetime.fromisoformat(row[0])), *row[1:]] for row in rows[1:]] == table.rows
    # Someone who may not read the plan finds neither.
    stranger = Client()
    stranger.force_login(make_user("away", Role.REGIONAL_REVIEWER, region="London"))
    assert [stranger.get(f"/plans/{plan.pk}/audit{end}").status_code for end in ("/", ".csv")] == [404, 404]
