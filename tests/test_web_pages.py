"""The pages, through Django's test client: my footprint, the plan page in tabs (the report's
own sections), revision history, downloads and the new-revision form (a bad upload saves
nothing; a stale save is refused, keeping the input)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from stpkit.api import PlanRun
from stpkit.web import results
from stpkit.web.models import Revision, Role
from web_support import FIXTURES, HOME, SMALL_PLAN, make_user, small_plan


@pytest.fixture
def editor(web_db):
    return make_user("editor", Role.EDITOR, HOME)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_my_footprint_shows_the_stored_figures_of_the_latest_revision(editor):
    plan = small_plan(editor)
    revision = plan.revisions.get()
    results.central(revision)
    page = _client(editor).get("/").content.decode()
    # Worked out independently of the page: the plan's own final-year positions, in £m.
    central = PlanRun.load(FIXTURES / "valid_small.yaml").central
    do_nothing, with_plan = central.do_nothing[0, -1] / 1000, central.with_plan[0, -1] / 1000
    assert f"£{do_nothing:,.1f}m".replace("£-", "-£") in page
    assert f"£{with_plan:,.1f}m".replace("£-", "-£") in page
    assert f'href="/plans/{plan.pk}/"' in page
    assert "no risk runs yet" in page


def test_the_plan_page_shows_every_tab_with_the_reports_sections(editor):
    plan = small_plan(editor)
    page = _client(editor).get(f"/plans/{plan.pk}/").content.decode()
    tabs = re.findall(r'class="nhsuk-tabs__tab" href="#([a-z]+)"', page)
    assert tabs == ["summary", "bridge", "risk", "schemes", "beds", "ae", "workforce", "capital", "findings", "gaps"]
    # The report's own sections and charts: the bridge's waterfall and the gaps' table.
    assert '<figure id="bridge"' in page and '<figure id="gap"' in page
    assert "<h2>The three gaps</h2>" in page
    assert "Work out 2,000 risk runs" in page
    assert page.count('<div class="report-part">') == len(tabs) and "&lt;div" not in page  # the risk tab too
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []  # no inline script (the CSP forbids it)


def test_risk_runs_are_queued_from_the_page_and_then_shown(editor):
    plan = small_plan(editor)
    client = _client(editor)
    response = client.post(f"/plans/{plan.pk}/revisions/1/risk/")
    assert response.status_code == 302
    assert "Queued: the 2,000 risk runs start" in client.get(f"/plans/{plan.pk}/").content.decode()
    assert results.run_next_job().state == "done"
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert '<figure id="risk"' in page


@pytest.mark.parametrize("seconds, written", [
    # Blocks of 250 of 1,000 runs: every block's share when writes are not held back ...
    (0, [0.25, 0.5, 0.75, 1.0]),
    # ... and, held to one write an hour, the first block's and the last's only.
    (3600, [0.25, 1.0]),
])
def test_a_running_job_writes_its_progress_as_runs_are_done(editor, monkeypatch, seconds, written):
    from stpkit.engine import risk

    plan = small_plan(editor)
    job = results.with_risk(plan.revisions.get(), 1000, 1)
    monkeypatch.setattr(risk, "BLOCK_RUNS", 250)
    monkeypatch.setattr(results, "PROGRESS_SECONDS", seconds)
    recorded = []

    def recording(job_pk, share):
        recorded.append(share)
        write_progress(job_pk, share)

    write_progress = results._write_progress
    monkeypatch.setattr(results, "_write_progress", recording)
    done = results.run_next_job()
    assert done.pk == job.pk and done.state == "done" and done.progress == 1.0
    assert recorded == written


def _job(plan, state, progress=0.0, error=""):
    from stpkit.web.models import Job
    from stpkit.web.views.plans import PAGE_RUNS, PAGE_SEED

    return Job.objects.create(revision=plan.revisions.get(), parameter_version=results.parameter_version(),
                              runs=PAGE_RUNS, seed=PAGE_SEED, state=state, progress=progress, error=error)


REFRESH = re.compile(
    r'<meta http-equiv="refresh" content="5; url=/plans/\d+/(revisions/1/)?\?refresh=(on|again)#risk">'
)


@pytest.mark.parametrize("state, progress, says", [
    ("queued", 0.0, "Queued: the 2,000 risk runs start when the worker is free."),
    ("running", 0.4, "Running: 40% of 2,000 runs done."),
    ("running", 1.0, "Running: all 2,000 runs done; storing the results."),
])
def test_the_page_shows_a_pending_jobs_progress_and_reloads_itself_when_asked(editor, state, progress, says):
    plan = small_plan(editor)
    _job(plan, state, progress)
    client = _client(editor)
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert says in page
    percent = round(100 * progress)
    assert f'<progress id="risk-progress" class="job-progress" max="100" value="{percent}">{percent}%<' in page
    # A page that reloads on its own only when the reader asks for it (WCAG 2.2.1) ...
    assert REFRESH.search(page) is None and "Reload this page every 5 seconds until they are done" in page
    # ... and then with a way to stop it; the progress is shown either way.
    reloading = client.get(f"/plans/{plan.pk}/?refresh=on").content.decode()
    assert says in reloading and len(REFRESH.findall(reloading)) == 1 and "Stop reloading" in reloading
    # Each reload goes to another address: one that differed only by its #risk would not reload.
    assert f'url=/plans/{plan.pk}/?refresh=again#risk"' in reloading
    assert f'url=/plans/{plan.pk}/?refresh=on#risk"' in client.get(f"/plans/{plan.pk}/?refresh=again").content.decode()


def test_queuing_the_risk_runs_leads_to_the_page_reloading_itself(editor):
    plan = small_plan(editor)
    client = _client(editor)
    response = client.post(f"/plans/{plan.pk}/revisions/1/risk/")
    assert response["Location"] == f"/plans/{plan.pk}/revisions/1/?refresh=on#risk"
    assert len(REFRESH.findall(client.get(response["Location"]).content.decode())) == 1


@pytest.mark.parametrize("state", ["done", "failed"])
def test_the_page_does_not_reload_once_the_job_is_over(editor, state):
    plan = small_plan(editor)
    _job(plan, state, 1.0 if state == "done" else 0.5, error="the runs need 3 GB; 1 GB is allowed")
    page = _client(editor).get(f"/plans/{plan.pk}/?refresh=on").content.decode()
    assert 'http-equiv="refresh"' not in page and "<progress" not in page
    assert ("the runs need 3 GB; 1 GB is allowed" in page) == (state == "failed")
    assert "Work out 2,000 risk runs" in page  # nothing stored: the runs can be asked for again


@pytest.mark.parametrize("kind, starts", [("yaml", b"schema_version"), ("workbook", b"PK"), ("results", b"PK"),
                                          ("pdf", b"%PDF")])
def test_downloads(editor, kind, starts):
    plan = small_plan(editor)
    response = _client(editor).get(f"/plans/{plan.pk}/revisions/1/download/{kind}/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert starts in body[:200]
    assert f"{HOME}-revision-1" in response["Content-Disposition"]


def test_a_downloaded_plan_file_reads_back_as_the_same_plan(editor):
    plan = small_plan(editor)
    body = _client(editor).get(f"/plans/{plan.pk}/revisions/1/download/yaml/").content
    from stpkit.web.revisions import plan_document, read_upload

    # Equal in value (the plan file writes 1.0 as 1, so the bytes, and the hash, may differ).
    assert plan_document(read_upload(body, "back.yaml")) == plan.revisions.get().document


def test_a_good_upload_is_saved_and_shown_in_the_history(editor):
    plan = small_plan(editor)
    client = _client(editor)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("mine.yaml", SMALL_PLAN.replace("title:", "title: Second", 1).encode())
    response = client.post(f"/plans/{plan.pk}/revisions/new/",
                           {"plan_file": upload, "message": "second go", "base_version": 1})
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/revisions/?saved=2"
    history = client.get(response["Location"]).content.decode()
    assert "Revision 2 saved" in history and "second go" in history
    assert plan.revisions.count() == 2


def test_a_bad_upload_shows_every_problem_and_saves_nothing(editor):
    plan = small_plan(editor)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = (FIXTURES.parent / "malformed").glob("*.yaml")
    content = next(iter(sorted(bad))).read_bytes()
    response = _client(editor).post(f"/plans/{plan.pk}/revisions/new/",
                                    {"plan_file": SimpleUploadedFile("bad.yaml", content), "message": "oops",
                                     "base_version": 1})
    assert response.status_code == 422
    page = response.content.decode()
    assert re.search(r"<li><a href=\"#plan_file\">bad\.yaml(:\d+)?: ", page)
    assert "oops" in page  # the message is kept
    assert Revision.objects.filter(plan=plan).count() == 1


def test_a_stale_save_is_refused_keeping_the_input_and_saying_who_saved(editor):
    plan = small_plan(editor)
    other = make_user("colleague", Role.EDITOR, HOME)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from stpkit.web.revisions import new_revision

    new_revision(other, plan, SMALL_PLAN, base_version=1, message="theirs")
    mine = SMALL_PLAN.replace("title:", "title: Mine", 1).encode()
    client = _client(editor)
    response = client.post(f"/plans/{plan.pk}/revisions/new/",
                           {"plan_file": SimpleUploadedFile("mine.yaml", mine), "message": "my change",
                            "base_version": 1})
    assert response.status_code == 409
    page = response.content.decode()
    assert "revision 2 by colleague" in page and "theirs" in page
    assert "my change" in page
    assert plan.revisions.count() == 2
    # The file is kept on the page: saving again (now after revision 2) needs no new upload.
    kept = re.search(r'name="kept" value="([^"]+)"', page).group(1)
    response = client.post(f"/plans/{plan.pk}/revisions/new/",
                           {"kept": kept, "kept_name": "mine.yaml", "message": "my change", "base_version": 2})
    assert response.status_code == 302
    assert plan.revisions.get(number=3).document["title"].startswith("Mine")


def test_a_reader_cannot_upload(web_db):
    author = make_user("author", Role.EDITOR, HOME)
    plan = small_plan(author)
    reviewer = make_user("reviewer", Role.REGIONAL_REVIEWER, region="South West")
    client = _client(reviewer)
    assert client.get(f"/plans/{plan.pk}/").status_code == 200
    assert client.get(f"/plans/{plan.pk}/revisions/new/").status_code == 403
    assert "Upload a new revision" not in client.get(f"/plans/{plan.pk}/").content.decode()


def test_the_design_systems_files_are_served(web_db, client):
    from django.contrib.staticfiles import finders

    assert finders.find("nhsuk/nhsuk-frontend.min.css")
    assert finders.find("nhsuk/nhsuk-frontend.min.js")
    assert finders.find("stpkit/init.js")
