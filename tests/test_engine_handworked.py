"""The engine against numbers worked out by hand for a CCG and a trust over two years
(see conftest.two_org_data and simple_assumptions for the inputs)."""

from __future__ import annotations

import pytest

from conftest import demand_scheme, make_plan, pay_scheme, two_org_data
from stpkit.engine.model import run_plan
from stpkit.engine.project import DRIVERS, Driver

CCG, TRUST = 0, 1


def run(params, schemes=()):
    data = two_org_data()
    data["schemes"] = list(schemes)
    return run_plan(make_plan(data), params)


def test_base_year_positions(params):
    result = run(params)
    # CCG: 100,000 - 80,000 - 20,000 = 0. Trust: 80,000 + 10,000 - 100,000 = -10,000.
    assert result.do_nothing_by_org[0, 0, CCG] == pytest.approx(0.0)
    assert result.do_nothing_by_org[0, 0, TRUST] == pytest.approx(-10_000.0)


def test_do_nothing_2017_18(params):
    result = run(params)
    # CCG: allocation 100,000 x 1.03 = 103,000; non-elective 80,000 x 1.05 volume x (1 + 2% - 2%)
    # price = 84,000; prescribing 20,000 x 1.05 drugs inflation = 21,000; 103,000 - 105,000 = -2,000.
    assert result.do_nothing_by_org[0, 1, CCG] == pytest.approx(-2_000.0)
    # Trust costs are attributed to income: 80/90 to the non-elective spells, 10/90 unattributed.
    # pay:   53,333.33 x 1.05 x 1.02 = 57,120.00   +  6,666.67 x 1.02 = 6,800.00
    # drugs:  8,888.89 x 1.05 x 1.05 =  9,800.00   +  1,111.11 x 1.05 = 1,166.67
    # other: 26,666.67 x 1.05 x 1.01 = 28,280.00   +  3,333.33 x 1.01 = 3,366.67
    # cost 106,533.33; income 84,000 + 10,000; position -12,533.33.
    assert result.do_nothing_by_org[0, 1, TRUST] == pytest.approx(-12_533.333, abs=0.01)
    assert result.do_nothing[0, 1] == pytest.approx(-14_533.333, abs=0.01)


def test_driver_steps_2017_18(params):
    result = run(params)
    step = dict(zip(DRIVERS, result.driver_effect[0, 1], strict=True))
    # Demand alone: the CCG's extra 4,000 to the trust cancels with the trust's extra income;
    # what is left is the trust's extra cost, 88,888.89 attributed x 5% = -4,444.44.
    assert step[Driver.DEMAND] == pytest.approx(-4_444.444, abs=0.01)
    # Inflation alone: prescribing +1,000 to the CCG; trust costs +2,000 (1,200 pay, 500 drugs,
    # 300 other) while its tariff income rises 1,600 and the CCG pays that 1,600: -3,000.
    assert step[Driver.INFLATION] == pytest.approx(-3_000.0)
    # Tariff efficiency alone moves 1,600 from the trust to the CCG: nothing for the footprint.
    assert step[Driver.EFFICIENCY] == pytest.approx(0.0, abs=1e-9)
    # Funding alone: the allocation grows 3,000.
    assert step[Driver.FUNDING] == pytest.approx(3_000.0)
    # The rest (-4,533.33 in all) is the interaction, mostly volume x price on trust costs.
    assert result.driver_interaction[0, 1] == pytest.approx(-88.889, abs=0.01)


def test_single_demand_scheme(params):
    result = run(params, [demand_scheme()])
    # 10% fewer non-elective admissions: the CCG pays 8,400 less, the trust loses 8,400 of
    # income and saves 10% of the 95,200 of cost attributed to those spells, 9,520.
    assert result.with_plan_by_org[0, 1, CCG] == pytest.approx(-2_000 + 8_400)
    assert result.with_plan_by_org[0, 1, TRUST] == pytest.approx(-12_533.333 - 8_400 + 9_520, abs=0.01)
    assert result.scheme_effect[0, 1, 0] == pytest.approx(9_520.0)
    assert result.scheme_interaction[0, 1] == pytest.approx(0.0, abs=1e-9)
    # Activity falls from 42,000 spells to 37,800.
    assert result.activity_do_nothing[0, 1].sum() == pytest.approx(42_000)
    assert result.activity_with_plan[0, 1].sum() == pytest.approx(37_800)


def test_two_schemes_on_the_same_cost_interact(params):
    result = run(params, [demand_scheme(), pay_scheme()])
    # Pay scheme alone: 5% of do-nothing pay 63,920 = 3,196. Together the demand scheme has
    # already removed 10% of the attributed pay 57,120, so 5% of that overlap is not saved
    # twice: interaction = -0.05 x 0.10 x 57,120 = -285.60.
    effects = result.scheme_effect[0, 1]
    assert effects[0] == pytest.approx(9_520.0)
    assert effects[1] == pytest.approx(3_196.0)
    assert result.scheme_interaction[0, 1] == pytest.approx(-285.6)
    assert result.with_plan[0, 1] == pytest.approx(-14_533.333 + 9_520 + 3_196 - 285.6, abs=0.01)


def test_investment_and_non_recurrent_saving(params):
    data = two_org_data()
    data["horizon"] = "2018/19"
    # Repeat 2017/18's rates in 2018/19.
    for section in data["assumptions"].values():
        for by_year in [section] if "2017/18" in section else list(section.values()):
            by_year["2018/19"] = by_year["2017/18"]
    data["schemes"] = [
        pay_scheme(
            recurrent=False, phasing_pct={"2017/18": 100}, revenue_investment_gbp000={"2017/18": 500, "2018/19": 500}
        )
    ]
    result = run_plan(make_plan(data), params)
    effect = result.scheme_effect[0, :, 0]
    # 2017/18: 5% of pay 63,920 = 3,196 less the 500 invested. 2018/19: a one-off saving is
    # gone, the investment is not.
    assert effect[1] == pytest.approx(3_196 - 500)
    assert effect[2] == pytest.approx(-500)


def test_shared_provider_counts_only_its_share(params):
    data = two_org_data()
    data["organisations"][1]["share_pct"] = 25
    result = run_plan(make_plan(data), params)
    # Every line of the trust counts at 25%: base position -10,000 x 25% = -2,500. The CCG's
    # payment is counted in full on its side, so 75% of it leaves the footprint.
    assert result.do_nothing_by_org[0, 0, TRUST] == pytest.approx(-2_500.0)
    assert result.do_nothing_by_org[0, 0, CCG] == pytest.approx(0.0)


def test_size_in_gbp000_is_a_share_of_the_base_year(params):
    # 8,000 of the CCG's 80,000 base-year non-elective spend is the same scheme as 10%.
    by_pct = run(params, [demand_scheme()])
    by_gbp = run(params, [demand_scheme(size_pct=None, size_gbp000=8_000)])
    assert by_gbp.with_plan[0, 1] == pytest.approx(by_pct.with_plan[0, 1])
