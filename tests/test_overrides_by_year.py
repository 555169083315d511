"""A plan's override of a national parameter for a given year applies in that year, for every
parameter: either the model reads the parameter in that year, or the parameter takes one value
for the whole plan (read at the base year) and any other value in a later year is refused with
a located message, never silently ignored."""

from __future__ import annotations

import pytest

from conftest import BASE, NEXT, demand_scheme, make_plan, two_org_data
from stpkit.api import PlanRun
from stpkit.engine.assumptions import resolve_assumptions
from stpkit.engine.model import cost_behaviour
from stpkit.inputs.plan_file import validate
from stpkit.reference.parameters import SINGLE_VALUE

TRUST, NURSING = 1, 0


def _override(params, name: str, by_year: dict[str, float]) -> dict:
    """``by_year`` for the parameter's first member (or the parameter itself)."""
    param = params[name]
    return {param.members[0]: by_year} if param.dimension else by_year


def _problems(params, name: str, by_year: dict[str, float]) -> list:
    data = two_org_data()
    data["assumptions"][name] = _override(params, name, by_year)
    return [p for p in validate(make_plan(data), params) if p.loc[:2] == ("assumptions", name)]


def test_one_value_parameters_are_model_parameters(params):
    for name in SINGLE_VALUE:
        assert params[name].used_by == "model", name


@pytest.mark.parametrize("name", sorted(SINGLE_VALUE))
def test_a_one_value_parameter_changed_in_a_later_year_is_refused_where_given(params, name):
    param = params[name]
    member = param.members[0]
    base_value = param.value(BASE, member)
    problems = _problems(params, name, {NEXT: base_value + 1.0})
    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.loc == ("assumptions", name, *((member,) if param.dimension else ()), NEXT)
    assert f"{name} takes one value for the whole plan, read at the base year {BASE}" in problem.message
    assert SINGLE_VALUE[name] in problem.message


@pytest.mark.parametrize("name", sorted(SINGLE_VALUE))
def test_a_one_value_parameter_may_repeat_its_base_year_value(params, name):
    member = params[name].members[0]
    base_value = params[name].value(BASE, member)
    assert _problems(params, name, {NEXT: base_value}) == []
    assert _problems(params, name, {BASE: base_value + 1.0, NEXT: base_value + 1.0}) == []
    assert _problems(params, name, {BASE: base_value + 1.0}) == []


def _capital_plan(lower: dict[str, float], upper: dict[str, float]) -> PlanRun:
    data = two_org_data()
    data["schemes"] = [
        demand_scheme(capital_gbp000={NEXT: 1_000}, capital_source="provider",
                      capital_project_type="standard_buildings")
    ]
    data["assumptions"]["optimism_bias_capital_lower_pct"] = {"standard_buildings": lower}
    data["assumptions"]["optimism_bias_capital_upper_pct"] = {"standard_buildings": upper}
    return PlanRun.from_plan(make_plan(data))


def test_optimism_bias_is_read_in_the_year_the_capital_is_spent():
    """1,000 of capital spent in 2017/18 with the bounds set to 10% and 10% for 2017/18 (and to
    50% for 2016/17, when nothing is spent): every drawn run needs 1,000 x 1.10 = 1,100."""
    run = _capital_plan({BASE: 50.0, NEXT: 10.0}, {BASE: 50.0, NEXT: 10.0})
    risk = run.risk(runs=200, seed=4)
    assert risk.capital_need_percentiles[:, 1] == pytest.approx([1_100.0] * 3)
    assert risk.capital_need_percentiles[:, 0] == pytest.approx([0.0] * 3)


def test_optimism_bias_bounds_of_the_spending_year_set_the_spread():
    """Bounds 0% to 40% in 2017/18: the P10, P50 and P90 of the need are 1,000 x (1 + 0.4 x 0.1)
    = 1,040, 1,200 and 1,360; 2,000 runs read them to within a few £000."""
    run = _capital_plan({NEXT: 0.0}, {NEXT: 40.0})
    p10, p50, p90 = run.risk(runs=2000, seed=5).capital_need_percentiles[:, 1]
    assert (p10, p50, p90) == (pytest.approx(1_040.0, abs=8), pytest.approx(1_200.0, abs=8),
                               pytest.approx(1_360.0, abs=8))


