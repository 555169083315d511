"""The JSON API: ETag and If-Match on revisions (428 without, 412 when stale, 422 with the
located problems, 201 created), CSRF on changes, results reused."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from stpkit.web import results
from stpkit.web.models import Job, Revision, Role, StoredResult
from web_support import HOME, SMALL_PLAN, make_user, small_plan


@pytest.fixture
def editor(web_db):
    return make_user("editor", Role.EDITOR, HOME)


@pytest.fixture
def plan(editor):
    return small_plan(editor)


@pytest.fixture
def client(editor):
    client = Client()
    client.force_login(editor)
    return client


def _post(client, plan, document=SMALL_PLAN, **headers):
    return client.post(
        f"/api/plans/{plan.pk}/revisions", {"document": document, "message": "m"}, content_type="application/json",
        **headers,
    )


def test_a_revision_carries_its_content_hash_as_etag(client, plan):
    response = client.get(f"/api/plans/{plan.pk}/revisions/1")
    revision = Revision.objects.get(plan=plan, number=1)
    assert response.status_code == 200
    assert response["ETag"] == f'"{revision.sha256}"'
    assert response.json()["document"] == revision.document
    again = client.get(f"/api/plans/{plan.pk}/revisions/1", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_save_without_if_match_is_refused_with_428(client, plan):
    response = _post(client, plan)
    assert response.status_code == 428
    assert Revision.objects.filter(plan=plan).count() == 1


def test_a_save_naming_an_old_revision_is_refused_with_412(client, plan, monkeypatch):
    monkeypatch.setattr(results, "_compute", lambda revision, runs, seed, **_: ({}, {}))
    first = client.get(f"/api/plans/{plan.pk}/revisions/1")["ETag"]
    edited = SMALL_PLAN.replace("(test plan)", "(second)")
    saved = _post(client, plan, edited, HTTP_IF_MATCH=first)
    assert saved.status_code == 201
    assert saved["Location"] == f"/api/plans/{plan.pk}/revisions/2"
    assert saved["ETag"] == f'"{Revision.objects.get(plan=plan, number=2).sha256}"'
    stale = _post(client, plan, SMALL_PLAN.replace("(test plan)", "(third)"), HTTP_IF_MATCH=first)
    assert stale.status_code == 412
    assert "revision 2" in stale.json()["detail"]
    assert Revision.objects.filter(plan=plan).count() == 2
    weak = _post(client, plan, edited, HTTP_IF_MATCH=f"W/{saved['ETag']}")
    assert weak.status_code == 412  # If-Match compares strongly: a weak tag never matches


def test_an_invalid_plan_is_refused_with_422_and_every_problem_located(client, plan):
    bad = SMALL_PLAN.replace("horizon: 2020/21", "horizon: 2020/2021").replace("base_year: 2016/17", "base_year: x")
    etag = client.get(f"/api/plans/{plan.pk}/revisions/1")["ETag"]
    response = _post(client, plan, bad, HTTP_IF_MATCH=etag)
    assert response.status_code == 422
    problems = response.json()["problems"]
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if text.startswith("base_year"))
    assert ("base_year", line) in {(p["field"], p["line"]) for p in problems}
    assert all(p["file"] == "plan.yaml" and p["text"].startswith("plan.yaml:") for p in problems)
    assert Revision.objects.filter(plan=plan).count() == 1


def test_a_plan_as_a_json_object_is_accepted(client, plan, monkeypatch):
    monkeypatch.setattr(results, "_compute", lambda revision, runs, seed, **_: ({}, {}))
    document = Revision.objects.get(plan=plan, number=1).document
    etag = client.get(f"/api/plans/{plan.pk}/revisions/1")["ETag"]
    response = _post(client, plan, {**document, "title": "From JSON"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 201, response.json()
    assert Revision.objects.get(plan=plan, number=2).document["title"] == "From JSON"


def test_changes_need_the_csrf_token(editor, plan):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    etag = client.get(f"/api/plans/{plan.pk}/revisions/1")["ETag"]
    assert _post(client, plan, HTTP_IF_MATCH=etag).status_code == 403
    assert Revision.objects.filter(plan=plan).count() == 1


def test_results_are_worked_out_once_and_then_read(client, plan, monkeypatch):
    worked_out = []
    compute = results._compute
    monkeypatch.setattr(results, "_compute", lambda *key, **kw: worked_out.append(key[1:]) or compute(*key, **kw))
    first = client.get(f"/api/plans/{plan.pk}/revisions/1/results")
    second = client.get(f"/api/plans/{plan.pk}/revisions/1/results")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert worked_out == [(0, 0)]
    assert StoredResult.objects.count() == 1
    body = first.json()
    assert body["results"]["format"] == "stpkit-results"
    assert body["assessment"]["rating"]["category"]
    assert body["parameter_version"] == results.parameter_version()


def test_risk_runs_are_queued_and_done_by_the_worker(client, plan, monkeypatch):
    monkeypatch.setattr(results, "_compute", lambda revision, runs, seed, **_: ({"runs": runs}, {"seed": seed}))
    queued = client.get(f"/api/plans/{plan.pk}/revisions/1/results?runs=50&seed=3")
    assert queued.status_code == 202 and queued.json()["state"] == "queued"
    assert client.get(f"/api/plans/{plan.pk}/revisions/1/results?runs=50&seed=3").status_code == 202
    job = results.run_next_job()
    assert (job.state, job.runs, job.seed) == ("done", 50, 3)
    assert results.run_next_job() is None  # the second request joined the first job
    done = client.get(f"/api/plans/{plan.pk}/revisions/1/results?runs=50&seed=3")
    assert done.status_code == 200
    assert (done.json()["results"], done.json()["assessment"]) == ({"runs": 50}, {"seed": 3})


def test_a_failed_job_says_why(plan, monkeypatch):
    def broken(revision, runs, seed, **_):
        raise RuntimeError("engine broke")

    monkeypatch.setattr(results, "_compute", broken)
    results.with_risk(plan.revisions.get(), 10, 0)
    job = results.run_next_job()
    assert (job.state, job.error) == ("failed", "engine broke")
    assert StoredResult.objects.count() == 0


def test_a_reader_cannot_queue_unbounded_risk_runs(client, plan):
    for query in (f"runs={results.MAX_RUNS + 1}", "runs=-1", "runs=10&seed=-1"):
        response = client.get(f"/api/plans/{plan.pk}/revisions/1/results?{query}")
        assert response.status_code == 400, query
        assert "runs" in response.json()["detail"] or "seed" in response.json()["detail"]
    assert Job.objects.count() == 0
    assert f"runs are at most {results.MAX_RUNS:,}" in (Path(__file__).parent.parent / "docs" / "web.md").read_text()
