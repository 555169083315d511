"""Comparing two revisions: what changed in the inputs and what that did to the results, with the
numbers worked out from the plan itself (a cost improvement scheme's effect is proportional to
its size; a bridge adds up to the position)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from stpkit.examples import example_paths
from stpkit.web import results
from stpkit.web.compare import FieldChange, YearsDiffer, compare_revisions, plan_changes, result_changes
from stpkit.web.models import Revision, Role, StoredResult
from stpkit.web.revisions import create_plan, new_revision
from web_support import AWAY, HOME, make_user, small_plan

SCHEME = "NWL-CIP-LNW"  # London North West's cost improvement: 8% of the trust's costs in the example


def _second(document: dict) -> dict:
    """Revision 2 of the example: the scheme a quarter larger (8% to 10%) and the tariff's
    efficiency requirement raised to 3% in 2018/19."""
    changed = json.loads(json.dumps(document))
    scheme = next(s for s in changed["schemes"] if s["id"] == SCHEME)
    assert scheme["size_pct"] == 8.0
    scheme["size_pct"] = 10.0
    changed["assumptions"] = {"tariff_efficiency_pct": {"2018/19": 3.0}}
    return changed


@pytest.fixture
def author(web_db):
    return make_user("author", Role.EDITOR, AWAY)


@pytest.fixture
def revisions(author):
    first = create_plan(author, example_paths()["north_west_london"].read_text("utf-8"), "example", "nwl.yaml")
    second = new_revision(author, first.plan, json.dumps(_second(first.document)), 1, "bigger CIP", "plan.json")
    return first, second


def test_the_plan_diff_names_each_changed_field():
    before = {
        "title": "A",
        "governance": {"signed_off_by": ["x"], "sro": "S"},
        "organisations": [{"code": "R1", "name": "One", "kind": "trust"}, {"code": "R2", "name": "Two"}],
        "schemes": [{"id": "S1", "name": "First", "size_pct": 1.0, "phasing_pct": {"2017/18": 100.0}}],
    }
    after = {
        "title": "B",
        "governance": {"signed_off_by": ["x"], "sro": "T"},
        "assumptions": {"demand_growth_non_demographic_pct": {"elective": {"2017/18": 1.0}}},
        "organisations": [{"code": "R1", "name": "One", "kind": "ccg"}, {"code": "R3", "name": "Three"}],
        "schemes": [
            {"id": "S1", "name": "First", "size_pct": 2.0, "phasing_pct": {"2018/19": 100.0}},
            {"id": "S2", "name": "Second"},
        ],
    }
    changes = plan_changes(before, after)
    assert changes.fields == [FieldChange("governance.sro", "S", "T"), FieldChange("title", "A", "B")]
    assert changes.assumptions == [FieldChange("demand_growth_non_demographic_pct.elective.2017/18", None, 1.0)]
    assert [(i.key, i.name) for i in changes.organisations.added] == [("R3", "Three")]
    assert [(i.key, i.name) for i in changes.organisations.removed] == [("R2", "Two")]
    assert [(c.key, c.changes) for c in changes.organisations.changed] == [
        ("R1", [FieldChange("kind", "trust", "ccg")])
    ]
    assert [i.key for i in changes.schemes.added] == ["S2"] and changes.schemes.removed == []
    assert changes.schemes.changed[0].changes == [
        FieldChange("phasing_pct.2017/18", 100.0, None),
        FieldChange("phasing_pct.2018/19", None, 100.0),
        FieldChange("size_pct", 1.0, 2.0),
    ]
    assert changes.any and not plan_changes(after, after).any


def test_lists_of_records_are_matched_by_what_names_them():
    def governance(*sign_off, dates=("2016-07-12",)):
        return {"governance": {"sign_off": list(sign_off), "stakeholders": [{"name": "Council", "dates": list(dates)}]}}

    before = governance({"organisation": "RRU", "status": "pending"}, {"organisation": "R1K", "status": "signed_off"})
    after = governance(
        {"organisation": "R1K", "status": "signed_off"},
        {"organisation": "RRU", "status": "signed_off"},
        dates=("2016-07-12", "2016-10-04"),
    )
    assert plan_changes(before, after).fields == [
        FieldChange("governance.sign_off[RRU].status", "pending", "signed_off"),  # not moved: matched by name
        FieldChange("governance.stakeholders[0].dates", ["2016-07-12"], ["2016-07-12", "2016-10-04"]),
    ]
    # A name given twice does not name a record: by position then.
    twice = governance({"organisation": "R1K", "status": "a"}, {"organisation": "R1K", "status": "b"})
    changed = governance({"organisation": "R1K", "status": "a"}, {"organisation": "R1K", "status": "c"})
    assert plan_changes(twice, changed).fields == [FieldChange("governance.sign_off[1].status", "b", "c")]


def test_two_revisions_of_north_west_london(revisions):
    first, second = revisions
    comparison = compare_revisions(first, second)
    inputs = comparison.inputs
    assert not (inputs.fields or inputs.organisations.changed or inputs.schemes.added or inputs.schemes.removed)
    assert [(c.key, c.changes) for c in inputs.schemes.changed] == [(SCHEME, [FieldChange("size_pct", 8.0, 10.0)])]
    assert inputs.assumptions == [FieldChange("tariff_efficiency_pct.2018/19", None, 3.0)]

    out = comparison.results
    assert out.years == ["2016/17", "2017/18", "2018/19", "2019/20", "2020/21"]
    steps = {(s.bridge, s.id): s for s in out.bridge}
    scheme = steps[("to_with_plan", SCHEME)]
    # A cost improvement sized as a share of the trust's costs: 10% saves 10/8 of what 8% saved.
    for year, before in enumerate(scheme.before):
        assert scheme.after[year] == pytest.approx(before * 10 / 8, rel=1e-9)
        assert scheme.difference[year] == pytest.approx(before / 4, rel=1e-9)
    assert scheme.difference[-1] == pytest.approx(66038.6 / 4, abs=0.1)  # the example's £66.0m, a quarter more

    position = {p.year: p for p in out.position}
    # The override starts in 2018/19: the do-nothing position moves from then on and not before.
    assert position["2017/18"].do_nothing_difference == 0
    assert position["2018/19"].do_nothing_difference < 0
    for year, p in enumerate(out.position):
        do_nothing = sum(s.difference[year] for s in out.bridge if s.bridge == "to_do_nothing")
        with_plan = sum(s.difference[year] for s in out.bridge if s.bridge == "to_with_plan")
        assert p.do_nothing_difference == pytest.approx(do_nothing, abs=1e-6)
        assert p.with_plan_difference == pytest.approx(do_nothing + with_plan, abs=1e-6)
        assert p.with_plan_after - p.with_plan_before == pytest.approx(p.with_plan_difference)
    # In 2017/18 only the scheme has changed: the position moves by its step, less the stranded
    # cost and interaction that come with it (a few £000 at most).
    assert position["2017/18"].with_plan_difference == pytest.approx(scheme.difference[1], abs=2.0)
    assert out.chance_of_balance is None  # no risk runs are stored
    assert out.rating_before.category == out.rating_after.category == "needs_most_improvement"
    # The stored central cases were read, not worked out again.
    assert StoredResult.objects.count() == 2
    compare_revisions(first, second)
    assert StoredResult.objects.count() == 2


def test_a_central_case_not_stored_is_worked_out_once(web_db, monkeypatch):
    plan = small_plan(make_user("home", Role.EDITOR, HOME))
    first = plan.revisions.get()
    worked_out = []
    compute = results._compute
    monkeypatch.setattr(results, "_compute", lambda *key, **kw: worked_out.append(key[0].number) or compute(*key, **kw))
    comparison = compare_revisions(first, first)
    assert not comparison.inputs.any
    assert all(p.with_plan_difference == 0 for p in comparison.results.position)
    assert worked_out == [1]


def test_the_chance_of_balance_needs_risk_runs_of_both(web_db):
    user = make_user("home", Role.EDITOR, HOME)
    plan = small_plan(user)
    first = plan.revisions.get()
    document = dict(first.document, title=first.document["title"] + " (second)")
    second = new_revision(user, plan, json.dumps(document), 1, "retitled", "plan.json")
    results.compute_and_store(first, 40, 7)
    assert compare_revisions(first, second).results.chance_of_balance is None
    results.compute_and_store(second, 40, 7)
    chance = compare_revisions(first, second).results.chance_of_balance
    stored = StoredResult.objects.get(revision=second, runs=40).results["risk"]["probability_of_balance"]
    assert (chance.runs, chance.seed, chance.after) == (40, 7, stored)
    assert chance.difference == [0.0] * len(stored)  # the same plan under another title, the same seed


def test_findings_added_and_removed_by_rule_and_subject():
    def assessment(*findings):
        rows = [{"rule": r, "subject": s, "severity": "error", "title": "t", "message": "m"} for r, s in findings]
        return {"findings": rows, "rating": {"category": "good", "score": 70.0}}

    document = {
        "years": ["2016/17"],
        "bridge": {"to_do_nothing": {"steps": []}, "to_with_plan": {"steps": []}},
        "consolidated": {"do_nothing_gbp000": [-1.0], "with_plan_gbp000": [0.0]},
    }
    out = result_changes(
        document, document, assessment(("A01", "footprint"), ("A06", "R1K")), assessment(("A06", "R1K"), ("A06", "RAS"))
    )
    assert [(f.rule, f.subject) for f in out.findings_added] == [("A06", "RAS")]
    assert [(f.rule, f.subject) for f in out.findings_removed] == [("A01", "footprint")]
    longer = dict(document, years=["2016/17", "2017/18"])
    with pytest.raises(YearsDiffer, match="cannot be compared year by year"):
        result_changes(document, longer, assessment(), assessment())


# -- the API -----------------------------------------------------------------------------------


def test_the_api_compares_two_revisions(revisions, author):
    first, second = revisions
    client = Client()
    client.force_login(author)
    response = client.get(f"/api/plans/{first.plan_id}/compare?from=1&to=2")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["plan_id"], body["from_revision"], body["to_revision"]) == (first.plan_id, 1, 2)
    assert body["inputs"]["schemes"]["changed"] == [
        {
            "key": SCHEME,
            "name": "London North West cost improvement programme",
            "changes": [{"field": "size_pct", "before": 8.0, "after": 10.0}],
        }
    ]
    step = next(s for s in body["results"]["bridge"] if s["id"] == SCHEME)
    assert step["difference"][-1] == pytest.approx(step["before"][-1] / 4)
    final = body["results"]["position"][-1]
    assert final["year"] == "2020/21"
    assert final["with_plan_difference"] == pytest.approx(final["with_plan_after"] - final["with_plan_before"])
    assert body["results"]["chance_of_balance"] is None
    # Without from and to: the latest revision against the one before it.
    assert client.get(f"/api/plans/{first.plan_id}/compare").json() == body


def test_the_api_compare_is_scoped_and_checked(revisions):
    first, _ = revisions
    client = Client()
    client.force_login(make_user("elsewhere", Role.EDITOR, HOME))
    assert client.get(f"/api/plans/{first.plan_id}/compare?from=1&to=2").status_code == 404
    reviewer = Client()
    reviewer.force_login(make_user("london", Role.REGIONAL_REVIEWER, region="London"))
    assert reviewer.get(f"/api/plans/{first.plan_id}/compare?from=1&to=2").status_code == 200
    assert reviewer.get(f"/api/plans/{first.plan_id}/compare?from=1&to=3").status_code == 404
    assert Client().get(f"/api/plans/{first.plan_id}/compare?from=1&to=2").status_code == 401
    assert Revision.objects.count() == 2


# -- the page ----------------------------------------------------------------------------------


def _row(page: str, *texts: str) -> str:
    """The one table row of ``page`` that holds every one of ``texts``."""
    rows = [row for row in re.findall(r"<tr\b.*?</tr>", page, re.S) if all(text in row for text in texts)]
    assert len(rows) == 1, (texts, rows)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rows[0]))


def test_the_compare_page_shows_the_changed_scheme_and_what_it_did(revisions, author):
    first, second = revisions
    client = Client()
    client.force_login(author)
    response = client.get(f"/plans/{first.plan_id}/compare/?from=1&to=2")
    assert response.status_code == 200
    page = response.content.decode()
    # The scheme, its changed field and both values.
    row = _row(page, "London North West cost improvement programme", "Size (%)")
    assert re.search(r"Size \(%\) 8 10\b", row), row
    assert re.search(r"Tariff efficiency \(%\): 2018/19 not set 3\b", _row(page, "Tariff efficiency (%): 2018/19<"))
    # The scheme's bridge step in the final year, read from the stored results documents.
    def final_step(revision):
        stored = StoredResult.objects.get(revision=revision, runs=0).results
        return next(s for s in stored["bridge"]["to_with_plan"]["steps"] if s["id"] == SCHEME)["gbp000"][-1]

    before, after = final_step(first), final_step(second)
    assert round(after - before) == 16_510  # a quarter of the example's £66.0m
    step = _row(page, ">London North West cost improvement programme<", f"{before:,.0f}")
    assert step.split()[-3:] == [f"{before:,.0f}", f"{after:,.0f}", f"+{after - before:,.0f}"]
    # The position with the plan in the final year, before and after, in £000.
    stored = {r.revision.number: r.results for r in StoredResult.objects.filter(runs=0)}
    final = [stored[n]["consolidated"]["with_plan_gbp000"][-1] for n in (1, 2)]
    assert f"{final[0]:,.0f}" in _row(page, "2020/21", f"{final[1]:,.0f}")
    assert "Needs most improvement" in page
    # Without from and to: the latest revision against the one before, with the form set to them.
    default = client.get(f"/plans/{first.plan_id}/compare/").content.decode()
    chosen = {name: re.search(rf'<select[^>]*name="{name}".*?<option value="(\d+)" selected', default, re.S).group(1)
              for name in ("from", "to")}
    assert chosen == {"from": "1", "to": "2"}
    assert "London North West cost improvement programme" in default


def test_the_compare_page_checks_its_revisions(revisions, author):
    first, _ = revisions
    client = Client()
    client.force_login(author)
    assert client.get(f"/plans/{first.plan_id}/compare/?from=1&to=3").status_code == 404
    assert client.get(f"/plans/{first.plan_id}/compare/?from=one&to=2").status_code == 404
    history = client.get(f"/plans/{first.plan_id}/revisions/").content.decode()
    assert f'href="/plans/{first.plan_id}/compare/?from=1&amp;to=2"' in history
    elsewhere = Client()
    elsewhere.force_login(make_user("elsewhere", Role.EDITOR, HOME))
    assert elsewhere.get(f"/plans/{first.plan_id}/compare/?from=1&to=2").status_code == 404


def test_a_plan_with_one_revision_has_nothing_to_compare(web_db):
    user = make_user("home", Role.EDITOR, HOME)
    plan = small_plan(user)
    client = Client()
    client.force_login(user)
    response = client.get(f"/plans/{plan.pk}/compare/")
    assert response.status_code == 200
    assert "only one revision" in response.content.decode()