@pytest.mark.parametrize("name", ["vacancy_rate_pct", "agency_share_of_vacancies_pct"])
def test_vacancy_and_agency_rates_apply_in_the_year_given(params, name):
    """T1 gives no workforce, so the national rates apply; an override for nursing in 2017/18
    sets that year's rate alone. Nothing fills posts, so vacancies are the establishment times
    the vacancy rate and agency staff the vacancies times the agency share."""
    data = two_org_data()
    data["assumptions"][name] = {"nursing": {NEXT: 20.0}}
    workforce = PlanRun.from_plan(make_plan(data), params).central.workforce
    establishment = workforce.establishment_with_plan[:, TRUST, NURSING]
    vacancies = workforce.vacancies_with_plan[:, TRUST, NURSING]
    agency = workforce.agency_with_plan[:, TRUST, NURSING]
    vacancy_rate = [params["vacancy_rate_pct"].value(BASE, "nursing") / 100.0,
                    params["vacancy_rate_pct"].value(NEXT, "nursing") / 100.0]
    agency_share = [params["agency_share_of_vacancies_pct"].value(BASE, "nursing") / 100.0,
                    params["agency_share_of_vacancies_pct"].value(NEXT, "nursing") / 100.0]
    (vacancy_rate if name == "vacancy_rate_pct" else agency_share)[1] = 0.20
    assert vacancies == pytest.approx(establishment * vacancy_rate)
    assert agency == pytest.approx(establishment * vacancy_rate * agency_share)


def test_a_line_given_bed_days_in_a_later_year_uses_beds(params):
    """Urgent care uses no beds nationally; a plan giving it bed days from 2017/18 makes its
    activity bedded, as the beds model already counts it in that year."""
    data = two_org_data()
    data["assumptions"]["bed_days_per_unit"] = {"urgent_care": {NEXT: 2.5}}
    plan = make_plan(data)
    assert validate(plan, params) == []
    lines = {line.value for line in cost_behaviour(resolve_assumptions(plan, params)).bedded_lines}
    assert "urgent_care" in lines


# The national spreads scale each run's one draw by the spread of each year. On conftest's two
# organisations the 2017/18 do-nothing (central -14,533.33) moves by 111,666.67 per unit of
# demand shift and 31,333.33 per unit of "other" inflation shift (see test_risk_handworked);
# the P10 and P90 of a normal are -/+ 1.2815516 sd.
Z90 = 1.2815516
CENTRAL_2017_18 = -14_533.333


def _spread_2017_18(assumptions: dict) -> float:
    data = two_org_data()
    data["assumptions"].update(assumptions)
    p10, _, p90 = PlanRun.from_plan(make_plan(data)).risk(runs=4000, seed=3).do_nothing_percentiles[:, 1]
    return (p90 - p10) / 2


def test_the_demand_spread_of_a_later_year_applies_in_that_year():
    """Inflation held certain; demand's spread 1.5 points in 2017/18 (national 0.75 in 2016/17):
    the half spread is 111,666.67 x 0.015 x 1.2815516 = 2,146.60."""
    half = _spread_2017_18({
        "cost_inflation_sd_pct": {c: {NEXT: 0.0} for c in ("pay", "drugs", "other")},
        "demand_growth_sd_pct": {NEXT: 1.5},
    })
    expected = 111_666.667 * 0.015 * Z90
    assert expected == pytest.approx(2_146.60, abs=0.01)
    assert half == pytest.approx(expected, rel=0.04)


def test_the_inflation_spread_of_a_later_year_applies_in_that_year():
    """Demand, pay and drugs held certain in 2017/18; other costs' inflation spread 2 points in
    2017/18: the half spread is 31,333.33 x 0.02 x 1.2815516 = 803.11."""
    half = _spread_2017_18({
        "cost_inflation_sd_pct": {"pay": {NEXT: 0.0}, "drugs": {NEXT: 0.0}, "other": {NEXT: 2.0}},
        "demand_growth_sd_pct": {NEXT: 0.0},
    })
    expected = 31_333.333 * 0.02 * Z90
    assert expected == pytest.approx(803.11, abs=0.01)
    assert half == pytest.approx(expected, rel=0.04)
