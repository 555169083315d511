"""The base year is the actual position: no plan changes it.

Validation refuses what would reach it (phasing in the base year, a lead time that brings the
receiving service's cost into it, income from a repurposed site before any site can close),
and the engine keeps year 0 as it is whatever it is given."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from conftest import BASE, NEXT, make_plan
from stpkit.api import PlanRun
from stpkit.domain import check_plan
from stpkit.engine.model import run_plan
from stpkit.inputs.located import InputError
from stpkit.reference.parameters import load_parameters
from strategies import plans
from test_capacity_handworked import _with_community_trust, plan_with, shift_scheme

PARAMS = load_parameters()
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _early_shift() -> dict:
    """conftest's two organisations and a community trust T2 (test_capacity_handworked): the CCG
    moves 10% of its 40,000 emergency spells to T2 in 2017/18, as five community contacts each,
    with the community service starting a year early, which is the base year."""
    scheme = shift_scheme()
    scheme["acts_on"]["lead_time_years"] = 1
    return _with_community_trust(plan_with(scheme))


def test_the_engine_never_brings_a_lead_time_into_the_base_year(params):
    result = run_plan(make_plan(_early_shift()), params)
    # Base year, do nothing and with the plan alike: the CCG's allocation of 108,000 less its
    # spend of 80,000 + 20,000 + 8,000 is 0; T1 is paid 80,000 + 10,000 and spends 100,000: -10,000;
    # T2 is paid 8,000 and spends 8,000: 0. Before the fix T2 ran the new service in 2016/17:
    # 200,000 contacts x 10% x £0.08k x 75% (variable and semi-fixed) = 1,200 of cost, so the
    # footprint's base year with the plan was -11,200.
    assert result.do_nothing_by_org[0, 0] == pytest.approx([0.0, -10_000.0, 0.0])
    assert result.with_plan_by_org[0, 0] == pytest.approx([0.0, -10_000.0, 0.0])
    assert np.array_equal(result.lines_with_plan[0, 0], result.lines_do_nothing[0, 0])
    assert result.scheme_effect[0, 0] == 0.0
    # 2017/18 is as without the lead time (the horizon: the cost stays at its last level):
    # 21,000 contacts x £0.08k x 75% x 1.02 pay = 1,285.2 of cost against 1,680 of income.
    change = result.with_plan_by_org[0, 1] - result.do_nothing_by_org[0, 1]
    assert change[2] == pytest.approx(1_680 - 1_285.2)


def test_a_lead_time_reaching_the_base_year_is_refused(params):
    with pytest.raises(InputError) as caught:
        PlanRun.from_plan(make_plan(_early_shift()), params)
    (problem,) = caught.value.problems
    assert problem.field == "schemes[0].acts_on.lead_time_years"
    assert problem.message == (
        "with a lead time of 1 year the receiving service's cost starts in 2016/17, the base year, a year before "
        "the activity first moves (2017/18); the base year is the actual position and cannot change: phase the "
        "scheme from 2018/19 or give no lead time"
    )


def test_a_lead_time_before_the_base_year_is_refused():
    data = _early_shift()
    data["horizon"] = "2018/19"
    for section in data["assumptions"].values():
        for by_year in [section] if NEXT in section else list(section.values()):
            by_year["2018/19"] = by_year[NEXT]
    data["schemes"][0]["acts_on"]["lead_time_years"] = 2
    data["schemes"][0]["phasing_pct"] = {NEXT: 50, "2018/19": 50}
    (problem,) = check_plan(make_plan(data))
    assert problem.message == (
        "with a lead time of 2 years the receiving service's cost starts in 2015/16, before the base year 2016/17, "
        "2 years before the activity first moves (2017/18); the base year is the actual position and cannot "
        "change: phase the scheme from 2019/20 or give no lead time"
    )
    # Phased from 2018/19 (a year of nothing first), a lead time of one year is allowed.
    data["schemes"][0]["phasing_pct"] = {NEXT: 0, "2018/19": 100}
    data["schemes"][0]["acts_on"]["lead_time_years"] = 1
    assert check_plan(make_plan(data)) == []


def test_income_from_a_repurposed_site_is_refused_in_the_base_year():
    data = plan_with()
    data["organisations"][1]["capacity"] = {
        "sites": [
            {
                "code": "S1",
                "name": "Old Hospital",
                "kind": "community_hospital",
                "beds": 0,
                "closes": NEXT,
                "repurposing_income_gbp000": {BASE: 150, NEXT: 150},
            }
        ]
    }
    (problem,) = check_plan(make_plan(data))
    assert problem.field == "organisations[1].capacity.sites[0].repurposing_income_gbp000.2016/17"
    assert problem.message == "2016/17 is outside the plan's projection years (2017/18 to 2017/18)"


def _base_year_is_untouched(result) -> None:
    dn, wp = result.do_nothing_by_org[0, 0], result.with_plan_by_org[0, 0]
    rounding = 1e-9 * max(1.0, float(np.abs(dn).max(initial=0.0)))
    assert np.allclose(wp, dn, rtol=0, atol=rounding)
    assert np.array_equal(result.lines_with_plan[0, 0], result.lines_do_nothing[0, 0])
    for step in result.to_with_plan.steps:
        assert np.allclose(step.by_org[0, 0], 0.0, rtol=0, atol=rounding), step.id


@SETTINGS
@given(plans(kinds=("shift",), min_schemes=1, external=False, lead_into_base_year=True))
def test_generated_plans_never_change_the_base_year_in_the_engine(data):
    """Plans as the engine may be given them: shifts whose lead time may reach the base year
    (about one in four of them does)."""
    _base_year_is_untouched(run_plan(make_plan(data), PARAMS))


@SETTINGS
@given(plans())
def test_generated_valid_plans_never_change_the_base_year(data):
    plan = make_plan(data)
    assert check_plan(plan) == []
    _base_year_is_untouched(PlanRun.from_plan(plan, PARAMS).central)
