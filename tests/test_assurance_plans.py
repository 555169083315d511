"""Assurance over whole plans: a deliberately weak plan, a strong one and the bundled examples;
every rule documented; the JSON document's keys documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stpkit.assurance import RULES, assess
from stpkit.domain import RatingCategory, Severity
from stpkit.examples import example_paths
from stpkit.inputs.plan_file import load_plan
from stpkit.outputs.assurance import assurance_document

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
DOC = (ROOT / "docs" / "assurance.md").read_text("utf-8")


@pytest.fixture(scope="module")
def weak(params):
    return assess(load_plan(FIXTURES / "weak_plan.yaml", params), params, runs=1000, seed=0)


@pytest.fixture(scope="module")
def strong(params):
    return assess(load_plan(FIXTURES / "strong_plan.yaml", params), params, runs=1000, seed=0)


def test_the_weak_plan_trips_many_rules(weak):
    fired = {f.rule for f in weak.findings}
    assert len(fired) >= 10
    # Every weakness written into the fixture (see its header) is found.
    expected = {f"A{n:02d}" for n in range(1, 28)} - {"A20"}
    assert fired == expected
    assert weak.has_errors
    assert weak.rating.category is RatingCategory.NEEDS_MOST_IMPROVEMENT


def test_weak_plan_findings_name_what_they_are_about(weak):
    by_rule = {}
    for f in weak.findings:
        by_rule.setdefault(f.rule, []).append(f)
    assert by_rule["A08"][0].subject == "NCM-FRAIL"
    assert by_rule["A11"][0].subject == "REF-EQUIP"
    assert by_rule["A15"][0].subject == "RYF"
    assert by_rule["A23"][0].subject == "REF"
    assert {f.subject for f in by_rule["A21"]} == {"STM", "REF"}
    assert by_rule["A17"][0].subject == "prescribing"
    # The hospital's schemes ask for 14% of unit cost over four years (3.5% a year of the cost
    # base as it then stands) plus 2% of elective unit cost in 2019/20: above 3% a year.
    assert by_rule["A03"][0].numbers["efficiency_pct"] > 3.0


def test_every_finding_carries_declared_numbers_and_one_sentence(weak):
    rules = {r.id: r for r in RULES}
    for f in weak.findings:
        rule = rules[f.rule]
        assert f.severity in rule.severities and f.title == rule.title
        assert f.numbers and set(f.numbers) <= set(rule.reports), f.rule
        assert f.message.endswith(".") and "\n" not in f.message
        assert f.message[0].isupper() or f.message[0].isdigit()


def test_the_strong_plan_has_no_error(strong):
    assert [f for f in strong.findings if f.severity is Severity.ERROR] == []
    assert strong.gaps.finance.left_p50_gbp000 == 0.0
    assert strong.rating.category in (RatingCategory.OUTSTANDING, RatingCategory.ADVANCED)


def test_examples_record_their_governance(params):
    """The bundled examples say who signed, who took part and how the public was engaged: none
    trips a governance error, and each has indicators for the gaps that are not money."""
    for name, path in example_paths().items():
        assessment = assess(load_plan(path, params), params, runs=0)
        fired = {f.rule for f in assessment.findings}
        assert not fired & {"A21", "A23", "A25", "A26", "A27"}, (name, fired)
        assert len(assessment.gaps.health_wellbeing) >= 2, name
        ae = {i.id: i for i in assessment.gaps.care_quality}["ae_within_4_hours_pct"]
        assert ae.baseline is not None and ae.trajectory_source == "the plan", name


def _section(rule_id: str) -> str:
    start = DOC.index(f"### {rule_id}: ")
    end = DOC.find("\n### ", start + 1)
    return DOC[start : end if end > 0 else DOC.index("\n## ", start)]


def test_every_rule_is_documented():
    for rule in RULES:
        assert f"### {rule.id}: {rule.title}\n" in DOC, rule.id
        section = _section(rule.id)
        assert f"Severity: **{rule.severity.value}**" in section, rule.id
        assert all(f"**{s.value}**" in section for s in rule.severities), rule.id
        assert "Fires when " in section, rule.id
        flat = " ".join(section.split())
        assert " ".join(rule.why.split()) in flat, rule.id
        for name in rule.reports:
            assert f"`{name}`" in section, (rule.id, name)
        for ref in rule.references:
            assert ref.title in section and ref.url in section, (rule.id, ref.title)
        severities = " or ".join(s.value for s in rule.severities)
        assert f"| {rule.title} | {severities} |" in DOC, rule.id  # the summary table


def test_rules_are_many_and_distinct():
    ids = [r.id for r in RULES]
    assert len(ids) >= 15 and len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"A\d\d", i) for i in ids)
    assert all(r.references and r.why and r.reports for r in RULES)


def test_every_key_of_the_json_document_is_documented(weak):
    document = assurance_document(weak)
    keys = set(document) | set(document["plan"]) | set(document["summary"]) | set(document["findings"][0])
    keys |= set(document["risk_runs"]) | set(document["gaps"]) | set(document["gaps"]["finance"])
    keys |= set(document["gaps"]["care_quality"][0]) | set(document["rating"])
    keys |= set(document["rating"]["components"][0])
    assert sorted(k for k in keys if f"`{k}`" not in DOC) == []
