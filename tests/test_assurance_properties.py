"""Properties of assurance on generated plans: every rule runs on any valid plan, its findings
carry only the numbers it declares, and a plan without schemes has nothing to say about them."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings

from conftest import make_plan
from stpkit.assurance import RULES, assess
from stpkit.reference.parameters import load_parameters
from strategies import plans

PARAMS = load_parameters()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DECLARED = {rule.id: set(rule.reports) for rule in RULES}
#: Rules that are about schemes: silent when a plan has none.
SCHEME_RULES = {"A03", "A04", "A05", "A08", "A09", "A10", "A11", "A12", "A13", "A14", "A19", "A20", "A27"}


@SETTINGS
@given(plans())
def test_every_rule_runs_on_any_valid_plan(data):
    assessment = assess(make_plan(data), PARAMS, runs=0)
    for finding in assessment.findings:
        assert set(finding.numbers) <= DECLARED[finding.rule]
        assert all(math.isfinite(v) for v in finding.numbers.values())
        assert finding.message.endswith(".")
    rating = assessment.rating
    assert 0.0 <= rating.score <= 100.0
    assert math.isclose(sum(c.weight_pct for c in rating.components), 100.0)
    assert all(c.score is None or 0.0 <= c.score <= 100.0 for c in rating.components)


@SETTINGS
@given(plans(max_schemes=0))
def test_a_plan_without_schemes_has_no_scheme_findings(data):
    assessment = assess(make_plan(data), PARAMS, runs=0)
    assert {f.rule for f in assessment.findings} & SCHEME_RULES == set()


@SETTINGS
@given(plans(max_schemes=2))
def test_signing_off_clears_the_sign_off_findings(data):
    data["governance"] = {
        "sign_off": [
            {"organisation": org["code"], "status": "signed_off", "date": "2016-10-20"} for org in data["organisations"]
        ]
    }
    fired = {f.rule for f in assess(make_plan(data), PARAMS, runs=0).findings}
    assert not fired & {"A23", "A24"}


#: The 2017 categories from worst to best.
CATEGORY_ORDER = ("needs_most_improvement", "making_progress", "advanced", "outstanding")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_skipping_the_risk_runs_never_raises_the_rating(data):
    from stpkit.api import PlanRun

    run = PlanRun.from_plan(make_plan(data))
    with_runs, without = run.assessment(200, 1).rating, run.assessment(0).rating
    assert without.score <= with_runs.score + 1e-9
    assert CATEGORY_ORDER.index(without.category.value) <= CATEGORY_ORDER.index(with_runs.category.value)
